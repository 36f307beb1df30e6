/**
 * Encryption into CMS envelopes:
 * - AuthEnvelopedData (RFC 5083 §2.1) with AES-256-GCM (RFC 5084 §3.2: GCMParameters with a
 *   12-byte random nonce and aes-ICVlen 16), the default;
 * - EnvelopedData (RFC 5652 §6.1) with AES-256-CBC (RFC 3565 §4.1, random 16-byte IV), for old
 *   clients (`cipher: 'aes-256-cbc'`). CBC has no integrity of its own: prefer GCM.
 *
 * Recipients: certificates (RSA → KeyTransRecipientInfo with RSAES-OAEP-SHA256; EC →
 * KeyAgreeRecipientInfo with ephemeral-static ECDH, RFC 5753) and/or a password
 * (PasswordRecipientInfo, RFC 3211, PBKDF2-HMAC-SHA256 × 600 000). See recipients.ts.
 *
 * The output is written in one pass with bounded memory, as `openssl cms -encrypt -stream` writes
 * it: BER with indefinite lengths (X.690 §8.1.3.6) and the ciphertext as a constructed
 * encryptedContent of definite-length OCTET STRING segments; the GCM tag (`mac`) follows the
 * content. With `format: 'der'` and a known content length the same fields are written with
 * definite lengths and a primitive encryptedContent (DER, X.690 §10).
 */
import { createCipheriv, randomBytes, type CipherGCM } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ScelleError, isScelleError } from '../../errors.js';
import { writeStreamAtomic } from '../../io/atomic-output.js';
import { releaseBuffersEvery } from '../../io/memory.js';
import { assertStrongPassword } from '../password.js';
import type { X509Cert } from '../x509/certificate.js';
import type { Crl } from '../x509/crl.js';
import { verifyCertificateChain } from '../x509/verify-chain.js';
import {
  END_OF_CONTENTS,
  TAG,
  algorithmIdentifier,
  concatBytes,
  encodeLength,
  indefiniteHeader,
  objectIdentifier,
  octetString,
  sequence,
  setOf,
  smallInteger,
  tlv,
} from '../asn1/der.js';
import { AES256_CBC_OID, AES256_GCM_OID, EC_CURVES, ENVELOPE_OID, PWRI_ITERATIONS } from './envelope-algorithms.js';
import { ENVELOPE_CHUNK, bytesOf, openInputFile, type ByteSource } from './envelope-io.js';
import { buildKeyAgreeRecipient, buildKeyTransRecipient, buildPasswordRecipient, type BuiltRecipient, type RecipientDescription } from './recipients.js';

/** The content ciphers scelle writes. */
export type EnvelopeCipher = 'aes-256-gcm' | 'aes-256-cbc';

/** A recipient certificate with the name to show in messages (a file name). */
export interface RecipientCertificate {
  certificate: X509Cert;
  name: string;
}

/** Options of {@link encryptStream} and {@link encryptFile}. */
export interface EncryptOptions {
  /** Recipient certificates: RSA (keyEncipherment) or EC P-256/P-384/P-521 (keyAgreement). */
  recipients?: (X509Cert | RecipientCertificate)[];
  /** A password recipient (RFC 3211). Must pass the password policy unless `allowWeakPassword`. */
  password?: string;
  /** Words tied to the context that the password must not contain (the practitioner's name…). */
  passwordContext?: string[];
  /** Default `aes-256-gcm` (AuthEnvelopedData); `aes-256-cbc` writes EnvelopedData. */
  cipher?: EnvelopeCipher;
  /**
   * RSA key transport: `oaep` (default, RSAES-OAEP-SHA256) or `pkcs1` (RSAES-PKCS1-v1_5) for
   * PKCS#7-only readers (`openssl smime`, gpgsm 2.2, older mail clients). Compatibility only.
   */
  rsaPadding?: 'oaep' | 'pkcs1';
  /** PBKDF2 iterations of the password recipient. Default and minimum 600 000. */
  pbkdf2Iterations?: number;
  /** Tests only: accept fewer than 600 000 PBKDF2 iterations. */
  allowLowIterations?: boolean;
  /** Tests and reading only: skip the password policy. */
  allowWeakPassword?: boolean;
  /** When given, each recipient certificate must chain to one of these for encryption (RFC 5280 §6). */
  trustAnchors?: X509Cert[];
  /** Untrusted certificates that help build the chains. */
  intermediates?: X509Cert[];
  /** CRLs checked with the chains. */
  crls?: Crl[];
  /** Time the certificates are checked at. Default: now. */
  at?: Date;
  /** `ber` (default): indefinite lengths, streamed like `openssl cms -stream`. `der`: needs the content length. */
  format?: 'ber' | 'der';
  /** For `format: 'der'` with {@link encryptStream}: the exact number of content bytes. */
  contentLength?: number;
}

