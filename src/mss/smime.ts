/**
 * S/MIME 4.0 layers (RFC 8551) over scelle's CMS code.
 *
 * - Signed (RFC 8551 §3.5.3, RFC 1847 §2.1): `multipart/signed; protocol="application/pkcs7-signature";
 *   micalg=sha-256`, the first part being the signed MIME entity byte for byte in canonical form
 *   (CRLF line breaks, 7-bit transfer encodings, §3.1.1–§3.1.3), the second a detached CAdES-B
 *   SignedData (`smime.p7s`). micalg names the digest as RFC 8551 §3.5.3.2 lists them (`sha-256`).
 * - Enveloped (§3.3): `application/pkcs7-mime; smime-type=authEnveloped-data` (AuthEnvelopedData,
 *   AES-256-GCM, RFC 5083 / RFC 5084) or `smime-type=enveloped-data` (EnvelopedData AES-256-CBC, for
 *   clients that have no AuthEnvelopedData yet: `openssl smime`, gpgsm 2.2), `smime.p7m`.
 * - Signed then enveloped (§3.6): the multipart/signed entity is the plaintext of the envelope.
 *
 * Read back: the same three, plus opaque signed data (`smime-type=signed-data`, what
 * `openssl smime -sign -nodetach` writes; §3.5.2) and the older `application/x-pkcs7-*` types.
 */
import { randomBytes } from 'node:crypto';
import { ScelleError } from '../errors.js';
import type { Identity, IdentityEntry } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import { signDetached, type SignatureDigest } from '../crypto/cms/sign.js';
import { verifySignature, type SignatureVerdict } from '../validation/verify-signature.js';
import { encryptStream, type EncryptInfo, type EnvelopeCipher, type RecipientCertificate } from '../crypto/cms/envelope.js';
import { decryptStream, type DecryptInfo } from '../crypto/cms/envelope-open.js';
import { parseBer, isTag, stringContents, decodeOid, concat, type BerNode } from '../crypto/asn1/ber.js';
import { base64Lines, canonicalizeLineBreaks, decodeBody, headerValue, type MimeEntity } from './mime.js';

/** micalg values of RFC 8551 §3.5.3.2 for the digests scelle signs with. */
export const MICALG: Readonly<Record<SignatureDigest, string>> = { sha256: 'sha-256', sha384: 'sha-384', sha512: 'sha-512' };

/** Options of {@link signMimeEntity}. */
export interface SignMimeOptions {
  /** The signature certificate and its key (software or PKCS#11). */
  signer: IdentityEntry;
  /** CA certificates to embed (not the root). */
  chain?: X509Cert[];
  /** Digest: `sha256` (default), `sha384`, `sha512`. */
  hash?: SignatureDigest;
  /** The signing-time attribute. Default: now. */
  signingTime?: Date;
}

/** A fresh MIME boundary that cannot occur in base64 or quoted-printable text (it holds `=_`). */
export function newBoundary(prefix: string): string {
  return `----=_${prefix}_${randomBytes(12).toString('hex')}`;
}

/**
 * Wraps a MIME entity (its Content-* header fields, an empty line, its body) into a
 * `multipart/signed` entity. The entity is canonicalised first (CRLF) and must be 7-bit: a
 * relay may re-encode 8-bit content and break the signature (RFC 8551 §3.1.2).
 * @returns the bytes of the multipart/signed entity (header fields, empty line, body), CRLF.
 * @throws ScelleError USAGE (8-bit content), and what {@link signDetached} throws (UNSUPPORTED_ALGORITHM, PKCS11_ERROR…).
 */
