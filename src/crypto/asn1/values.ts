/**
 * Strict decoders of ASN.1 values on a BER tree ({@link BerNode}): times (X.690 §11.7–§11.8 as
 * RFC 5280 §4.1.2.5 and RFC 5652 §11.3 restrict them), integers, booleans, OCTET STRINGs,
 * AlgorithmIdentifiers and SEQUENCEs. One copy of each, shared by the certificate, CRL, CMS and
 * time-stamp parsers; anything unexpected is `MALFORMED_ASN1`, never a guess.
 */
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, decodeOid, integerHex, isTag, stringContents, type BerNode } from './ber.js';

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

const latin1 = (node: BerNode): string => Buffer.from(node.buffer.subarray(node.contentStart, node.contentEnd)).toString('latin1');

/** A decoded time and its exact text (GeneralizedTime fractions are kept to the millisecond). */
export interface DecodedTime {
  date: Date;
  text: string;
}

function utcDate(year: number, m: RegExpExecArray, ms: number, what: string, text: string): Date {
  const [mo, d, h, mi, s] = [2, 3, 4, 5, 6].map((k) => Number(m[k])) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s, ms));
  if (year < 100) date.setUTCFullYear(year);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
    throw malformed(`${what}: "${text}" is not a valid date`);
  }
  return date;
}

/**
 * A GeneralizedTime in UTC with seconds (`YYYYMMDDHHMMSS[.f]Z`), as RFC 3161 §2.4.2 and RFC 5280
 * §4.1.2.5.2 require (fraction without trailing zeros).
 * @throws ScelleError MALFORMED_ASN1 for another form or an impossible date.
 */
export function decodeGeneralizedTime(node: BerNode | undefined, what: string): DecodedTime {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.GENERALIZED_TIME) || node.constructed) throw malformed(`${what}: expected a GeneralizedTime`);
  const text = latin1(node);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(text);
  if (m === null) throw malformed(`${what}: "${text}" is not a UTC GeneralizedTime with seconds`);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  return { date: utcDate(Number(m[1]), m, ms, what, text), text };
}

/**
 * A `Time` (RFC 5280 §4.1.2.5): UTCTime `YYMMDDHHMMSSZ` (years 1950–2049) or GeneralizedTime.
 * @throws ScelleError MALFORMED_ASN1 for anything else.
 */
export function decodeTime(node: BerNode | undefined, what: string): Date {
  if (node !== undefined && isTag(node, 'universal', UNIVERSAL.UTC_TIME) && !node.constructed) {
    const text = latin1(node);
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (m === null) throw malformed(`${what}: "${text}" is not a UTCTime with seconds in UTC`);
    const yy = Number(m[1]);
    return utcDate(yy < 50 ? 2000 + yy : 1900 + yy, m, 0, what, text);
  }
  return decodeGeneralizedTime(node, what).date;
}

/** True when `node` is a UTCTime or GeneralizedTime. */
export function isTime(node: BerNode | undefined): boolean {
  return isTag(node, 'universal', UNIVERSAL.UTC_TIME) || isTag(node, 'universal', UNIVERSAL.GENERALIZED_TIME);
}

/** The contents octets of a primitive INTEGER (or of an IMPLICIT-tagged one). */
export function readIntegerContents(node: BerNode | undefined, what: string, implicit = false): Uint8Array {
  if (node === undefined || node.constructed || (!implicit && !isTag(node, 'universal', UNIVERSAL.INTEGER))) throw malformed(`${what}: expected an INTEGER`);
  const b = node.buffer.subarray(node.contentStart, node.contentEnd);
  if (b.length === 0) throw malformed(`${what}: an INTEGER without contents octets`);
  // X.690 §8.3.2: the first nine bits are never all zero nor all one (minimal encoding, BER and DER).
  if (b.length > 1 && ((b[0] === 0 && b[1]! < 0x80) || (b[0] === 0xff && b[1]! >= 0x80))) throw malformed(`${what}: an INTEGER with a redundant leading octet (X.690 §8.3.2)`);
  return b;
}

/** An INTEGER as {@link integerHex} (sign kept: serial numbers compare with their sign). */
export function readIntegerHex(node: BerNode | undefined, what: string, implicit = false): string {
  return integerHex(readIntegerContents(node, what, implicit));
}

/**
 * A small non-negative INTEGER (versions, path lengths, skip certs).
 * @throws ScelleError MALFORMED_ASN1 when negative or beyond 2^31.
 */
export function readSmallInteger(node: BerNode | undefined, what: string, implicit = false): number {
  const b = readIntegerContents(node, what, implicit);
  if ((b[0]! & 0x80) !== 0) throw malformed(`${what}: negative value`);
  if (b.length > 5 || (b.length === 5 && b[0] !== 0)) throw malformed(`${what}: value out of range`);
  let v = 0;
  for (const x of b) v = v * 256 + x;
  if (v > 0x7fffffff) throw malformed(`${what}: value out of range`);
  return v;
}

/** A BOOLEAN (DER: 0x00 or 0xFF; BER's other non-zero octets read as TRUE). */
export function readBoolean(node: BerNode | undefined, what: string, implicit = false): boolean {
  if (node === undefined || node.constructed || (!implicit && !isTag(node, 'universal', UNIVERSAL.BOOLEAN))) throw malformed(`${what}: expected a BOOLEAN`);
  if (node.contentEnd - node.contentStart !== 1) throw malformed(`${what}: a BOOLEAN is one octet`);
  return node.buffer[node.contentStart] !== 0;
}

/** The contents of an OCTET STRING (segments of a constructed one joined). */
export function readOctetString(node: BerNode | undefined, what: string): Uint8Array {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed(`${what}: expected an OCTET STRING`);
  return stringContents(node, what);
}

/** A BIT STRING: its bytes and the count of unused bits in the last one. */
export function readBitString(node: BerNode | undefined, what: string, implicit = false): { bytes: Uint8Array; unusedBits: number } {
  if (node === undefined || (!implicit && !isTag(node, 'universal', UNIVERSAL.BIT_STRING))) throw malformed(`${what}: expected a BIT STRING`);
  const c = stringContents(node, what);
  if (c.length === 0 || c[0]! > 7 || (c.length === 1 && c[0] !== 0)) throw malformed(`${what}: malformed BIT STRING`);
  return { bytes: c.subarray(1), unusedBits: c[0]! };
}

/** The children of a SEQUENCE, else throws. */
export function readSequence(node: BerNode | undefined, what: string): BerNode[] {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.SEQUENCE) || !node.constructed) throw malformed(`${what}: expected a SEQUENCE`);
  return node.children;
}

/** The children of a SET, else throws. */
export function readSet(node: BerNode | undefined, what: string): BerNode[] {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.SET) || !node.constructed) throw malformed(`${what}: expected a SET`);
  return node.children;
}

/** An AlgorithmIdentifier (RFC 5280 §4.1.1.2): its OID and parameters node (absent, NULL or other). */
export interface AlgorithmNode {
  oid: string;
  params: BerNode | undefined;
  node: BerNode;
}

/** Decodes an AlgorithmIdentifier. */
export function readAlgorithm(node: BerNode | undefined, what: string): AlgorithmNode {
  const c = readSequence(node, what);
  if (c.length < 1 || c.length > 2) throw malformed(`${what}: an AlgorithmIdentifier has one or two fields`);
  return { oid: decodeOid(c[0], `${what} algorithm`), params: c[1], node: node! };
}