/** Options of {@link encryptFile}. */
export interface EncryptFileOptions extends EncryptOptions {
  /** Refuse to replace an existing output (`OUTPUT_EXISTS`). Default false. */
  exclusive?: boolean;
}

/** What {@link encryptStream} / {@link encryptFile} wrote. */
export interface EncryptInfo {
  contentType: 'authEnvelopedData' | 'envelopedData';
  cipher: EnvelopeCipher;
  format: 'ber' | 'der';
  /** One per RecipientInfo, in the order written (certificates as given, then the password). */
  recipients: RecipientDescription[];
  /** Content bytes read. */
  bytesIn: number;
  /** Envelope bytes written. */
  bytesOut: number;
}

/** Ciphertext is gathered into OCTET STRING segments of at least this size (small source chunks). */
const SEGMENT_BYTES = 256 * 1024;

function recipientName(r: X509Cert | RecipientCertificate): { cert: X509Cert; name: string } {
  return 'certificate' in r ? { cert: r.certificate, name: r.name } : { cert: r, name: r.subject };
}

function invalidRecipient(name: string, cert: X509Cert, detail: string, message: string, reason?: string): ScelleError {
  return new ScelleError('RECIPIENT_CERT_INVALID', `cannot encrypt to ${name} ("${cert.subject}"): ${message}`, {
    params: { file: name, detail, ...(reason !== undefined ? { reason } : {}) },
  });
}

/**
 * Checks a recipient certificate: a key type scelle encrypts to, the key usage for it
 * (keyEncipherment for RSA, keyAgreement for EC; RFC 5280 §4.2.1.3, RFC 5753 §4), validity at
 * `at`, not a CA, RSA ≥ 2048 bits, and its chain for the `encrypt` purpose when anchors are given.
 * @throws ScelleError RECIPIENT_CERT_INVALID (params: file, detail, and reason = the chain's code).
 */
export async function checkRecipientCertificate(recipient: X509Cert | RecipientCertificate, options: Pick<EncryptOptions, 'trustAnchors' | 'intermediates' | 'crls' | 'at'> = {}): Promise<void> {
  const { cert, name } = recipientName(recipient);
  const at = options.at ?? new Date();
  const type = cert.keyAlgorithm.type;
  const ku = cert.keyUsage;
  if (cert.basicConstraints?.ca) throw invalidRecipient(name, cert, 'CA certificate', 'it is a CA certificate, not a person\'s or a service\'s');
  if (type === 'rsa') {
    if (ku !== undefined && !ku.includes('keyEncipherment')) {
      throw invalidRecipient(name, cert, 'keyUsage', `its key usage (${ku.join(', ')}) does not allow keyEncipherment: it is not an encryption certificate (IGC-Santé issues a separate one)`);
    }
    if ((cert.keyAlgorithm.bits ?? 0) < 2048) throw invalidRecipient(name, cert, 'weak key', `its RSA key has ${cert.keyAlgorithm.bits} bits (at least 2048 are needed)`);
  } else if (type === 'ec') {
    if (ku !== undefined && !ku.includes('keyAgreement')) {
      throw invalidRecipient(name, cert, 'keyUsage', `its key usage (${ku.join(', ')}) does not allow keyAgreement, which ECDH encryption needs`);
    }
    if (!EC_CURVES.some((c) => c.name === cert.keyAlgorithm.curve)) throw invalidRecipient(name, cert, 'curve', `its curve ${cert.keyAlgorithm.curve ?? 'unknown'} is not supported (P-256, P-384, P-521)`);
  } else {
    throw invalidRecipient(name, cert, 'key type', `its ${type} key cannot receive encrypted data (RSA or EC are needed)`);
  }
  if (at < cert.notBefore) throw invalidRecipient(name, cert, 'not yet valid', `it is not valid before ${cert.notBefore.toISOString()}`, 'CERT_NOT_YET_VALID');
  if (at > cert.notAfter) throw invalidRecipient(name, cert, 'expired', `it expired on ${cert.notAfter.toISOString()}`, 'CERT_EXPIRED');
  if (options.trustAnchors !== undefined) {
    const verdict = await verifyCertificateChain(cert, {
      trustAnchors: options.trustAnchors,
      intermediates: options.intermediates ?? [],
      at,
      purpose: 'encrypt',
      ...(options.crls ? { crls: options.crls } : {}),
      // Encrypting to a colleague checks revocation when CRLs are given (then strictly: a status
      // that cannot be established refuses the recipient); without CRLs only the path is checked.
      revocation: options.crls !== undefined && options.crls.length > 0 ? 'require' : 'skip',
    });
    if (!verdict.ok) {
      const first = verdict.problems[0];
      throw invalidRecipient(name, cert, `chain: ${verdict.code ?? 'invalid'}`, `its certificate chain is not valid for encryption: ${first?.message ?? verdict.code}`, verdict.code);
    }
  }
}

