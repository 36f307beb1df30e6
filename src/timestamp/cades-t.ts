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
 * - The token is verified strictly (RFC 3161, RFC 5816, RFC 5035) by `verify-token.ts`.
 *
 * Memory: the signature is rewritten in memory, up to {@link MAX_CADES_T_SIGNATURE} (256 MiB).
 * Detached `.p7s` files are a few KiB; an attached `.p7m` larger than the cap is refused with
 * UNSUPPORTED_FORMAT (detach it, or time-stamp the detached form). Unchanged parts — certificates,
 * attached content, signed attributes — are copied byte for byte (an attached BER content stays
 * BER inside the new definite-length wrappers, which is valid BER).
 */
import * as crypto from 'node:crypto';
import { ScelleError, type ErrorCode } from '../errors.js';
import { readInputFile } from '../io/read-file.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { UNIVERSAL, decodeOid, encodeDer, isTag, parseBer, rawBytes, type BerNode } from '../crypto/asn1/ber.js';
import { TAG, objectIdentifier, sequence, setOf, tlv } from '../crypto/asn1/der.js';
import { CMS_OID } from '../crypto/cms/oids.js';
import { parseAttributes, parseSignerInfo, sidText } from '../crypto/cms/verify.js';
import { formatPem, looksLikePem, parsePem } from '../crypto/pem.js';
import { bytesEqual } from '../crypto/asn1/asn1js-util.js';
import { PKI_STATUS, isTspHash, parseTimeStampResp, parseTimeStampToken } from './tsp.js';
import {
  verifyTimestampToken,
  type TimestampHash,
  type TimestampProblem,
  type TimestampVerdict,
  type VerifyTimestampOptions,
} from './verify-token.js';

/** Largest signature rewritten in memory by {@link addSignatureTimestamp} and read by {@link verifySignatureTimestamps}. */
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
}

/** PEM labels a CMS signature may carry (as in `crypto/cms/verify.ts`). */
const PEM_LABELS = ['CMS', 'PKCS7', 'PKCS #7 SIGNED DATA', 'SIGNED MESSAGE'];

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
 * The TimeStampToken from what a {@link TimestampTokenSource} returned, checked to cover `imprint`.
 * @throws ScelleError TIMESTAMP_REJECTED (a response with a refusal), TIMESTAMP_IMPRINT_MISMATCH
 *   (the TSA time-stamped something else), MALFORMED_ASN1.
 */
