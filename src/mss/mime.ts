/**
 * A strict, bounded MIME walker (RFC 5322 §2.2 header fields, RFC 2045 §5.1 Content-Type,
 * RFC 2046 §5.1.1 multipart boundaries, RFC 2231 parameter continuations and charsets) that keeps
 * the exact bytes of every entity.
 *
 * S/MIME needs those bytes: a multipart/signed signature (RFC 1847 §2.1, RFC 8551 §3.5) covers its
 * first body part byte for byte, and a parser that decodes and re-serialises (as mailparser does)
 * cannot check it. So the structure is walked here, and mailparser only decodes the innermost,
 * already-verified content for display.
 *
 * Hostile input is expected: everything is bounded (header block size, header count, line length,
 * nesting depth, part count) and anything that is not well-formed — garbage instead of header
 * fields, a multipart without its boundary or closing delimiter, an unknown transfer encoding,
 * bad base64 — is `MIME_MALFORMED`, never a crash or an unbounded loop.
 */
import { ScelleError } from '../errors.js';

/** One header field, unfolded. */
export interface MimeHeader {
  /** The field name as written. */
  name: string;
  /** The unfolded value, leading whitespace removed; bytes read as Latin-1 (see {@link headerText}). */
  value: string;
}

/** A parsed Content-Type (RFC 2045 §5.1). */
export interface ContentType {
  /** `type/subtype`, lower case. */
  mediaType: string;
  type: string;
  subtype: string;
  /** Parameters, names lower case, RFC 2231 continuations joined and decoded. */
  params: Record<string, string>;
}

/** One MIME entity with its exact bytes. */
export interface MimeEntity {
  headers: MimeHeader[];
  contentType: ContentType;
  /** The whole entity: header block, separator and body, as received. */
  raw: Uint8Array;
  /** The body, still transfer-encoded. */
  body: Uint8Array;
  /** The body parts of a multipart entity, in order. */
  parts: MimeEntity[];
  /** Nesting depth (0 for the message). */
  depth: number;
  /** True when the entity had no header fields and was read as text/plain (see {@link ParseEntityOptions}). */
  headerless?: boolean;
}

/** Limits of {@link parseMimeEntity}. */
export interface MimeLimits {
  /** Largest header block of one entity, bytes. Default 256 KiB. */
  maxHeaderBytes?: number;
  /** Most header fields in one entity. Default 1000. */
  maxHeaders?: number;
  /** Deepest multipart nesting. Default 16. */
  maxDepth?: number;
  /** Most body parts in the whole message. Default 2000. */
  maxParts?: number;
}

/** Options of {@link parseMimeEntity}. */
export interface ParseEntityOptions {
  /**
   * How an entity whose first lines are not header fields is read. `error` (the default for a
   * message): MIME_MALFORMED. `text`: as a body without header fields, i.e. text/plain
   * (RFC 2046 §5.1.1: a body part without header fields is text/plain; us-ascii). Mail clients read
   * the content `openssl smime -sign` writes without `-text` this way. Body parts of a multipart
   * are always read this way.
   */
  headerless?: 'error' | 'text';
}

const DEFAULTS: Required<MimeLimits> = { maxHeaderBytes: 256 * 1024, maxHeaders: 1000, maxDepth: 16, maxParts: 2000 };

const malformed = (name: string, detail: string): ScelleError =>
  new ScelleError('MIME_MALFORMED', `${name} is not a well-formed MIME message: ${detail}`, { params: { file: name, detail } });

/**
 * Parses a message or entity. `name` names it in errors.
 * @throws ScelleError MIME_MALFORMED (params: file, detail).
 */
export function parseMimeEntity(bytes: Uint8Array, name = 'the message', limits: MimeLimits = {}, options: ParseEntityOptions = {}): MimeEntity {
  const l = { ...DEFAULTS, ...limits };
  const state = { parts: 0 };
  if (bytes.length === 0) throw malformed(name, 'it is empty');
  return parseEntity(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, name, l, state, options.headerless === 'text');
}