/** Everything fixed before the content flows: keys, recipients, and the header bytes. */
interface Prepared {
  cipher: EnvelopeCipher;
  cek: Uint8Array;
  iv: Uint8Array;
  recipients: BuiltRecipient[];
  contentType: 'authEnvelopedData' | 'envelopedData';
}

async function prepare(options: EncryptOptions): Promise<Prepared> {
  const cipher = options.cipher ?? 'aes-256-gcm';
  if (cipher !== 'aes-256-gcm' && cipher !== 'aes-256-cbc') {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `unsupported content cipher "${String(cipher)}": use aes-256-gcm (default) or aes-256-cbc`, { params: { detail: String(cipher) } });
  }
  const certs = options.recipients ?? [];
  if (certs.length === 0 && options.password === undefined) {
    throw new ScelleError('USAGE', 'nobody could open this envelope: give at least one recipient certificate or a password');
  }
  let iterations = PWRI_ITERATIONS;
  if (options.password !== undefined) {
    if (!options.allowWeakPassword) assertStrongPassword(options.password, options.passwordContext ? { context: options.passwordContext } : {});
    else if (options.password.length === 0) throw new ScelleError('WEAK_PASSWORD', 'the password is empty', { params: { reason: 'it is empty', reasonKey: 'password.reason.empty', reasons: 'empty' } });
    iterations = options.pbkdf2Iterations ?? PWRI_ITERATIONS;
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 0x7fffffff || (iterations < PWRI_ITERATIONS && !options.allowLowIterations)) {
      throw new ScelleError('USAGE', `PBKDF2 iterations must be an integer of at least ${PWRI_ITERATIONS} (got ${iterations})`, { params: { detail: String(iterations) } });
    }
  }
  for (const r of certs) await checkRecipientCertificate(r, options);

  const cek = new Uint8Array(randomBytes(32));
  const iv = new Uint8Array(randomBytes(cipher === 'aes-256-gcm' ? 12 : 16));
  const recipients: BuiltRecipient[] = [];
  for (const r of certs) {
    const { cert } = recipientName(r);
    recipients.push(cert.keyAlgorithm.type === 'ec' ? buildKeyAgreeRecipient(cert, cek) : buildKeyTransRecipient(cert, cek, options.rsaPadding ?? 'oaep'));
  }
  if (options.password !== undefined) recipients.push(await buildPasswordRecipient(options.password, iterations, cek));
  return { cipher, cek, iv, recipients, contentType: cipher === 'aes-256-gcm' ? 'authEnvelopedData' : 'envelopedData' };
}

/** EnvelopedData version (RFC 5652 §6.1): 3 with a PWRI, 0 when every RecipientInfo is v0, else 2. */
function envelopedDataVersion(recipients: BuiltRecipient[]): number {
  if (recipients.some((r) => r.description.type === 'password')) return 3;
  return recipients.every((r) => r.version === 0) ? 0 : 2;
}

function contentEncryptionAlgorithm(p: Prepared): Uint8Array {
  // RFC 5084 §3.2 GCMParameters { aes-nonce, aes-ICVlen DEFAULT 12 }: 16 is written, as OpenSSL does.
  return p.cipher === 'aes-256-gcm'
    ? algorithmIdentifier(AES256_GCM_OID, sequence(octetString(p.iv), smallInteger(16)))
    : algorithmIdentifier(AES256_CBC_OID, octetString(p.iv));
}