function tokenOf(answer: Uint8Array, hash: TimestampHash, imprint: Uint8Array, who: string): Uint8Array {
  let token = answer;
  // A TimeStampResp starts SEQUENCE { SEQUENCE { INTEGER …: a ContentInfo starts SEQUENCE { OID.
  const top = parseBer(answer, 'time-stamp');
  if (isTag(top.children[0], 'universal', UNIVERSAL.SEQUENCE)) {
    const resp = parseTimeStampResp(answer);
    if (resp.token === undefined || (resp.status !== PKI_STATUS.granted && resp.status !== PKI_STATUS.grantedWithMods)) {
      const why = [...resp.statusStrings, ...(resp.failInfo.length > 0 ? [`failInfo ${resp.failInfo.join(', ')}`] : [])].join(', ');
      throw new ScelleError('TIMESTAMP_REJECTED', `the TSA refused to time-stamp ${who}: status ${resp.status}${why === '' ? '' : ` (${why})`}`);
    }
    token = resp.token;
  }
  const tst = parseTimeStampToken(token).tstInfo;
  if (tst.hash !== hash || !bytesEqual(tst.imprint, imprint)) {
    throw new ScelleError('TIMESTAMP_IMPRINT_MISMATCH', `the TSA returned a time-stamp over other data than ${who}'s signature value: it is not added`);
  }
  return token.slice();
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
 * The token is not verified against trust anchors here (that needs the caller's trust store):
 * verify with {@link verifySignatureTimestamps}.
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
    const token = tokenOf(await getToken(hash, imprint), hash, imprint, who);
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

// ------------------------------------------------------------------------------ verification

/**
 * One signer's signature value and time-stamp token(s). A {@link SignerVerdict} from
 * `verifySignature` fits (its `signatureValue` and `timestampToken`).
 */
export interface SignerTimestampSource {
  /** Human form of the signer identifier, for messages. */
  sid?: string;
  /** The SignerInfo's signature value (OCTET STRING contents). */
  signatureValue: Uint8Array;
  /** One signature time-stamp token (ContentInfo DER). */
  timestampToken?: Uint8Array;
  /** Every signature time-stamp token, when there are several. */
  timestampTokens?: Uint8Array[];
}

/** Options of {@link verifySignatureTimestamps}: those of a token, without `expected` and `nonce`. */
export type VerifySignatureTimestampsOptions = Omit<VerifyTimestampOptions, 'expected' | 'nonce'>;

/** The verdict on one signer's signature time-stamps. */
export interface SignerTimestampVerdict {
  /** The signer, as {@link SignerTimestampSource.sid} or `signer #n`. */
  sid: string;
  /** True when the signer carries at least one signature time-stamp. */
  present: boolean;
  /** True when present and every time-stamp is valid. */
  ok: boolean;
  /** The first failing time-stamp's code. */
  code?: ErrorCode;
  /**
   * The earliest genTime among the valid time-stamps: the time the signature is proven to have
   * existed, at which its certificate chain should be validated.
   */
  genTime?: Date;
  /** One verdict per token, in order. */
  timestamps: TimestampVerdict[];
}

/**
 * Verifies the signature time-stamps (CAdES-T, ETSI EN 319 122-1 §5.3) of every signer, strictly
 * ({@link verifyTimestampToken}): each token's imprint must be the hash of *that* signer's
 * signature value (TIMESTAMP_IMPRINT_MISMATCH otherwise), and its TSA must chain to the trust
 * anchors at genTime. A token that cannot be decoded gives a TIMESTAMP_INVALID verdict (never a throw).
 *
 * @param input - the signature (DER/BER/PEM, up to {@link MAX_CADES_T_SIGNATURE}; every
 *   id-aa-signatureTimeStampToken value is checked), or signer verdicts from `verifySignature`.
 * @throws ScelleError MALFORMED_ASN1 / MALFORMED_PEM / UNSUPPORTED_FORMAT for a signature that is
 *   not a CMS SignedData.
 */
export async function verifySignatureTimestamps(
  input: Uint8Array | readonly SignerTimestampSource[],
  options: VerifySignatureTimestampsOptions,
): Promise<SignerTimestampVerdict[]> {
  const sources = input instanceof Uint8Array ? signerSources(input) : input;
  const out: SignerTimestampVerdict[] = [];
  for (const [i, s] of sources.entries()) {
    const tokens = s.timestampTokens ?? (s.timestampToken !== undefined ? [s.timestampToken] : []);
    const timestamps: TimestampVerdict[] = [];
    for (const token of tokens) timestamps.push(await verifyOneSignatureTimestamp(token, s.signatureValue, options));
    const failing = timestamps.find((t) => !t.ok);
    const valid = timestamps.filter((t) => t.ok && t.genTime !== undefined).map((t) => t.genTime!.getTime());
    const v: SignerTimestampVerdict = { sid: s.sid ?? `signer #${i + 1}`, present: tokens.length > 0, ok: tokens.length > 0 && failing === undefined, timestamps };
    if (failing?.code !== undefined) v.code = failing.code;
    if (valid.length > 0) v.genTime = new Date(Math.min(...valid));
    out.push(v);
  }
  return out;
}

async function verifyOneSignatureTimestamp(token: Uint8Array, signatureValue: Uint8Array, options: VerifySignatureTimestampsOptions): Promise<TimestampVerdict> {
  let hash: TimestampHash = 'sha256';
  try {
    const h = parseTimeStampToken(token).tstInfo.hash;
    // Hash the signature value the way the token did; a SHA-1/MD5 token is judged against SHA-256
    // and so fails with TIMESTAMP_IMPRINT_MISMATCH, naming its hash.
    if (isTspHash(h)) hash = h;
    const imprint = new Uint8Array(crypto.createHash(hash).update(signatureValue).digest());
    return await verifyTimestampToken(token, { ...options, expected: { hash, imprint } });
  } catch (e) {
    if (!(e instanceof ScelleError) || (e.code !== 'MALFORMED_ASN1' && e.code !== 'TIMESTAMP_INVALID')) throw e;
    const problem: TimestampProblem = { code: 'TIMESTAMP_INVALID', message: `the signature time-stamp token cannot be read: ${e.message}` };
    return { ok: false, code: problem.code, problems: [problem], status: PKI_STATUS.granted, token };
  }
}

/** Every SignerInfo's signature value and id-aa-signatureTimeStampToken values. */
function signerSources(signature: Uint8Array): SignerTimestampSource[] {
  const der = looksLikePem(signature) ? pemSignature(signature) : signature;
  return layoutOf(der).signerInfos.map((node) => {
    const info = parseSignerInfo(node);
    const tokens = info.unsignedAttrs === undefined
      ? []
      : parseAttributes(info.unsignedAttrs, `unsigned attributes of ${sidText(info.sid)}`)
        .filter((a) => a.oid === CMS_OID.timeStampToken)
        .flatMap((a) => a.values.map((v) => rawBytes(v).slice()));
    return { sid: sidText(info.sid), signatureValue: info.signature.slice(), timestampTokens: tokens };
  });
}

function pemSignature(bytes: Uint8Array): Uint8Array {
  const blocks = parsePem(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  const block = blocks.find((b) => PEM_LABELS.includes(b.label));
  if (block === undefined) throw new ScelleError('UNSUPPORTED_FORMAT', `the PEM input has no CMS or PKCS7 block (found: ${blocks.map((b) => b.label).join(', ') || 'none'})`);
  return block.der;
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
  const upgraded = await addSignatureTimestamp(der, getToken, options.hash === undefined ? {} : { hash: options.hash });
  const out: Uint8Array | string = pem ? formatPem('CMS', upgraded) : upgraded;
  const outPath = options.outPath ?? path;
  await writeFileAtomic(outPath, out);
  return { outPath, signers: layoutOf(upgraded).signerInfos.length, bytes: typeof out === 'string' ? Buffer.byteLength(out) : out.length };
}