export async function signMimeEntity(entity: Uint8Array, options: SignMimeOptions): Promise<Uint8Array> {
  const content = canonicalizeLineBreaks(entity);
  if (content.some((b) => b >= 0x80 || b === 0)) {
    throw new ScelleError('USAGE', 'the MIME entity to sign holds 8-bit or NUL bytes: encode it as base64 or quoted-printable first (RFC 8551 §3.1.2)');
  }
  const hash = options.hash ?? 'sha256';
  const signature = await signDetached([content], {
    signer: options.signer,
    ...(options.chain ? { chain: options.chain } : {}),
    hash,
    ...(options.signingTime ? { signingTime: options.signingTime } : {}),
  });
  const boundary = newBoundary('scelle_signed');
  const head = [
    `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=${MICALG[hash]};`,
    ` boundary="${boundary}"`,
    '',
    'This is an S/MIME signed message.',
    '',
    `--${boundary}`,
    '',
  ].join('\r\n');
  const sigPart = [
    '',
    `--${boundary}`,
    'Content-Type: application/pkcs7-signature; name="smime.p7s"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="smime.p7s"',
    'Content-Description: S/MIME Cryptographic Signature',
    '',
    base64Lines(signature) + `--${boundary}--`,
    '',
  ].join('\r\n');
  // The signed part is `content` exactly; the CRLF before the next delimiter belongs to the delimiter.
  return concat([Buffer.from(head, 'latin1'), content, Buffer.from(sigPart, 'latin1')]);
}

/** Options of {@link encryptMimeEntity}. */
export interface EncryptMimeOptions {
  /** Recipient encryption certificates (and the sender's own, to read the sent copy). */
  recipients: (X509Cert | RecipientCertificate)[];
  /** `aes-256-gcm` (default: AuthEnvelopedData) or `aes-256-cbc` (EnvelopedData). */
  cipher?: EnvelopeCipher;
  /**
   * RSA key transport. Default: RSAES-OAEP with GCM; RSAES-PKCS1-v1_5 with CBC, because CBC is the
   * compatibility mode for PKCS#7-only clients (`openssl smime`, gpgsm 2.2, older mail clients)
   * that know neither AuthEnvelopedData nor OAEP.
   */
  rsaPadding?: 'oaep' | 'pkcs1';
  /** When given, each recipient certificate must chain to one of these for encryption. */
  trustAnchors?: X509Cert[];
  intermediates?: X509Cert[];
  crls?: Crl[];
  at?: Date;
}

/**
 * Encrypts a MIME entity (a plain or a multipart/signed one) into an `application/pkcs7-mime`
 * entity: DER (Auth)EnvelopedData, base64.
 * @throws ScelleError RECIPIENT_CERT_INVALID, USAGE (no recipient), and what encryptStream throws.
 */
export async function encryptMimeEntity(entity: Uint8Array, options: EncryptMimeOptions): Promise<{ entity: Uint8Array; info: EncryptInfo }> {
  if (options.recipients.length === 0) throw new ScelleError('USAGE', 'encrypting a message needs at least one recipient certificate (--to-cert)');
  const content = canonicalizeLineBreaks(entity);
  const chunks: Uint8Array[] = [];
  const info = await encryptStream([content], {
    recipients: options.recipients,
    cipher: options.cipher ?? 'aes-256-gcm',
    rsaPadding: options.rsaPadding ?? (options.cipher === 'aes-256-cbc' ? 'pkcs1' : 'oaep'),
    format: 'der',
    contentLength: content.length,
    ...(options.trustAnchors ? { trustAnchors: options.trustAnchors } : {}),
    ...(options.intermediates ? { intermediates: options.intermediates } : {}),
    ...(options.crls ? { crls: options.crls } : {}),
    ...(options.at ? { at: options.at } : {}),
  }, async (c) => {
    chunks.push(Uint8Array.from(c));
  });
  const smimeType = info.contentType === 'authEnvelopedData' ? 'authEnveloped-data' : 'enveloped-data';
  const head = [
    `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"`,
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="smime.p7m"',
    'Content-Description: S/MIME Encrypted Message',
    '',
    '',
  ].join('\r\n');
  return { entity: concat([Buffer.from(head, 'latin1'), Buffer.from(base64Lines(concat(chunks)), 'latin1')]), info };
}

/** What kind of S/MIME layer an entity is, from its Content-Type (and, when that is vague, its CMS content type). */
export type SmimeLayerKind = 'multipart-signed' | 'signed-data' | 'enveloped-data' | 'authEnveloped-data';

const CMS = {
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
};

/**
 * Which S/MIME layer `entity` is, or undefined for ordinary content.
 * @throws ScelleError MIME_MALFORMED (a pkcs7-mime body that is not a CMS object scelle reads).
 */
