/**
 * `verifySignature*`: the public entry points of the validation engine for CMS SignedData and its
 * CAdES profile (ETSI EN 319 122-1), used by every caller — `scelle verify`, S/MIME messages, the
 * USB export's manifest, backup seals. The verdict is the engine's; no caller adjusts it.
 *
 * The signature is read as a stream (`crypto/cms/signed-data-stream.ts`); certificates and CRLs it
 * carries join those given; each SignerInfo is validated by `signer.ts` at the validation time
 * (now, or `at`), with proofs of existence from its time-stamps.
 */
import type { ErrorCode } from '../errors.js';
import { readSignedData, readSignedDataFile, readSignedDataStream, type StreamedSignedData } from '../crypto/cms/signed-data-stream.js';
import { DIGESTS } from '../crypto/cms/signed-data.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { Crl } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import type { PolicySettings } from '../crypto/x509/verify-chain.js';
import type { ValidationContext } from './context.js';
import type { Indication, SubIndication } from './indication.js';
import { PoeStore } from './poe.js';
import { validateSigner, type SignerVerdict } from './signer.js';
import type { SignerInfo } from '../crypto/cms/signed-data.js';
import { hasArchiveTimestamps, validateArchiveTimestamps, withLongTermData, type ArchiveTimestampV3Verdict } from './cades-lta.js';

export { MAX_PEM_SIGNATURE } from '../crypto/cms/signed-data-stream.js';

