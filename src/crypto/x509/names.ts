/**
 * Names in certificates and CRLs: distinguished names (RFC 5280 §4.1.2.4) rendered as RFC 4514
 * strings and compared as RFC 5280 §7.1 asks, and GeneralNames (§4.2.1.6) decoded with the bytes
 * that name constraints (§4.2.1.10) compare.
 *
 * Comparison: two Names match when their DER is identical, or when they have the same RDNs in the
 * same order, each with the same attribute types and values equal after RFC 4518-style
 * preparation (Unicode NFKC, case folding, insignificant spaces removed). PKITS' name-chaining
 * tests (capitalization, whitespace, UTF8String/PrintableString rollover) rely on this.
 */
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, decodeOid, isTag, parseBer, rawBytes, type BerNode } from '../asn1/ber.js';
import { readSet, readSequence } from '../asn1/values.js';
import { toHex } from '../asn1/asn1js-util.js';
import { BoundedCache, bytesKey } from './bounded-cache.js';

/** One attribute of a distinguished name. */
export interface NameAttribute {
  /** The attribute type OID. */
  oid: string;
  /** CN, O, OU, C, L, ST, SN, GN, T (title), serialNumber, emailAddress… or the OID when unknown. */
  shortName: string;
  /** The decoded string value, or `#<hex DER>` when the value is not a string (RFC 4514 §2.4). */
  value: string;
  /** True when `value` is the `#hex` form (not escaped when rendered). */
  hex?: true;
}

/** OID of the PKCS #9 emailAddress attribute (RFC 5280 §4.1.2.6 legacy e-mail in the subject). */
export const EMAIL_ADDRESS_OID = '1.2.840.113549.1.9.1';

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  [EMAIL_ADDRESS_OID]: 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

/** Universal string types and how their contents decode. */
const STRING_TAGS: Readonly<Record<number, 'utf8' | 'latin1' | 'bmp' | 'universal'>> = {
  12: 'utf8', // UTF8String
  18: 'latin1', // NumericString
  19: 'latin1', // PrintableString
  20: 'latin1', // TeletexString (T.61; Latin-1 is what CAs put there in practice)
  21: 'latin1', // VideotexString
  22: 'latin1', // IA5String
  25: 'latin1', // GraphicString
  26: 'latin1', // VisibleString
  27: 'latin1', // GeneralString
  28: 'universal', // UniversalString (UCS-4 big-endian)
  30: 'bmp', // BMPString (UCS-2 big-endian)
};

