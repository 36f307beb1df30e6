/**
 * CAdES-T (ETSI EN 319 122-1 §5.3): a signature time-stamp on each SignerInfo of a CMS
 * SignedData, so that the signature is proven to exist at the TSA's genTime.
 *
 * - RFC 3161 Appendix A / ETSI EN 319 122-1 §5.3: the unsigned attribute
 *   id-aa-signatureTimeStampToken (1.2.840.113549.1.9.16.2.14) holds a TimeStampToken whose
 *   message imprint is the hash of the SignerInfo's `signature` field — the *contents* octets of
 *   the OCTET STRING, not its tag and length. Several instances may occur (a later time-stamp with
 *   another TSA); adding one never removes another.
 * - RFC 5652 §5.3: unsignedAttrs is `[1] IMPLICIT SET OF Attribute`; not covered by the
 *   signature, so adding it keeps the signature valid (OpenSSL and every CMS verifier ignore it).
 * - The token is verified strictly (RFC 3161, RFC 5816, RFC 5035) by the validation engine
 *   (`src/validation/timestamp.ts`) when the signature is verified.
 *
 * Memory: the signature is rewritten in memory, up to {@link MAX_CADES_T_SIGNATURE} (256 MiB).
 * Detached `.p7s` files are a few KiB; an attached `.p7m` larger than the cap is refused with
 * UNSUPPORTED_FORMAT (detach it, or time-stamp the detached form). Unchanged parts — certificates,
 * attached content, signed attributes — are copied byte for byte (an attached BER content stays
 * BER inside the new definite-length wrappers, which is valid BER).
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../errors.js';
import { readInputFile } from '../io/read-file.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { UNIVERSAL, decodeOid, encodeDer, isTag, parseBer, rawBytes, type BerNode } from '../crypto/asn1/ber.js';
import { TAG, objectIdentifier, sequence, setOf, tlv } from '../crypto/asn1/der.js';
import { CMS_OID } from '../crypto/cms/oids.js';
import { parseSignerInfo, sidText } from '../crypto/cms/signed-data.js';
import { pemSignature } from '../crypto/cms/signed-data-stream.js';
import { formatPem, looksLikePem } from '../crypto/pem.js';
import type { TimestampHash } from './imprint.js';
import { isTspHash } from './tsp.js';
import { tokenFromAnswer } from './token-answer.js';

/** Largest signature rewritten in memory by {@link addSignatureTimestamp} and read by `upgradeSignatureFile`. */
export const MAX_CADES_T_SIGNATURE = 256 * 1024 * 1024;

/**
 * Obtains a time-stamp over `imprint` (the `hash` of a signature value): returns the
 * TimeStampToken ContentInfo DER — or a whole TimeStampResp, whose token is then taken.
 * Typically `(hash, imprint) => requestTimestamp(url, { hash, imprint })`.
 */
export type TimestampTokenSource = (hash: TimestampHash, imprint: Uint8Array) => Promise<Uint8Array>;

/** Options of {@link addSignatureTimestamp}. */
export interface AddSignatureTimestampOptions {
  /** Hash of the signature value sent to the TSA. Default sha256. */
  hash?: TimestampHash;
  /** The current time: a token dated after it (beyond 5 minutes of clock skew) is refused. Default: now. */
  clock?: () => Date;
}

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

interface SignedDataLayout {
  /** ContentInfo contentType element, raw. */
  contentType: Uint8Array;
  /** SignedData children before signerInfos, raw. */
  head: BerNode[];
  signerInfos: BerNode[];
  /** True when every length was definite (DER-like), so the rebuilt SET is sorted as DER wants. */
  definite: boolean;
}

/** ContentInfo(SignedData) split into what is copied and the SignerInfos (RFC 5652 §3, §5.1). */
function layoutOf(signature: Uint8Array): SignedDataLayout {
  if (signature.length > MAX_CADES_T_SIGNATURE) {
    throw new ScelleError('UNSUPPORTED_FORMAT', `the signature is larger than ${MAX_CADES_T_SIGNATURE / 1024 / 1024} MiB: time-stamp a detached signature instead (an attached one is rewritten in memory)`);
  }
  const ci = parseBer(signature, 'CMS signature');
  if (!isTag(ci, 'universal', UNIVERSAL.SEQUENCE) || ci.children.length !== 2) throw malformed('not a CMS ContentInfo SEQUENCE { contentType, [0] content }');
  const [type, explicit] = ci.children as [BerNode, BerNode];
  const ct = decodeOid(type, 'ContentInfo contentType');
  if (ct !== CMS_OID.signedData) throw new ScelleError('UNSUPPORTED_FORMAT', `the CMS content is ${ct}, not SignedData (${CMS_OID.signedData})`);
  const sd = explicit.children[0];
  if (!isTag(explicit, 'context', 0) || explicit.children.length !== 1 || sd === undefined || !isTag(sd, 'universal', UNIVERSAL.SEQUENCE)) {
    throw malformed('ContentInfo content is not [0] EXPLICIT SignedData');
  }
  const sis = sd.children[sd.children.length - 1];
  if (sd.children.length < 4 || sis === undefined || !isTag(sis, 'universal', UNIVERSAL.SET)) throw malformed('SignedData does not end with its signerInfos SET');
  if (sis.children.length === 0) throw new ScelleError('UNSUPPORTED_FORMAT', 'the SignedData has no SignerInfo: there is no signature to time-stamp');
  return {
    contentType: rawBytes(type),
    head: sd.children.slice(0, -1),
    signerInfos: sis.children,
    definite: ci.length !== undefined && explicit.length !== undefined && sd.length !== undefined && sis.length !== undefined,
  };
}


