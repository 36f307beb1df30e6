/**
 * The ASiC manifest (ETSI EN 319 162-1 §A.4, namespace `http://uri.etsi.org/02918/v1.2.1#`):
 * the file a CAdES signature or a time-stamp token of an ASiC-E container covers, listing each
 * document with its digest (XML-DSig DigestMethod/DigestValue), and naming the signature file
 * (SigReference).
 *
 * The reader accepts only what this profile needs — elements, attributes, text, the five
 * predefined entities and numeric character references — and refuses DOCTYPEs (no external
 * entities, no entity expansion).
 */
import { ScelleError } from '../errors.js';

export const ASIC_NS = 'http://uri.etsi.org/02918/v1.2.1#';
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** XML-DSig digest URIs (RFC 6931) of the hashes scelle uses and accepts. */
export const DIGEST_URIS: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};
const SHA256_URI = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** A document listed by a manifest. */
export interface ManifestReference {
  uri: string;
  mimeType?: string;
  /** The DigestMethod URI. */
  digestMethod: string;
  digest: Uint8Array;
}

/** A parsed manifest. */
export interface AsicManifest {
  sigReference: { uri: string; mimeType?: string };
  references: ManifestReference[];
}

const malformed = (detail: string): ScelleError => new ScelleError('ASIC_MALFORMED', `the ASiC manifest is not valid: ${detail}`, { params: { detail } });

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A URI reference for a file name (RFC 3986 percent-encoding of what is not safe in a path). */
export function fileUri(name: string): string {
  return name.split('/').map((s) => encodeURIComponent(s)).join('/');
}

/** The file name a URI reference designates. */
export function uriFile(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    throw malformed(`"${uri}" is not a valid URI reference`);
  }
}

/** Writes a manifest (SHA-256 digests). */
export function buildAsicManifest(sig: { uri: string; mimeType: string }, refs: readonly { name: string; mimeType: string; sha256: Uint8Array }[]): Uint8Array {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    `<asic:ASiCManifest xmlns:asic="${ASIC_NS}" xmlns:ds="${DS_NS}">`,
    `  <asic:SigReference URI="${escapeXml(fileUri(sig.uri))}" MimeType="${escapeXml(sig.mimeType)}"/>`,
    ...refs.map((r) => `  <asic:DataObjectReference URI="${escapeXml(fileUri(r.name))}" MimeType="${escapeXml(r.mimeType)}">\n    <ds:DigestMethod Algorithm="${SHA256_URI}"/>\n    <ds:DigestValue>${Buffer.from(r.sha256).toString('base64')}</ds:DigestValue>\n  </asic:DataObjectReference>`),
    '</asic:ASiCManifest>',
    '',
  ];
  return new Uint8Array(Buffer.from(lines.join('\n'), 'utf8'));
}

interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

/** A small, strict XML reader for the manifest. */
function parseXml(xml: string): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) throw malformed('it has a DOCTYPE, which is not allowed');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const re = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let last = 0;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    if (m.index !== last) throw malformed(`unexpected characters at ${last}`);
    last = re.lastIndex;
    if (m[1] !== undefined) {
      const open = stack.pop();
      if (open?.name !== m[1]) throw malformed(`</${m[1]}> closes nothing open`);
    } else if (m[2] !== undefined) {
      const attrs = new Map<string, string>();
      for (const a of m[3]!.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs.set(a[1]!, decodeEntities(a[2] ?? a[3] ?? ''));
      const el: XmlElement = { name: m[2], attrs, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(el);
      else if (root === undefined) root = el;
      else throw malformed('more than one root element');
      if (m[4] !== '/') stack.push(el);
    } else if (m[5] !== undefined) {
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.text += decodeEntities(m[5]);
      else if (m[5].trim() !== '') throw malformed('text outside the root element');
    }
  }
  if (last !== xml.length || stack.length > 0 || root === undefined) throw malformed('it is truncated or not well-formed');
  return root;
}

const local = (n: string): string => n.slice(n.indexOf(':') + 1);

/**
 * Reads a manifest.
 * @throws ScelleError ASIC_MALFORMED.
 */
export function parseAsicManifest(bytes: Uint8Array): AsicManifest {
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw malformed('it is not UTF-8');
  }
  const root = parseXml(xml.replace(/^\uFEFF/, ''));
  if (local(root.name) !== 'ASiCManifest') throw malformed(`its root element is ${root.name}, not ASiCManifest`);
  const sig = root.children.find((c) => local(c.name) === 'SigReference');
  if (sig?.attrs.get('URI') === undefined) throw malformed('it has no SigReference');
  const references: ManifestReference[] = [];
  for (const r of root.children.filter((c) => local(c.name) === 'DataObjectReference')) {
    const uri = r.attrs.get('URI');
    const method = r.children.find((c) => local(c.name) === 'DigestMethod')?.attrs.get('Algorithm');
    const value = r.children.find((c) => local(c.name) === 'DigestValue')?.text.replace(/\s+/g, '');
    if (uri === undefined || method === undefined || value === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw malformed('a DataObjectReference lacks its URI, DigestMethod or DigestValue');
    const mimeType = r.attrs.get('MimeType');
    references.push({ uri, digestMethod: method, digest: new Uint8Array(Buffer.from(value, 'base64')), ...(mimeType !== undefined ? { mimeType } : {}) });
  }
  const sigMime = sig.attrs.get('MimeType');
  return { sigReference: { uri: sig.attrs.get('URI')!, ...(sigMime !== undefined ? { mimeType: sigMime } : {}) }, references };
}