/** The text of a directory string element, or undefined when it is not a string type. */
export function directoryString(node: BerNode): string | undefined {
  if (node.tagClass !== 'universal' || node.constructed) return undefined;
  const kind = STRING_TAGS[node.tagNumber];
  if (kind === undefined) return undefined;
  const b = node.buffer.subarray(node.contentStart, node.contentEnd);
  switch (kind) {
    case 'utf8': {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        throw malformed('a UTF8String holds invalid UTF-8');
      }
    }
    case 'latin1':
      return Buffer.from(b).toString('latin1');
    case 'bmp': {
      if (b.length % 2 !== 0) throw malformed('a BMPString has an odd length');
      let s = '';
      for (let i = 0; i < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    case 'universal': {
      if (b.length % 4 !== 0) throw malformed('a UniversalString length is not a multiple of 4');
      let s = '';
      for (let i = 0; i < b.length; i += 4) {
        const cp = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
        if (cp > 0x10ffff) throw malformed('a UniversalString holds an invalid code point');
        s += String.fromCodePoint(cp);
      }
      return s;
    }
  }
}

/**
 * Decodes the AttributeTypeAndValues of one RDN: the children of a SET, or of an IMPLICIT-tagged
 * RDN (a distribution point's nameRelativeToCRLIssuer).
 */
export function parseRdn(rdn: BerNode, what: string): NameAttribute[] {
  if (!rdn.constructed) throw malformed(`${what}: an RDN is not constructed`);
  const atvs = rdn.children.map((atv) => {
    const parts = readSequence(atv, `${what} AttributeTypeAndValue`);
    if (parts.length !== 2) throw malformed(`${what}: malformed AttributeTypeAndValue`);
    const oid = decodeOid(parts[0], what);
    const str = directoryString(parts[1]!);
    const attr: NameAttribute = { oid, shortName: SHORT_NAMES[oid] ?? oid, value: str ?? `#${toHex(rawBytes(parts[1]!)).toLowerCase()}` };
    if (str === undefined) attr.hex = true;
    return attr;
  });
  if (atvs.length === 0) throw malformed(`${what}: empty RDN`);
  return atvs;
}

/** Parses a Name (RFC 5280 §4.1.2.4) into its RDNs, in encoding order. */
export function parseNameNode(seq: BerNode, what: string): NameAttribute[][] {
  return readSequence(seq, what).map((rdn) => {
    readSet(rdn, `${what} RDN`);
    return parseRdn(rdn, what);
  });
}

/** The comparison key of a Name made of `base`'s RDNs followed by `rdn` (RFC 5280 §4.2.1.13 nameRelativeToCRLIssuer). */
export function appendRdnKey(base: DecodedName, rdn: readonly NameAttribute[]): string {
  return [...base.rdnKeys, ...rdnKeysOf([rdn as NameAttribute[]])].join(',');
}

function escapeRfc4514(value: string): string {
  let out = value.replace(/[\\"+,;<>]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** RFC 4514 §2.1: RDNs in reverse encoding order, `,` between RDNs, `+` inside one. */
export function formatName(rdns: readonly NameAttribute[][]): string {
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.shortName}=${a.hex === true ? a.value : escapeRfc4514(a.value)}`).join('+'))
    .join(',');
}

/** RFC 4518 §2 in short: compatibility normalization, case folding, insignificant spaces removed. */
function prepareValue(v: string): string {
  return v.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/** One comparison key per RDN: its attributes, prepared and sorted (a SET has no order). */
function rdnKeysOf(rdns: readonly NameAttribute[][]): string[] {
  return rdns.map((rdn) => rdn.map((a) => `${a.oid}=${a.hex === true ? a.value : prepareValue(a.value)}`).sort().join('+'));
}

/** A decoded Name: its RDNs, RFC 4514 text and comparison keys. */
export interface DecodedName {
  rdns: NameAttribute[][];
  text: string;
  /** One key per RDN, in order (for RFC 5280 §7.1 matching and §4.2.1.10 subtree prefixes). */
  rdnKeys: string[];
  /** The whole Name's comparison key. */
  key: string;
}

/** Decoded Names by their exact DER: path building compares the same few Names over and over. */
const NAME_CACHE = new BoundedCache<string, DecodedName>(1024);

/**
 * Decodes a DER Name (cached by its bytes).
 * @throws ScelleError MALFORMED_ASN1 when the Name cannot be decoded.
 */
export function decodeName(der: Uint8Array): DecodedName {
  const id = bytesKey(der);
  let hit = NAME_CACHE.get(id);
  if (hit === undefined) {
    const rdns = parseNameNode(parseBer(der, 'Name', { maxNodes: 10_000 }), 'Name'); // failures are not cached
    const rdnKeys = rdnKeysOf(rdns);
    hit = { rdns, text: formatName(rdns), rdnKeys, key: rdnKeys.join(',') };
    NAME_CACHE.set(id, hit);
  }
  return hit;
}

/**
 * Renders a DER Name as an RFC 4514 string (`CN=…,O=…,C=FR`).
 * @throws ScelleError MALFORMED_ASN1 when the Name cannot be decoded.
 */
export function formatNameDer(der: Uint8Array): string {
  return decodeName(der).text;
}

/**
 * True when two DER-encoded Names match (RFC 5280 §7.1): byte-identical, or equal RDN by RDN
 * after preparation.
 * @throws ScelleError MALFORMED_ASN1 when a Name cannot be decoded.
 */
export function namesMatch(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) return true;
  return decodeName(a).key === decodeName(b).key;
}

/** True when `name` lies in the subtree rooted at `base` (its RDNs start with base's: RFC 5280 §4.2.1.10). */
export function nameWithinSubtree(name: DecodedName, base: DecodedName): boolean {
  if (base.rdnKeys.length > name.rdnKeys.length) return false;
  return base.rdnKeys.every((k, i) => name.rdnKeys[i] === k);
}

// ---------------------------------------------------------------------------------- GeneralName

/** A GeneralName (RFC 5280 §4.2.1.6). */
export type GeneralName =
  | { type: 'email'; value: string }
  | { type: 'dns'; value: string }
  | { type: 'uri'; value: string }
  /** `value` is the dotted/colon form; `bytes` the 4 or 16 address octets (or 8/32 with a mask in name constraints). */
  | { type: 'ip'; value: string; bytes: Uint8Array }
  | { type: 'dirName'; value: string; der: Uint8Array }
  | { type: 'other'; value: string; tag: number };

/** Kept for callers of the first round: a subject alternative name is a GeneralName. */
export type SubjectAltName = GeneralName;

function ipText(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
    return groups.join(':');
  }
  if (b.length === 8) return `${ipText(b.subarray(0, 4))}/${ipText(b.subarray(4))}`;
  if (b.length === 32) return `${ipText(b.subarray(0, 16))}/${ipText(b.subarray(16))}`;
  return toHex(b);
}

/**
 * Decodes one GeneralName.
 * @throws ScelleError MALFORMED_ASN1 on a malformed entry.
 */
export function parseGeneralName(node: BerNode, what: string): GeneralName {
  if (node.tagClass !== 'context') throw malformed(`${what}: GeneralName is not context-tagged`);
  const contents = (): Uint8Array => {
    if (node.constructed) throw malformed(`${what}: GeneralName [${node.tagNumber}] is constructed`);
    return node.buffer.subarray(node.contentStart, node.contentEnd);
  };
  const ia5 = (): string => {
    const b = contents();
    if (b.some((c) => c > 0x7f)) throw malformed(`${what}: an IA5String name holds non-ASCII octets`);
    return Buffer.from(b).toString('latin1');
  };
  switch (node.tagNumber) {
    case 1:
      return { type: 'email', value: ia5() };
    case 2:
      return { type: 'dns', value: ia5() };
    case 6:
      return { type: 'uri', value: ia5() };
    case 7: {
      const b = contents().slice();
      return { type: 'ip', value: ipText(b), bytes: b };
    }
    case 4: {
      // directoryName [4] EXPLICIT Name
      const inner = node.children[0];
      if (!node.constructed || inner === undefined || node.children.length !== 1 || !isTag(inner, 'universal', UNIVERSAL.SEQUENCE)) {
        throw malformed(`${what}: malformed directoryName`);
      }
      const der = rawBytes(inner).slice();
      return { type: 'dirName', value: formatName(parseNameNode(inner, `${what} directoryName`)), der };
    }
    case 0: {
      // otherName [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
      const oid = decodeOid(node.children[0], `${what} otherName`);
      const inner = node.children[1]?.children[0];
      const str = inner !== undefined ? directoryString(inner) : undefined;
      return { type: 'other', tag: 0, value: `${oid}:${str ?? (inner !== undefined ? `#${toHex(rawBytes(inner)).toLowerCase()}` : '')}` };
    }
    default:
      return { type: 'other', tag: node.tagNumber, value: `[${node.tagNumber}]#${toHex(rawBytes(node)).toLowerCase()}` };
  }
}

/** Decodes GeneralNames (the children of a SEQUENCE or of an IMPLICIT-tagged element). */
export function parseGeneralNames(node: BerNode, what: string): GeneralName[] {
  if (!node.constructed) throw malformed(`${what}: GeneralNames is not constructed`);
  return node.children.map((n) => parseGeneralName(n, what));
}