/** Header fields of an entity, or none (the whole entity is a text/plain body) when `headerless` allows it. */
function headerBlockOrText(buf: Buffer, name: string, l: Required<MimeLimits>, headerless: boolean): { headers: MimeHeader[]; bodyStart: number; none: boolean } {
  try {
    return { ...parseHeaderBlock(buf, name, l), none: false };
  } catch (e) {
    // Only "this is not a header block" falls back; limits (size, count) stay errors.
    if (!headerless || !(e instanceof ScelleError) || !/header field|continuation/.test(e.message)) throw e;
    return { headers: [], bodyStart: 0, none: true };
  }
}

function parseEntity(buf: Buffer, depth: number, name: string, l: Required<MimeLimits>, state: { parts: number }, headerless: boolean): MimeEntity {
  if (depth > l.maxDepth) throw malformed(name, `multipart nesting deeper than ${l.maxDepth} levels`);
  const { headers, bodyStart, none } = headerBlockOrText(buf, name, l, headerless || depth > 0);
  const body = buf.subarray(bodyStart);
  const ctValue = headerValue(headers, 'content-type');
  const contentType = ctValue === undefined ? { mediaType: 'text/plain', type: 'text', subtype: 'plain', params: { charset: 'us-ascii' } } : parseContentType(ctValue, name);
  const cte = headerValue(headers, 'content-transfer-encoding')?.trim().toLowerCase();
  if (cte !== undefined && !['7bit', '8bit', 'binary', 'base64', 'quoted-printable'].includes(cte)) {
    throw malformed(name, `unknown Content-Transfer-Encoding "${printable(cte)}"`);
  }
  const entity: MimeEntity = { headers, contentType, raw: buf, body, parts: [], depth, ...(none ? { headerless: true } : {}) };
  if (contentType.type === 'multipart') {
    if (cte !== undefined && !['7bit', '8bit', 'binary'].includes(cte)) throw malformed(name, `a multipart entity cannot be ${cte}-encoded (RFC 2045 §6.4)`);
    const boundary = contentType.params.boundary;
    if (boundary === undefined || boundary.length === 0) throw malformed(name, `${contentType.mediaType} without a boundary parameter`);
    if (boundary.length > 200) throw malformed(name, 'multipart boundary longer than 200 characters');
    for (const part of splitMultipart(body, boundary, name)) {
      state.parts++;
      if (state.parts > l.maxParts) throw malformed(name, `more than ${l.maxParts} body parts`);
      entity.parts.push(parseEntity(part, depth + 1, name, l, state, true));
    }
  }
  return entity;
}