export function smimeLayerOf(entity: MimeEntity, name = 'the message'): SmimeLayerKind | undefined {
  const ct = entity.contentType;
  if (ct.mediaType === 'multipart/signed') {
    const protocol = (ct.params.protocol ?? '').toLowerCase();
    if (protocol === 'application/pkcs7-signature' || protocol === 'application/x-pkcs7-signature') return 'multipart-signed';
    return undefined;
  }
  const isP7m = ct.mediaType === 'application/pkcs7-mime' || ct.mediaType === 'application/x-pkcs7-mime'
    || (ct.mediaType === 'application/octet-stream' && /\.p7m$/i.test(ct.params.name ?? ''));
  if (!isP7m) return undefined;
  const declared = (ct.params['smime-type'] ?? '').toLowerCase();
  if (declared === 'signed-data') return 'signed-data';
  if (declared === 'enveloped-data') return 'enveloped-data';
  if (declared === 'authenveloped-data') return 'authEnveloped-data';
  // smime-type missing or unknown (certs-only, compressed-data…): look at the ContentInfo itself.
  const oid = cmsContentType(decodeBody(entity, name), name);
  if (oid === CMS.signedData) return 'signed-data';
  if (oid === CMS.envelopedData) return 'enveloped-data';
  if (oid === CMS.authEnvelopedData) return 'authEnveloped-data';
  throw new ScelleError('MIME_MALFORMED', `${name}: an application/pkcs7-mime part holds CMS content type ${oid}, which scelle does not read here`, { params: { file: name, detail: `CMS content type ${oid}` } });
}

function contentInfo(der: Uint8Array, name: string): BerNode {
  try {
    const root = parseBer(der, `${name}: CMS ContentInfo`);
    if (!root.constructed || root.children.length < 1) throw new Error('not a SEQUENCE');
    return root;
  } catch (e) {
    throw new ScelleError('MIME_MALFORMED', `${name}: the S/MIME part is not a CMS object: ${(e as Error).message}`, { params: { file: name, detail: 'not a CMS object' }, cause: e });
  }
}

function cmsContentType(der: Uint8Array, name: string): string {
  return decodeOid(contentInfo(der, name).children[0], `${name}: contentType`);
}

/**
 * Options shared by the verifying functions. Revocation: give the CRLs of the signer's CAs (or
 * `online`) — the signature engine does not call a certificate good whose status it cannot
 * establish.
 */
