/**
 * A minimal DER writer (ITU-T X.690 §8, §10) for assembling CMS structures (RFC 5652) from parts
 * that are already encoded: certificates, Names and serial numbers are copied byte for byte from
 * the certificate, never re-encoded. Also the BER indefinite-length pieces (X.690 §8.1.3.6) that
 * streamed attached signatures are made of.
 *
 * Why not build every structure with pkijs: a nightly run signs a thousand letters in one process,
 * and concatenating a few pre-encoded parts costs microseconds where a pkijs round trip costs
 * milliseconds. OIDs are still encoded by asn1js.
 */
import asn1js from '../asn1js-lib.cjs';

/** Universal and context tags used by CMS. */
export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** OCTET STRING, constructed form (BER segments). */
  OCTET_STRING_CONSTRUCTED: 0x24,
  /** `[0]` constructed (EXPLICIT, or IMPLICIT over a constructed type). */
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
  CONTEXT_2: 0xa2,
  CONTEXT_4: 0xa4,
} as const;

/** The end-of-contents octets that close an indefinite-length element (X.690 §8.1.5). */
export const END_OF_CONTENTS: Uint8Array = Uint8Array.of(0, 0);

/** Identifier and length octets of an element with indefinite length (X.690 §8.1.3.6). */
export function indefiniteHeader(tag: number): Uint8Array {
  return Uint8Array.of(tag, 0x80);
}

/** The length octets of `n` in DER's definite form (X.690 §10.1: shortest form). */
export function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** One element: tag, definite length, contents (the concatenation of `contents`). */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const c of contents) len += c.byteLength;
  return concatBytes([Uint8Array.of(tag), encodeLength(len), ...contents]);
}

/** `SEQUENCE { … }`. */
export function sequence(...contents: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, ...contents);
}

/** Compares two encodings as X.690 §11.6 orders SET OF components (shorter ones padded with zeros). */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** `SET OF { … }` in DER: components sorted by their encodings (X.690 §11.6). */
export function setOf(elements: readonly Uint8Array[], tag: number = TAG.SET): Uint8Array {
  return tlv(tag, ...[...elements].sort(compareDer));
}

/** `OCTET STRING` (primitive). */
export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, bytes);
}

/** A small non-negative `INTEGER` (versions, salt lengths). */
export function smallInteger(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`smallInteger: ${n}`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return tlv(TAG.INTEGER, Uint8Array.from(bytes));
}

/** `NULL`. */
export const DER_NULL: Uint8Array = Uint8Array.of(TAG.NULL, 0);

const oidCache = new Map<string, Uint8Array>();

/**
 * `OBJECT IDENTIFIER` from its dotted form (encoded by asn1js, memoized: the same few OIDs are
 * encoded for every signature). The returned bytes are shared: do not modify them.
 */
export function objectIdentifier(dotted: string): Uint8Array {
  let der = oidCache.get(dotted);
  if (der === undefined) {
    der = new Uint8Array(new asn1js.ObjectIdentifier({ value: dotted }).toBER(false));
    if (der.byteLength <= 2) throw new RangeError(`not an OBJECT IDENTIFIER: ${dotted}`);
    oidCache.set(dotted, der);
  }
  return der;
}

/** `AlgorithmIdentifier { algorithm, parameters }` (RFC 5280 §4.1.1.2); `params` omitted when absent. */
export function algorithmIdentifier(oid: string, params?: Uint8Array): Uint8Array {
  return params === undefined ? sequence(objectIdentifier(oid)) : sequence(objectIdentifier(oid), params);
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * A `Time` as RFC 5652 §11.3 (signing-time) and RFC 5280 §4.1.2.5 require: UTCTime `YYMMDDHHMMSSZ`
 * for 1950–2049, GeneralizedTime `YYYYMMDDHHMMSSZ` otherwise; seconds precision, UTC.
 */
export function encodeTime(date: Date): Uint8Array {
  const y = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y <= 2049) return tlv(TAG.UTC_TIME, new TextEncoder().encode(`${two(y % 100)}${rest}`));
  return tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(`${String(y).padStart(4, '0')}${rest}`));
}