/** Header block → fields and where the body starts (after the empty line). */
function parseHeaderBlock(buf: Buffer, name: string, l: Required<MimeLimits>): { headers: MimeHeader[]; bodyStart: number } {
  const headers: MimeHeader[] = [];
  let pos = 0;
  let current: MimeHeader | undefined;
  for (;;) {
    if (pos >= buf.length) return { headers, bodyStart: buf.length };
    if (pos > l.maxHeaderBytes) throw malformed(name, `header block larger than ${l.maxHeaderBytes} bytes`);
    let nl = buf.indexOf(0x0a, pos);
    const end = nl === -1 ? buf.length : nl;
    nl = nl === -1 ? buf.length : nl + 1;
    const lineEnd = end > pos && buf[end - 1] === 0x0d ? end - 1 : end;
    if (lineEnd - pos > l.maxHeaderBytes) throw malformed(name, `header line longer than ${l.maxHeaderBytes} bytes`);
    const line = buf.toString('latin1', pos, lineEnd);
    if (line.length === 0) return { headers, bodyStart: nl };
    if (line[0] === ' ' || line[0] === '\t') {
      if (current === undefined) throw malformed(name, 'the first header line is a continuation line');
      current.value += ` ${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      const field = colon > 0 ? line.slice(0, colon) : '';
      // RFC 5322 §3.6.8: field-name is printable US-ASCII except ':' and space (a trailing space is tolerated).
      if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+[ \t]*$/.test(field)) {
        throw malformed(name, headers.length === 0 ? 'it does not start with header fields' : `line "${printable(line.slice(0, 40))}" is neither a header field nor a continuation`);
      }
      if (headers.length >= l.maxHeaders) throw malformed(name, `more than ${l.maxHeaders} header fields`);
      current = { name: field.trimEnd(), value: line.slice(colon + 1).trim() };
      headers.push(current);
    }
    pos = nl;
  }
}

/**
 * Splits a multipart body at its delimiter lines (RFC 2046 §5.1.1): `--boundary` alone on a line
 * (transport padding allowed), the CRLF before it belonging to the delimiter. The preamble and
 * epilogue are dropped. A body without its closing delimiter is truncated: MIME_MALFORMED.
 */
function splitMultipart(body: Buffer, boundary: string, name: string): Buffer[] {
  const marker = Buffer.from(`--${boundary}`, 'latin1');
  const delimiters: { start: number; after: number; close: boolean }[] = [];
  let from = 0;
  for (;;) {
    const i = body.indexOf(marker, from);
    if (i === -1) break;
    from = i + 1;
    if (i !== 0 && body[i - 1] !== 0x0a) continue;
    let j = i + marker.length;
    const close = body[j] === 0x2d && body[j + 1] === 0x2d;
    if (close) j += 2;
    while (j < body.length && (body[j] === 0x20 || body[j] === 0x09)) j++;
    let after: number;
    if (j === body.length) after = j;
    else if (body[j] === 0x0a) after = j + 1;
    else if (body[j] === 0x0d && body[j + 1] === 0x0a) after = j + 2;
    else continue; // the boundary string inside a longer line: not a delimiter
    delimiters.push({ start: i, after, close });
    if (close) break;
  }
  if (delimiters.length === 0) throw malformed(name, `no "--${printable(boundary)}" delimiter in the multipart body`);
  if (!delimiters[delimiters.length - 1]!.close) throw malformed(name, `the multipart body is truncated: its closing delimiter "--${printable(boundary)}--" is missing`);
  if (delimiters.length < 2) throw malformed(name, 'a multipart entity with no body part');
  const parts: Buffer[] = [];
  for (let k = 0; k + 1 < delimiters.length; k++) {
    const start = delimiters[k]!.after;
    let end = delimiters[k + 1]!.start;
    // the line break before the next delimiter is part of that delimiter
    if (end > start && body[end - 1] === 0x0a) end--;
    if (end > start && body[end - 1] === 0x0d) end--;
    parts.push(body.subarray(start, Math.max(start, end)));
  }
  return parts;
}

/** The first value of a header field (case-insensitive name). */
export function headerValue(headers: readonly MimeHeader[], field: string): string | undefined {
  const f = field.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === f)?.value;
}

/** A header value as text: raw UTF-8 (RFC 6532) is decoded; RFC 2047 encoded words are left to mailparser. */
export function headerText(value: string): string {
  const bytes = Buffer.from(value, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return value;
  }
}

/**
 * Parses a Content-Type value: `type/subtype` and parameters (quoted strings, RFC 2231
 * `name*=charset'lang'%xx` and `name*0*=…; name*1=…` continuations).
 * @throws ScelleError MIME_MALFORMED on a missing or bad media type.
 */
export function parseContentType(value: string, name = 'the message'): ContentType {
  const { head, params } = parseParameters(value, name);
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(head);
  if (!m) throw malformed(name, `bad Content-Type "${printable(value.slice(0, 80))}"`);
  const type = m[1]!.toLowerCase();
  const subtype = m[2]!.toLowerCase();
  return { mediaType: `${type}/${subtype}`, type, subtype, params };
}

/** `value; a=b; c="d"` → head and decoded parameters (also for Content-Disposition). */
export function parseParameters(value: string, name = 'the message'): { head: string; params: Record<string, string> } {
  let i = 0;
  const s = value;
  const skipWs = (): void => {
    while (i < s.length) {
      if (s[i] === ' ' || s[i] === '\t') i++;
      else if (s[i] === '(') skipComment();
      else break;
    }
  };
  const skipComment = (): void => {
    let depth = 0;
    while (i < s.length) {
      const c = s[i++];
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return;
    }
  };
  skipWs();
  const headStart = i;
  while (i < s.length && s[i] !== ';') i++;
  const head = s.slice(headStart, i).replace(/\s+/g, '').trim();
  const raw: { key: string; value: string }[] = [];
  while (i < s.length) {
    if (s[i] === ';') i++;
    skipWs();
    if (i >= s.length) break;
    const keyStart = i;
    while (i < s.length && s[i] !== '=' && s[i] !== ';') i++;
    const key = s.slice(keyStart, i).trim().toLowerCase();
    if (s[i] !== '=') continue; // a bare token: ignored
    i++;
    skipWs();
    let v = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i++];
      }
      if (s[i] !== '"') throw malformed(name, `unterminated quoted parameter "${printable(key)}"`);
      i++;
    } else {
      const vs = i;
      while (i < s.length && s[i] !== ';') i++;
      v = s.slice(vs, i).trim();
    }
    if (key.length > 0 && raw.length < 100) raw.push({ key, value: v });
  }
  return { head, params: joinRfc2231(raw) };
}

/** RFC 2231 §3–§4: joins `name*0`, `name*1*`… and decodes `charset'lang'%xx` values. */
function joinRfc2231(raw: { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  const sections = new Map<string, { n: number; value: string; encoded: boolean }[]>();
  for (const { key, value } of raw) {
    const m = /^([^*]+)\*(\d+)?(\*)?$/.exec(key);
    if (!m) {
      if (!(key in out)) out[key] = value;
      continue;
    }
    const base = m[1]!;
    const list = sections.get(base) ?? [];
    list.push({ n: m[2] === undefined ? 0 : Number(m[2]), value, encoded: m[3] === '*' || (m[2] === undefined && key.endsWith('*')) });
    sections.set(base, list);
  }
  for (const [base, list] of sections) {
    list.sort((a, b) => a.n - b.n);
    let charset = 'us-ascii';
    const bytes: number[] = [];
    list.forEach((sec, idx) => {
      let v = sec.value;
      if (sec.encoded && idx === 0) {
        const q = /^([^']*)'[^']*'(.*)$/.exec(v);
        if (q) {
          charset = q[1]!.toLowerCase() || charset;
          v = q[2]!;
        }
      }
      if (sec.encoded) {
        for (let k = 0; k < v.length; k++) {
          if (v[k] === '%' && /^[0-9a-fA-F]{2}$/.test(v.slice(k + 1, k + 3))) {
            bytes.push(parseInt(v.slice(k + 1, k + 3), 16));
            k += 2;
          } else bytes.push(v.charCodeAt(k) & 0xff);
        }
      } else {
        for (let k = 0; k < v.length; k++) bytes.push(v.charCodeAt(k) & 0xff);
      }
    });
    out[base] = decodeCharset(Uint8Array.from(bytes), charset);
  }
  return out;
}

/** Decodes bytes in a MIME charset (UTF-8, Latin-1, Windows-1252, ASCII; others via TextDecoder when Node knows them). */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  const cs = charset.toLowerCase();
  try {
    return new TextDecoder(cs === 'us-ascii' ? 'utf-8' : cs).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

/**
 * The body of a leaf entity with its Content-Transfer-Encoding undone (RFC 2045 §6).
 * @throws ScelleError MIME_MALFORMED on bad base64.
 */
export function decodeBody(entity: MimeEntity, name = 'the message'): Uint8Array {
  const cte = headerValue(entity.headers, 'content-transfer-encoding')?.trim().toLowerCase() ?? '7bit';
  const body = Buffer.from(entity.body.buffer, entity.body.byteOffset, entity.body.byteLength);
  if (cte === 'base64') return decodeBase64Body(body, name);
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body);
  return new Uint8Array(body);
}

/** Value of each byte in base64 (RFC 4648 §4): 0–63, or WS (line breaks, tab, space), PAD (`=`), BAD. */
const WS = -2;
const PAD = -3;
const BAD = -1;
const B64_VALUE: Int8Array = (() => {
  const t = new Int8Array(256).fill(BAD);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  for (const c of [0x0d, 0x0a, 0x09, 0x20]) t[c] = WS;
  t[0x3d] = PAD;
  return t;
})();

/**
 * A base64 body (RFC 2045 §6.8) decoded straight from its bytes into an output of the exact size:
 * no string copies of the body (a 40 MB message part used to cost three). Line breaks, tabs and
 * spaces are skipped; `=` only at the end; a body cut one character into a quantum is refused.
 */
function decodeBase64Body(body: Uint8Array, name: string): Uint8Array {
  const bad = (): ScelleError => malformed(name, 'a base64 body holds characters outside the base64 alphabet or is cut short');
  let significant = 0;
  let pads = 0;
  for (let i = 0; i < body.length; i++) {
    const v = B64_VALUE[body[i]!]!;
    if (v >= 0) {
      if (pads > 0) throw bad();
      significant++;
    } else if (v === PAD) {
      if (++pads > 2) throw bad();
    } else if (v === BAD) throw bad();
  }
  if ((significant + pads) % 4 === 1 || significant % 4 === 1) throw bad();
  const out = new Uint8Array(Math.floor((significant * 3) / 4));
  let acc = 0;
  let n = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const v = B64_VALUE[body[i]!]!;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    if (++n === 4) {
      out[o++] = (acc >>> 16) & 0xff;
      out[o++] = (acc >>> 8) & 0xff;
      out[o++] = acc & 0xff;
      acc = 0;
      n = 0;
    }
  }
  if (n === 2) out[o++] = (acc >>> 4) & 0xff;
  else if (n === 3) {
    out[o++] = (acc >>> 10) & 0xff;
    out[o++] = (acc >>> 2) & 0xff;
  }
  return out;
}

/** RFC 2045 §6.7: `=XX` octets, soft line breaks `=` at line end; invalid escapes kept literally. */
function decodeQuotedPrintable(body: Buffer): Uint8Array {
  const out = Buffer.alloc(body.length);
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    // soft line break: '=' then optional whitespace then CRLF/LF
    let j = i + 1;
    while (j < body.length && (body[j] === 0x20 || body[j] === 0x09)) j++;
    if (j < body.length && body[j] === 0x0a) {
      i = j;
      continue;
    }
    if (j + 1 < body.length && body[j] === 0x0d && body[j + 1] === 0x0a) {
      i = j + 1;
      continue;
    }
    if (j === body.length) break;
    const hex = body.toString('latin1', i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[o++] = parseInt(hex, 16);
      i += 2;
    } else out[o++] = c;
  }
  return new Uint8Array(out.subarray(0, o));
}

/**
 * Canonical form of a MIME entity for signing and verifying (RFC 8551 §3.1.1, RFC 5322 §2.3):
 * every line break CRLF. Bare LF (from `openssl smime` without `-crlfeol`, or a mailbox stored with
 * Unix line ends) becomes CRLF; existing CRLF are kept.
 */
export function canonicalizeLineBreaks(bytes: Uint8Array): Uint8Array {
  let bare = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) bare++;
  if (bare === 0) return bytes;
  const out = new Uint8Array(bytes.length + bare);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) out[o++] = 0x0d;
    out[o++] = bytes[i]!;
  }
  return out;
}

/** Safe to show in a message: control characters escaped, length bounded. */
export function printable(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
}

/** Base64 with lines of 76 characters and CRLF (RFC 2045 §6.8). */
export function base64Lines(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return `${lines.join('\r\n')}\r\n`;
}