export interface VerifyLayerOptions {
  trustAnchors: X509Cert[];
  crls?: Crl[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  extraCertificates?: X509Cert[];
  at?: Date;
  clock?: () => Date;
}

/** A verified signature layer and the entity it carried. */
export interface SignedLayer {
  kind: 'multipart-signed' | 'signed-data';
  /** The micalg parameter (multipart/signed only). */
  micalg?: string;
  verdict: SignatureVerdict;
  /** The signed MIME entity (for signed-data: the encapsulated content). */
  content: Uint8Array;
}

/**
 * Verifies a `multipart/signed` entity: the first part's bytes (canonicalised to CRLF) against the
 * detached SignedData of the second.
 * @throws ScelleError MIME_MALFORMED (not two parts, no signature), and what verifySignature throws
 *   for an unreadable SignedData (MALFORMED_ASN1, UNSUPPORTED_FORMAT).
 */
export async function verifyMultipartSigned(entity: MimeEntity, options: VerifyLayerOptions, name = 'the message'): Promise<SignedLayer> {
  if (entity.parts.length !== 2) {
    throw new ScelleError('MIME_MALFORMED', `${name}: a multipart/signed entity must have exactly two parts (content, signature), not ${entity.parts.length}`, { params: { file: name, detail: 'multipart/signed without two parts' } });
  }
  const [signed, sigPart] = entity.parts as [MimeEntity, MimeEntity];
  const sigType = sigPart.contentType.mediaType;
  if (sigType !== 'application/pkcs7-signature' && sigType !== 'application/x-pkcs7-signature') {
    throw new ScelleError('MIME_MALFORMED', `${name}: the second part of multipart/signed is ${sigType}, not application/pkcs7-signature`, { params: { file: name, detail: `signature part is ${sigType}` } });
  }
  const content = canonicalizeLineBreaks(signed.raw);
  const verdict = await verifySignature(decodeBody(sigPart, name), {
    trustAnchors: options.trustAnchors,
    content: (async function* () {
      yield content;
    })(),
    ...common(options),
  });
  return { kind: 'multipart-signed', ...(entity.contentType.params.micalg ? { micalg: entity.contentType.params.micalg.toLowerCase() } : {}), verdict, content };
}

function common(options: VerifyLayerOptions): { crls?: Crl[]; online?: boolean; extraCertificates?: X509Cert[]; at?: Date; clock?: () => Date } {
  return {
    ...(options.crls ? { crls: options.crls } : {}),
    ...(options.online ? { online: true } : {}),
    ...(options.extraCertificates ? { extraCertificates: options.extraCertificates } : {}),
    ...(options.at ? { at: options.at } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
}

/**
 * Verifies opaque signed data (`smime-type=signed-data`) and returns the encapsulated entity.
 * @throws ScelleError MIME_MALFORMED (no encapsulated content), MALFORMED_ASN1.
 */
export async function verifyOpaqueSigned(entity: MimeEntity, options: VerifyLayerOptions, name = 'the message'): Promise<SignedLayer> {
  const der = decodeBody(entity, name);
  const content = encapsulatedContent(der, name);
  const verdict = await verifySignature(der, { trustAnchors: options.trustAnchors, ...common(options) });
  return { kind: 'signed-data', verdict, content };
}

/**
 * Verifies a signed layer of either kind: the one entry point through which messages reach the
 * signature engine (verifySignature).
 * @throws what {@link verifyMultipartSigned} and {@link verifyOpaqueSigned} throw.
 */
export function verifySignedLayer(entity: MimeEntity, kind: 'multipart-signed' | 'signed-data', options: VerifyLayerOptions, name = 'the message'): Promise<SignedLayer> {
  return kind === 'multipart-signed' ? verifyMultipartSigned(entity, options, name) : verifyOpaqueSigned(entity, options, name);
}

/** eContent of a ContentInfo(SignedData) (RFC 5652 §5.2), segments joined. */
function encapsulatedContent(der: Uint8Array, name: string): Uint8Array {
  const root = contentInfo(der, name);
  const what = `${name}: SignedData`;
  const explicit = root.children[1];
  const sd = explicit?.children[0];
  const encap = sd?.children.find((c, i) => i >= 2 && isTag(c, 'universal', 16) && c.children.length >= 1 && isTag(c.children[0], 'universal', 6));
  const e = encap?.children[1];
  if (decodeOid(root.children[0], what) !== CMS.signedData || e === undefined || !isTag(e, 'context', 0) || e.children[0] === undefined) {
    throw new ScelleError('MIME_MALFORMED', `${name}: the signed-data part carries no encapsulated content`, { params: { file: name, detail: 'no encapsulated content' } });
  }
  return stringContents(e.children[0], what);
}

/**
 * Decrypts an `application/pkcs7-mime` enveloped entity with the identity's software keys and
 * returns the inner MIME entity. The plaintext is held in memory and returned only once the
 * envelope is fully authenticated (AuthEnvelopedData) or decrypted (EnvelopedData).
 * @throws ScelleError NOT_A_RECIPIENT, DECRYPTION_FAILED, TRUNCATED, MALFORMED_ASN1, UNSUPPORTED_ALGORITHM.
 */
export async function decryptMimeEntity(entity: MimeEntity, identity: Identity, name = 'the message'): Promise<{ content: Uint8Array; info: DecryptInfo }> {
  const der = decodeBody(entity, name);
  // The plaintext is shorter than the envelope: one buffer of that size, no list of chunks to join.
  let out = new Uint8Array(der.length);
  let o = 0;
  const info = await decryptStream([der], { identity, name }, async (c) => {
    if (o + c.length > out.length) {
      const grown = new Uint8Array(Math.max(out.length * 2, o + c.length));
      grown.set(out.subarray(0, o));
      out = grown;
    }
    out.set(c, o);
    o += c.length;
  });
  return { content: out.subarray(0, o), info };
}

/** The Content-Type header of an entity, for messages. */
export function describeEntity(entity: MimeEntity): string {
  return headerValue(entity.headers, 'content-type') ?? 'text/plain';
}