/**
 * Upgrades a CAdES-B (or any CMS SignedData) signature to CAdES-T: for each SignerInfo, hashes
 * its signature value, asks `getToken` for a time-stamp over that hash, checks the token covers
 * it, and adds it as an id-aa-signatureTimeStampToken unsigned attribute (after any already there).
 * The signed parts are not touched, so the signatures stay valid.
 *
 * Input: DER or BER ContentInfo (not PEM; see {@link upgradeSignatureFile}), up to
 * {@link MAX_CADES_T_SIGNATURE}. Output: DER when the input was DER.
 *
 * The token is checked to cover that signature value and not to be dated in the future; its TSA
 * is verified against trust anchors by the validation engine (`verifySignature`), which needs the
 * caller's trust store.
 * @throws ScelleError MALFORMED_ASN1, UNSUPPORTED_FORMAT (not SignedData, no SignerInfo, too
 *   large), UNSUPPORTED_ALGORITHM (hash), TIMESTAMP_REJECTED, TIMESTAMP_IMPRINT_MISMATCH, and
 *   whatever `getToken` throws (TSA_UNAVAILABLE, NETWORK_ERROR…).
 */
export async function addSignatureTimestamp(signature: Uint8Array, getToken: TimestampTokenSource, options: AddSignatureTimestampOptions = {}): Promise<Uint8Array> {
  const hash = options.hash ?? 'sha256';
  if (!isTspHash(hash)) throw new ScelleError('UNSUPPORTED_ALGORITHM', `the signature time-stamp hash must be sha256, sha384 or sha512, not "${String(hash)}"`);
  const layout = layoutOf(signature);
  const rebuilt: Uint8Array[] = [];
  for (const node of layout.signerInfos) {
    const info = parseSignerInfo(node);
    const who = `signer ${sidText(info.sid)}`;
    const imprint = new Uint8Array(crypto.createHash(hash).update(info.signature).digest());
    const { token } = tokenFromAnswer(await getToken(hash, imprint), hash, imprint, `${who}'s signature value`, options.clock?.() ?? new Date());
    rebuilt.push(withTimestamp(node, token));
  }
  const signerInfos = layout.definite ? setOf(rebuilt) : tlv(TAG.SET, ...rebuilt);
  const signedData = sequence(...layout.head.map(rawBytes), signerInfos);
  return sequence(layout.contentType, tlv(TAG.CONTEXT_0, signedData));
}

/** The SignerInfo with one more id-aa-signatureTimeStampToken in its unsignedAttrs (RFC 5652 §5.3). */
function withTimestamp(signerInfo: BerNode, token: Uint8Array): Uint8Array {
  const attr = sequence(objectIdentifier(CMS_OID.timeStampToken), tlv(TAG.SET, token));
  const fields = signerInfo.children;
  const last = fields[fields.length - 1];
  const hasUnsigned = last !== undefined && isTag(last, 'context', 1);
  const kept = (hasUnsigned ? fields.slice(0, -1) : fields).map(rawBytes);
  // SET OF Attribute in DER order (X.690 §11.6); existing attributes are re-encoded as DER.
  const existing = hasUnsigned ? last.children.map((a) => encodeDer(a)) : [];
  return sequence(...kept, setOf([...existing, attr], TAG.CONTEXT_1));
}

// ------------------------------------------------------------------------------------- files

/** Options of {@link upgradeSignatureFile}. */
export interface UpgradeSignatureFileOptions extends AddSignatureTimestampOptions {
  /** Write here instead of replacing the signature file. */
  outPath?: string;
}

/** What {@link upgradeSignatureFile} did. */
export interface UpgradeSignatureFileResult {
  outPath: string;
  /** Signers time-stamped. */
  signers: number;
  /** Size of the written file. */
  bytes: number;
}

/**
 * `scelle timestamp SIG.p7s --tsa URL`: adds a signature time-stamp to every signer of a
 * signature file (DER, BER or PEM — written back in the same armour, PEM as `CMS`) and replaces
 * it atomically (temporary file in the same folder, fsync, rename): an interruption leaves the
 * original untouched.
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, MALFORMED_PEM, and everything
 *   {@link addSignatureTimestamp} throws.
 */
export async function upgradeSignatureFile(path: string, getToken: TimestampTokenSource, options: UpgradeSignatureFileOptions = {}): Promise<UpgradeSignatureFileResult> {
  const bytes = await readInputFile(path, MAX_CADES_T_SIGNATURE);
  const pem = looksLikePem(bytes);
  const der = pem ? pemSignature(bytes) : bytes;
  const upgraded = await addSignatureTimestamp(der, getToken, { ...(options.hash !== undefined ? { hash: options.hash } : {}), ...(options.clock !== undefined ? { clock: options.clock } : {}) });
  const out: Uint8Array | string = pem ? formatPem('CMS', upgraded) : upgraded;
  const outPath = options.outPath ?? path;
  await writeFileAtomic(outPath, out);
  return { outPath, signers: layoutOf(upgraded).signerInfos.length, bytes: typeof out === 'string' ? Buffer.byteLength(out) : out.length };
}