/** Options of {@link verifySignature}. */
export interface VerifySignatureOptions {
  /** Trusted roots the signer's certificate must chain to. */
  trustAnchors: X509Cert[];
  /** Detached content (streamed through the digest). Must be absent when the content is attached. */
  content?: AsyncIterable<Uint8Array>;
  /** Where the content is when the signature turns out to be detached: called (once) only then. */
  detachedContent?: () => AsyncIterable<Uint8Array>;
  /** CRLs (complete or delta) for revocation checking; those the signature carries are added. */
  crls?: Crl[];
  /** OCSP responses (DER) known beforehand (a PDF's DSS); those the signature carries are added. */
  ocspResponses?: Uint8Array[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  /** HTTP client for `online`. */
  fetcher?: Fetcher;
  /** Certificates to look the signer (and intermediates) up in when the signature lacks them. */
  extraCertificates?: X509Cert[];
  /** The validation time. Default: now. */
  at?: Date;
  /** The current time (a time-stamp from after it is refused). Default: now. */
  clock?: () => Date;
  /**
   * `require` (default, fail closed): the revocation status of every certificate of every path must
   * be established. `skip`: not checked — the verdicts say so, and are not a proof for a third party.
   */
  revocation?: 'require' | 'skip';
  /** RFC 5280 policy inputs: the initial policy set (`--policy`), explicit policy, inhibit flags. */
  policy?: PolicySettings;
  /** Smallest accepted RSA modulus (default 2048). */
  minRsaBits?: number;
}

/** The verdict on a whole SignedData. */
export interface SignatureVerdict {
  /** True when every signer is TOTAL-PASSED. */
  ok: boolean;
  /** The first failing signer's code. */
  code?: ErrorCode;
  /** The worst indication among the signers (FAILED, then INDETERMINATE). */
  indication: Indication;
  subIndication?: SubIndication;
  /** True when the content was not in the signature (given by the caller). */
  detached: boolean;
  /** eContentType OID (`1.2.840.113549.1.7.1` for data). */
  contentType: string;
  signers: SignerVerdict[];
  /** Digests of the content, by algorithm name, lowercase hex. */
  contentDigests: Record<string, string>;
  /** The validation time. */
  validationTime: Date;
}

/** The validation context of a signature: what was given plus what the signature carries. */
export function signatureContext(options: VerifySignatureOptions, embeddedCrls: readonly Uint8Array[] = [], embeddedOcsp: readonly Uint8Array[] = []): ValidationContext {
  const now = options.clock?.() ?? new Date();
  const crls = [...(options.crls ?? [])];
  for (const der of embeddedCrls) {
    try {
      crls.push(Crl.fromDer(der));
    } catch {
      // an undecodable embedded CRL helps nobody; revocation then fails closed without it
    }
  }
  return {
    trustAnchors: options.trustAnchors,
    certificates: options.extraCertificates ?? [],
    crls,
    ocspResponses: [...(options.ocspResponses ?? []), ...embeddedOcsp],
    online: options.online === true,
    ...(options.fetcher !== undefined ? { fetcher: options.fetcher } : {}),
    validationTime: options.at ?? now,
    now,
    revocation: options.revocation ?? 'require',
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    ...(options.minRsaBits !== undefined ? { minRsaBits: options.minRsaBits } : {}),
  };
}

const RANK: Record<Indication, number> = { 'TOTAL-FAILED': 2, INDETERMINATE: 1, 'TOTAL-PASSED': 0 };

/**
 * Validates every signer of a read SignedData. `poes` carries proofs of existence gathered
 * beforehand (archive time-stamps, evidence records).
 */
export async function validateSignedData(sd: StreamedSignedData, options: VerifySignatureOptions, poes: PoeStore = new PoeStore()): Promise<SignatureVerdict> {
  const ctx = signatureContext(options, sd.crls, sd.ocspResponses);
  const signers: SignerVerdict[] = [];
  // CAdES-LTA: archive time-stamps first (newest first), so that their proofs of existence reach
  // the signature time-stamps and the signer's certificate.
  const archive = new Map<SignerInfo, ArchiveTimestampV3Verdict[]>();
  for (const info of sd.signerInfos) if (hasArchiveTimestamps(info)) archive.set(info, await validateArchiveTimestamps(sd, info, ctx, poes));
  for (const info of sd.signerInfos) signers.push(withLongTermData(await validateSigner(info, sd, ctx, poes), sd, archive.get(info)));
  const worst = [...signers].sort((a, b) => RANK[b.indication] - RANK[a.indication])[0]!;
  const failing = signers.find((s) => !s.ok);
  const contentDigests: Record<string, string> = {};
  for (const [oid, d] of sd.contentDigests) contentDigests[DIGESTS[oid]!.name] = Buffer.from(d).toString('hex');
  const verdict: SignatureVerdict = {
    ok: failing === undefined,
    indication: worst.indication,
    detached: sd.detached,
    contentType: sd.eContentType,
    signers,
    contentDigests,
    validationTime: ctx.validationTime,
  };
  if (worst.subIndication !== undefined) verdict.subIndication = worst.subIndication;
  if (failing?.code !== undefined) verdict.code = failing.code;
  return verdict;
}

/**
 * Verifies a CMS SignedData held in memory: DER or BER, a bare ContentInfo or a PEM block. Attached
 * content is streamed through the digest; detached content comes from `options.content`.
 *
 * Never throws for a negative outcome: each signer's verdict carries its indication and codes —
 * SIGNER_CERT_MISSING, CONTENT_TAMPERED, CONTENT_MISMATCH, SIGNATURE_INVALID, SIGNING_CERT_MISMATCH,
 * UNSUPPORTED_ALGORITHM, WEAK_ALGORITHM, the chain's (CHAIN_UNTRUSTED, CERT_EXPIRED, CERT_REVOKED,
 * REVOCATION_UNAVAILABLE, …) and the time-stamps' (TIMESTAMP_INVALID, TSA_INJECTED_CA, …).
 *
 * @throws ScelleError MALFORMED_ASN1, MALFORMED_PEM, UNSUPPORTED_FORMAT (not SignedData, or no
 *   SignerInfo), CONTENT_REQUIRED (detached signature and no content), USAGE (content given for an
 *   attached signature), IO_ERROR (the content stream failed).
 */
export async function verifySignature(signature: Uint8Array, options: VerifySignatureOptions): Promise<SignatureVerdict> {
  return validateSignedData(await readSignedData(signature, options), options);
}

/**
 * Verifies a CMS SignedData read from a file (DER/BER streamed; PEM up to 512 MiB in memory).
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, and everything {@link verifySignature} throws.
 */
export async function verifySignatureFile(path: string, options: VerifySignatureOptions): Promise<SignatureVerdict> {
  return validateSignedData(await readSignedDataFile(path, options), options);
}

/** Verifies a DER/BER ContentInfo(SignedData) arriving as a stream of chunks. Same verdicts and errors as {@link verifySignature}. */
export async function verifySignatureStream(source: AsyncIterable<Uint8Array>, options: VerifySignatureOptions): Promise<SignatureVerdict> {
  return validateSignedData(await readSignedDataStream(source, options), options);
}
