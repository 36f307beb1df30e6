/**
 * PEM: textual encoding of DER structures (RFC 7468, "Textual Encodings of PKIX, PKCS, and CMS
 * Structures").
 *
 * The parser follows RFC 7468 §3 "lax" parsing for what surrounds the base64 (explanatory text
 * outside blocks, CR/LF/CRLF line ends, blanks around lines) but is strict about what decodes to
 * bytes: the base64 alphabet only, correct `=` padding, zero pad bits, and a BEGIN line matched by
 * an END line with the same label. Node's `Buffer.from(s, 'base64')` silently skips characters it
 * does not know, so a damaged file would decode to different bytes without any error: we validate
 * first.
 *
 * RFC 1421 encapsulated headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`, as written by OpenSSL's
 * "traditional" encrypted keys) are accepted and returned in {@link PemBlock.headers}, so a caller
 * can tell such a key apart and refuse it with a precise message.
 */
import { Buffer } from 'node:buffer';
import { ScelleError } from '../errors.js';

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`…) and the DER bytes it carries. */
export interface PemBlock {
  /** The label between `-----BEGIN ` and `-----`, e.g. `ENCRYPTED PRIVATE KEY`. */
  label: string;
  /** The decoded content. */
  der: Uint8Array;
  /**
   * RFC 1421 encapsulated headers, present only when the block has some (legacy OpenSSL
   * encrypted keys: `Proc-Type`, `DEK-Info`). Keys keep their original case.
   */
  headers?: Record<string, string>;
}

// RFC 7468 §3: label = [ labelchar *( ["-" / SP] labelchar ) ], labelchar = %x21-2C / %x2E-7E.
const LABEL = /^(?:[\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?$/;
const BEGIN = /^-----BEGIN ([^\r\n]*)-----$/;
const END = /^-----END ([^\r\n]*)-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;
const HEADER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*)$/;

function malformed(message: string): ScelleError {
  return new ScelleError('MALFORMED_PEM', message);
}

/** Strict RFC 4648 §4 decoding of a base64 string with no whitespace left in it. */
function decodeBase64Strict(b64: string, label: string): Uint8Array {
  if (b64.length === 0) throw malformed(`PEM block "${label}" is empty`);
  if (b64.length % 4 !== 0) {
    throw malformed(`PEM block "${label}" has a base64 body whose length is not a multiple of 4: the file is truncated or damaged`);
  }
  const firstPad = b64.indexOf('=');
  if (firstPad !== -1 && (firstPad < b64.length - 2 || !/^=*$/.test(b64.slice(firstPad)))) {
    throw malformed(`PEM block "${label}" has "=" padding in the middle of its base64 body`);
  }
  const bytes = Buffer.from(b64, 'base64');
  // Canonical form only: non-zero pad bits mean the text was altered.
  if (bytes.toString('base64') !== b64) {
    throw malformed(`PEM block "${label}" has a non-canonical base64 body (non-zero padding bits)`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses every PEM block in `text`, in order. Text outside blocks (comments, `Bag Attributes`
 * printed by `openssl pkcs12`) is ignored.
 *
 * @param text - the PEM text (a UTF-8 decoded file, CR, LF or CRLF line ends).
 * @returns the blocks found; an empty array when there is none.
 * @throws ScelleError `MALFORMED_PEM` — a BEGIN line without a matching END (or an END without a
 *   BEGIN, or different labels), an invalid label, an empty body, or base64 that is not strict
 *   RFC 4648 (foreign characters, bad padding, non-zero pad bits).
 */
export function parsePem(text: string): PemBlock[] {
  const lines = text.split(/\r\n|\r|\n/);
  const blocks: PemBlock[] = [];
  let current: { label: string; startLine: number; body: string[]; headers: Record<string, string>; inHeaders: boolean; lastHeader?: string } | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const begin = BEGIN.exec(line);
    const end = END.exec(line);
    if (current === undefined) {
      if (begin) {
        const label = begin[1] ?? '';
        if (!LABEL.test(label)) throw malformed(`invalid PEM label on line ${i + 1}`);
        current = { label, startLine: i + 1, body: [], headers: {}, inHeaders: true };
      } else if (end) {
        throw malformed(`PEM END line without a BEGIN line (line ${i + 1})`);
      }
      continue;
    }
    if (begin) {
      throw malformed(`PEM block "${current.label}" starting on line ${current.startLine} has no END line before the next BEGIN (line ${i + 1})`);
    }
    if (end) {
      if ((end[1] ?? '') !== current.label) {
        throw malformed(`PEM block "${current.label}" starting on line ${current.startLine} ends with a different label "${end[1] ?? ''}"`);
      }
      const der = decodeBase64Strict(current.body.join(''), current.label);
      const block: PemBlock = { label: current.label, der };
      if (Object.keys(current.headers).length > 0) block.headers = current.headers;
      blocks.push(block);
      current = undefined;
      continue;
    }
    if (current.inHeaders) {
      const header = HEADER_LINE.exec(line);
      if (header && current.body.length === 0) {
        current.lastHeader = header[1] ?? '';
        current.headers[current.lastHeader] = (header[2] ?? '').trim();
        continue;
      }
      // RFC 1421 continuation line of the previous header.
      const raw = lines[i] ?? '';
      if (current.lastHeader !== undefined && /^[ \t]/.test(raw) && line !== '') {
        current.headers[current.lastHeader] += line;
        continue;
      }
      current.inHeaders = false;
      if (line === '') continue; // the blank line that ends the headers
    }
    if (line === '') continue;
    const compact = line.replace(/[ \t]+/g, '');
    if (!BASE64_LINE.test(compact)) {
      throw malformed(`PEM block "${current.label}" has a character outside the base64 alphabet on line ${i + 1}`);
    }
    current.body.push(compact);
  }
  if (current !== undefined) {
    throw malformed(`PEM block "${current.label}" starting on line ${current.startLine} has no END line: the file is truncated`);
  }
  return blocks;
}

/**
 * Encodes DER bytes as one PEM block (RFC 7468 §2): 64-character lines, LF line ends, a trailing
 * newline.
 *
 * @param label - e.g. `CERTIFICATE`, `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`.
 * @param der - the bytes to encode (must not be empty).
 * @throws ScelleError `USAGE` — the label is not a valid RFC 7468 label or `der` is empty.
 */
export function formatPem(label: string, der: Uint8Array): string {
  if (!LABEL.test(label)) throw new ScelleError('USAGE', 'invalid PEM label: RFC 7468 allows printable ASCII without leading, trailing or doubled "-" and spaces');
  if (der.length === 0) throw new ScelleError('USAGE', `cannot write an empty PEM block "${label}"`);
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** How many leading bytes {@link looksLikePem} inspects. */
const SNIFF_BYTES = 64 * 1024;

/**
 * True when `bytes` look like PEM text: a `-----BEGIN …-----` line in the first 64 KiB (a UTF-8
 * BOM is allowed), and no
 * NUL byte before it (DER starts with a tag byte and nearly always contains NULs). This only picks a
 * parser; {@link parsePem} still validates everything.
 *
 * @param bytes - the start of a file (or the whole file).
 * @throws nothing.
 */
export function looksLikePem(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SNIFF_BYTES)).toString('latin1');
  const m = /(?:^(?:\xef\xbb\xbf)?|[\r\n])[ \t]*-----BEGIN [\x20-\x7e]*-----/.exec(head);
  if (!m) return false;
  return !head.slice(0, m.index).includes('\0');
}