const header = (tag: number, length: number): Uint8Array => concatBytes([Uint8Array.of(tag), encodeLength(length)]);

/**
 * Encrypts a stream of content bytes into a CMS envelope written through `write` (awaited for
 * each piece; the chunks passed must not be modified). Memory stays bounded whatever the size.
 * @throws ScelleError USAGE (no recipient, bad iteration count, DER without contentLength, or a
 *   content whose length differs from contentLength), WEAK_PASSWORD, RECIPIENT_CERT_INVALID,
 *   UNSUPPORTED_ALGORITHM (cipher), IO_ERROR (the source failed), and whatever `write` throws.
 */
export async function encryptStream(source: ByteSource, options: EncryptOptions, write: (chunk: Uint8Array) => Promise<void>): Promise<EncryptInfo> {
  const format = options.format ?? 'ber';
  if (format === 'der' && (options.contentLength === undefined || !Number.isSafeInteger(options.contentLength) || options.contentLength < 0)) {
    throw new ScelleError('USAGE', 'a DER envelope needs the exact content length (contentLength) before the content');
  }
  const p = await prepare(options);
  // A write still in flight must finish before an error reaches the caller: an aborted output
  // closes its descriptor, and a late write could land in whatever file reuses the number.
  let inflight: Promise<void> = Promise.resolve();
  try {
    return await stream(source, options, format, p, write, (next) => {
      inflight = next;
    }, () => inflight);
  } catch (e) {
    await inflight.catch(() => undefined);
    throw e;
  }
}

async function stream(
  source: ByteSource,
  options: EncryptOptions,
  format: 'ber' | 'der',
  p: Prepared,
  write: (chunk: Uint8Array) => Promise<void>,
  setInflight: (p: Promise<void>) => void,
  getInflight: () => Promise<void>,
): Promise<EncryptInfo> {
  const gcm = p.cipher === 'aes-256-gcm';
  const cipher = gcm ? createCipheriv('aes-256-gcm', p.cek, p.iv, { authTagLength: 16 }) : createCipheriv('aes-256-cbc', p.cek, p.iv);
  p.cek.fill(0);

  let bytesOut = 0;
  // One write in flight while the next chunk is read and encrypted: writes stay in order, and a
  // failed write surfaces at the next emit (or at the end).
  const emit = async (parts: Uint8Array[]): Promise<void> => {
    await getInflight();
    for (const part of parts) bytesOut += part.byteLength;
    const next = (async () => {
      for (const part of parts) await write(part);
    })();
    next.catch(() => undefined);
    setInflight(next);
  };

  const typeOid = objectIdentifier(gcm ? ENVELOPE_OID.authEnvelopedData : ENVELOPE_OID.envelopedData);
  const version = smallInteger(gcm ? 0 : envelopedDataVersion(p.recipients));
  const recipientDers = p.recipients.map((r) => r.der);
  const recipientInfos = format === 'der' ? setOf(recipientDers) : tlv(TAG.SET, ...recipientDers);
  const eciHead = concatBytes([objectIdentifier(ENVELOPE_OID.data), contentEncryptionAlgorithm(p)]);
  const macLength = gcm ? 18 : 0; // OCTET STRING of the 16-byte tag

  if (format === 'der') {
    const n = options.contentLength!;
    const ciphertext = gcm ? n : (Math.floor(n / 16) + 1) * 16;
    const encryptedContent = header(0x80, ciphertext).byteLength + ciphertext; // [0] IMPLICIT OCTET STRING, primitive
    const eciLength = eciHead.byteLength + encryptedContent;
    const bodyLength = version.byteLength + recipientInfos.byteLength + header(TAG.SEQUENCE, eciLength).byteLength + eciLength + macLength;
    const explicitLength = header(TAG.SEQUENCE, bodyLength).byteLength + bodyLength;
    const ciLength = typeOid.byteLength + header(TAG.CONTEXT_0, explicitLength).byteLength + explicitLength;
    await emit([concatBytes([
      header(TAG.SEQUENCE, ciLength), typeOid, header(TAG.CONTEXT_0, explicitLength), header(TAG.SEQUENCE, bodyLength),
      version, recipientInfos, header(TAG.SEQUENCE, eciLength), eciHead, header(0x80, ciphertext),
    ])]);
  } else {
    await emit([concatBytes([
      indefiniteHeader(TAG.SEQUENCE), typeOid, indefiniteHeader(TAG.CONTEXT_0), indefiniteHeader(TAG.SEQUENCE),
      version, recipientInfos, indefiniteHeader(TAG.SEQUENCE), eciHead, indefiniteHeader(TAG.CONTEXT_0), // [0] IMPLICIT OCTET STRING, constructed
    ])]);
  }

  let bytesIn = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flushSegment = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const parts = format === 'der' ? pending : [concatBytes([Uint8Array.of(TAG.OCTET_STRING), encodeLength(pendingBytes)]), ...pending];
    pending = [];
    pendingBytes = 0;
    await emit(parts);
  };
  const add = async (out: Buffer): Promise<void> => {
    if (out.byteLength === 0) return;
    pending.push(out);
    pendingBytes += out.byteLength;
    if (pendingBytes >= SEGMENT_BYTES) await flushSegment();
  };
  const release = releaseBuffersEvery();
  for await (const chunk of bytesOf(source, 'the content')) {
    bytesIn += chunk.byteLength;
    if (format === 'der' && bytesIn > options.contentLength!) break;
    await add(cipher.update(chunk));
    release(chunk.byteLength);
  }
  if (format === 'der' && bytesIn !== options.contentLength) {
    throw new ScelleError('IO_ERROR', `the content has ${bytesIn > options.contentLength! ? 'more' : 'fewer'} bytes than announced (${options.contentLength}): it changed while being encrypted`);
  }
  await add(cipher.final());
  await flushSegment();
  const tail: Uint8Array[] = [];
  if (format === 'ber') tail.push(END_OF_CONTENTS, END_OF_CONTENTS); // encryptedContent, EncryptedContentInfo
  if (gcm) tail.push(octetString(new Uint8Array((cipher as CipherGCM).getAuthTag()))); // mac (RFC 5083 §2.1)
  if (format === 'ber') tail.push(END_OF_CONTENTS, END_OF_CONTENTS, END_OF_CONTENTS); // (Auth)EnvelopedData, [0], ContentInfo
  await emit([concatBytes(tail)]);
  await getInflight();
  return { contentType: p.contentType, cipher: p.cipher, format, recipients: p.recipients.map((r) => r.description), bytesIn, bytesOut };
}

