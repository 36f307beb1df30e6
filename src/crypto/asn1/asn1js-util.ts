/**
 * Small strict helpers over asn1js used by the x509 modules (certificate, CRL, OCSP parsing).
 * DER (X.690 §10) is what RFC 5280 §4.1 requires; these helpers reject trailing bytes and
 * unexpected tags with `MALFORMED_ASN1` instead of guessing.
 */
import asn1js from '../asn1js-lib.cjs';
import { ScelleError } from '../../errors.js';
import { parsePem } from '../pem.js';

/** asn1js tag classes. */
export const TAG_UNIVERSAL = 1;
/** Context-specific tag class (`[n]`). */
export const TAG_CONTEXT = 3;

/**
 * Parses exactly one BER/DER element spanning all of `bytes`.
 * @throws ScelleError MALFORMED_ASN1 when the bytes are not one complete element.
 */
export function parseAsn1(bytes: Uint8Array, what: string): asn1js.AsnType {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(view);
  } catch (e) {
    // asn1js can throw on hostile bytes (e.g. a RangeError on an odd-length BMPString)
    throw new ScelleError('MALFORMED_ASN1', `${what} is not valid DER: ${(e as Error).message}`, { cause: e });
  }
  if (parsed.offset === -1 || parsed.result.error !== '') {
    throw new ScelleError('MALFORMED_ASN1', `${what} is not valid DER: ${parsed.result.error || 'decoding failed'}`);
  }
  if (parsed.offset !== view.byteLength) {
    throw new ScelleError('MALFORMED_ASN1', `${what} has ${view.byteLength - parsed.offset} trailing byte(s) after its DER encoding`);
  }
  return parsed.result;
}

/** The children of a constructed element (SEQUENCE, SET, constructed `[n]`), else throws. */
export function children(node: asn1js.AsnType, what: string): asn1js.AsnType[] {
  if (node instanceof asn1js.Constructed || node instanceof asn1js.Sequence || node instanceof asn1js.Set) {
    return node.valueBlock.value;
  }
  const vb = (node as { valueBlock?: { value?: unknown } }).valueBlock;
  if (vb !== undefined && Array.isArray(vb.value) && node.idBlock.isConstructed) return vb.value as asn1js.AsnType[];
  throw new ScelleError('MALFORMED_ASN1', `${what}: expected a constructed element`);
}

/** The contents octets of a primitive element (OCTET STRING, IA5String, `[n]` IMPLICIT…). */
export function primitiveBytes(node: asn1js.AsnType, what: string): Uint8Array {
  if (node.idBlock.isConstructed) throw new ScelleError('MALFORMED_ASN1', `${what}: expected a primitive element`);
  const vb = (node as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock;
  if (vb?.valueHexView === undefined) throw new ScelleError('MALFORMED_ASN1', `${what}: no contents`);
  return new Uint8Array(vb.valueHexView);
}

/** True when `node` is `[n]` context-specific. */
export function isContext(node: asn1js.AsnType, n: number): boolean {
  return node.idBlock.tagClass === TAG_CONTEXT && node.idBlock.tagNumber === n;
}

/** The dotted string of an OBJECT IDENTIFIER, else throws. */
export function oidOf(node: asn1js.AsnType | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw new ScelleError('MALFORMED_ASN1', `${what}: expected an OBJECT IDENTIFIER`);
  return node.valueBlock.toString();
}

/** The raw DER of an element as parsed (not re-encoded). */
export function rawDer(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.valueBeforeDecodeView);
}

/** Uppercase hex of bytes, optionally with a separator. */
export function toHex(bytes: Uint8Array, separator = ''): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
  if (separator === '' || hex.length <= 2) return hex;
  return hex.match(/../g)!.join(separator);
}

/** Byte equality (not secret data: a native comparison, not a constant-time one). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  if (a === b) return true;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * The string value of a DirectoryString-like element (PrintableString, UTF8String, IA5String,
 * BMPString, UniversalString, TeletexString, VisibleString, NumericString), or undefined.
 */
export function stringValue(node: asn1js.AsnType): string | undefined {
  if (
    node instanceof asn1js.Utf8String ||
    node instanceof asn1js.PrintableString ||
    node instanceof asn1js.IA5String ||
    node instanceof asn1js.BmpString ||
    node instanceof asn1js.UniversalString ||
    node instanceof asn1js.TeletexString ||
    node instanceof asn1js.VisibleString ||
    node instanceof asn1js.NumericString ||
    node instanceof asn1js.VideotexString ||
    node instanceof asn1js.GeneralString ||
    node instanceof asn1js.GraphicString
  ) {
    return node.valueBlock.value;
  }
  return undefined;
}

/**
 * The DER of every PEM block in `text` whose label is one of `labels` (other blocks are skipped).
 * Strict RFC 7468 parsing is the shared {@link parsePem}'s.
 * @throws ScelleError MALFORMED_PEM on unterminated blocks or invalid base64.
 */
export function pemBlocks(text: string, labels: readonly string[]): { label: string; der: Uint8Array }[] {
  return parsePem(text).filter((b) => labels.includes(b.label)).map((b) => ({ label: b.label, der: b.der }));
}