/**
 * Encrypts a file into a CMS envelope at `outPath`, atomically (temp file in the same folder,
 * fsync, rename): on any failure nothing is left behind, and an existing output is replaced only
 * on success. With `format: 'der'` the file's size gives the lengths.
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, OUTPUT_EXISTS (`exclusive`), USAGE (output = input),
 *   plus those of {@link encryptStream}.
 */
export async function encryptFile(inPath: string, outPath: string, options: EncryptFileOptions): Promise<EncryptInfo> {
  if (resolve(inPath) === resolve(outPath)) throw new ScelleError('USAGE', `the envelope of ${inPath} cannot be written over the file itself`, { params: { file: inPath } });
  if (options.exclusive && (await stat(outPath).then(() => true, () => false))) {
    throw new ScelleError('OUTPUT_EXISTS', `${outPath} already exists`, { params: { file: outPath } });
  }
  // cipher.update() consumes each chunk at once: the reader may reuse its buffers.
  const input = await openInputFile(inPath, ENVELOPE_CHUNK, { reuseBuffers: true });
  try {
    const format = options.format ?? 'ber';
    if (format === 'der' && input.size === undefined) throw new ScelleError('USAGE', `${inPath} is not a regular file: its length is unknown, write BER instead of DER`, { params: { file: inPath } });
    const { result } = await writeStreamAtomic(
      outPath,
      (write) => encryptStream(input.chunks, { ...options, ...(format === 'der' ? { contentLength: input.size! } : {}) }, write),
      options.exclusive ? { exclusive: true } : {},
    );
    return result;
  } catch (e) {
    if (isScelleError(e) && e.params.file === undefined) {
      throw new ScelleError(e.code, `${inPath}: ${e.message}`, { params: { ...e.params, file: inPath }, cause: e, ...(e.hint ? { hint: e.hint } : {}) });
    }
    throw e;
  } finally {
    await input.chunks.return(undefined);
  }
}
