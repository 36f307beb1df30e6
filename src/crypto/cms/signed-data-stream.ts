/**
 * Reading a CMS SignedData of any size as a stream (RFC 5652 §5): the attached eContent (or the
 * detached content the caller gives) goes through native `crypto.createHash` for every announced
 * digest while only the certificates, revocation data and SignerInfos are held in memory.
 *
 * - RFC 5652 §5.4: the message digest is over the eContent value octets (for a constructed OCTET
 *   STRING, the concatenation of its segments' contents).
 * - RFC 5652 §2: BER is accepted (indefinite lengths, constructed OCTET STRINGs, as
 *   `openssl cms -stream` writes them); anything truncated or with trailing bytes is MALFORMED_ASN1.
 * - PEM (`CMS`, `PKCS7`, `PKCS #7 SIGNED DATA`, gpgsm's `SIGNED MESSAGE`) is decoded in memory.
 *
 * What the SignerInfos are worth is decided by the validation engine (`src/validation/`).
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../../errors.js';
import { readFileChunks } from '../../io/file-chunks.js';
import { BerStreamReader, UNIVERSAL, childrenOf, concat, decodeOid, isTag } from '../asn1/ber.js';
import { readAlgorithm } from '../asn1/values.js';
import { looksLikePem, parsePem } from '../pem.js';
import type { X509Cert } from '../x509/certificate.js';
import { CMS_OID } from './oids.js';
import { DIGESTS, parseCertificateDers, parseSignerInfo, splitRevocationInfo, type SignerInfo } from './signed-data.js';

/** Largest PEM-armoured signature decoded in memory. */
export const MAX_PEM_SIGNATURE = 512 * 1024 * 1024;
/** Largest certificate set, revocation set or SignerInfo set accepted (they are held in memory). */
const MAX_SMALL_PART = 64 * 1024 * 1024;
/** Content kept in memory for signers without signed attributes whose algorithm needs the message itself. */
const RETAIN_CONTENT = 16 * 1024 * 1024;
/** Elements the SignerInfos may hold (their unsigned attributes carry time-stamp tokens, not CRLs). */
const MAX_PART_NODES = 200_000;

/** Where the content comes from. */
export interface SignedDataContentOptions {
  /** Detached content. Must be absent when the content is attached. */
  content?: AsyncIterable<Uint8Array>;
  /** Called (once) only when the signature turns out to be detached; `content` wins. */
  detachedContent?: () => AsyncIterable<Uint8Array>;
}

/** A SignedData read from a stream, its content digested. */
export interface StreamedSignedData {
  /** True when the content was not in the signature. */
  detached: boolean;
  eContentType: string;
  certificates: X509Cert[];
  /** DER of each CRL of the `crls` field. */
  crls: Uint8Array[];
  /** DER of each OCSP response of the `crls` field (RFC 5940). */
  ocspResponses: Uint8Array[];
  signerInfos: SignerInfo[];
  /** Digests of the content by digest OID. */
  contentDigests: Map<string, Uint8Array>;
  /** The content when it is at most 16 MiB (needed only by signers without signed attributes). */
  content: Uint8Array | undefined;
  /** Each CertificateChoices of the `certificates` field exactly as encoded (an archive-time-stamp-v3 index names them). */
  certificateChoices?: Uint8Array[];
  /** Each RevocationInfoChoice of the `crls` field exactly as encoded. */
  revocationChoices?: Uint8Array[];
}

const malformed = (message: string, cause?: unknown): ScelleError => new ScelleError('MALFORMED_ASN1', message, cause === undefined ? {} : { cause });

/** PEM labels of CMS: RFC 7468 §9 `CMS`, OpenSSL's `PKCS7`, gpgsm --armor's `SIGNED MESSAGE`. */
const PEM_LABELS = ['CMS', 'PKCS7', 'PKCS #7 SIGNED DATA', 'SIGNED MESSAGE'];

/**
 * The DER of a PEM-armoured CMS structure.
 * @throws ScelleError UNSUPPORTED_FORMAT when no CMS block is there, MALFORMED_PEM.
 */
export function pemSignature(bytes: Uint8Array): Uint8Array {
  const blocks = parsePem(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  const block = blocks.find((b) => PEM_LABELS.includes(b.label));
  if (block === undefined) {
    throw new ScelleError('UNSUPPORTED_FORMAT', `the PEM input has no CMS or PKCS7 block (found: ${blocks.map((b) => b.label).join(', ') || 'none'})`);
  }
  return block.der;
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Turns a foreign stream failure into IO_ERROR (ScelleErrors pass through). */
export async function* guardSource(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  for (;;) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await it.next();
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw new ScelleError('IO_ERROR', `reading ${what} failed: ${(e as Error).message}`, { cause: e });
    }
    if (r.done === true) return;
    yield r.value;
  }
}

/** Hashes content with several digests at once, keeping a bounded copy for message-based checks. */
class ContentDigester {
  readonly hashes = new Map<string, crypto.Hash>();
  #kept: Uint8Array[] | undefined = [];
  #keptBytes = 0;

  constructor(digestOids: Iterable<string>) {
    for (const oid of digestOids) {
      const d = DIGESTS[oid];
      if (d !== undefined && !this.hashes.has(oid)) this.hashes.set(oid, crypto.createHash(d.node));
    }
  }

  update = (chunk: Uint8Array): void => {
    for (const h of this.hashes.values()) h.update(chunk);
    if (this.#kept !== undefined) {
      this.#keptBytes += chunk.length;
      if (this.#keptBytes > RETAIN_CONTENT) this.#kept = undefined;
      else this.#kept.push(chunk.slice());
    }
  };

  finish(): { digests: Map<string, Uint8Array>; content: Uint8Array | undefined } {
    const digests = new Map<string, Uint8Array>();
    for (const [oid, h] of this.hashes) digests.set(oid, new Uint8Array(h.digest()));
    return { digests, content: this.#kept === undefined ? undefined : concat(this.#kept) };
  }
}

/**
 * Reads a DER/BER ContentInfo(SignedData) arriving as chunks (PEM is not accepted here).
 * @throws ScelleError MALFORMED_ASN1 (not well-formed, truncated, trailing bytes), UNSUPPORTED_FORMAT
 *   (not SignedData, or no SignerInfo), CONTENT_REQUIRED (detached and no content given), USAGE
 *   (content given for an attached signature), IO_ERROR.
 */
export async function readSignedDataStream(source: AsyncIterable<Uint8Array>, options: SignedDataContentOptions = {}): Promise<StreamedSignedData> {
  try {
    return await readCore(new BerStreamReader(guardSource(source, 'the signature'), 'CMS signature'), options);
  } catch (e) {
    if (e instanceof ScelleError) throw e;
    throw malformed(`the CMS signature could not be decoded: ${(e as Error).message}`, e);
  }
}

/** {@link readSignedDataStream} for a signature in memory: DER, BER or PEM. */
export async function readSignedData(signature: Uint8Array, options: SignedDataContentOptions = {}): Promise<StreamedSignedData> {
  let der = signature;
  if (looksLikePem(signature)) {
    if (signature.length > MAX_PEM_SIGNATURE) throw new ScelleError('UNSUPPORTED_FORMAT', 'PEM signature larger than 512 MiB: convert it to DER to verify it as a stream');
    der = pemSignature(signature);
  }
  return readSignedDataStream(oneChunk(der), options);
}

/**
 * {@link readSignedDataStream} for a file: DER/BER streamed (memory does not grow with an attached
 * content's size), PEM decoded in memory (up to 512 MiB).
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, and what {@link readSignedDataStream} throws.
 */
export async function readSignedDataFile(path: string, options: SignedDataContentOptions = {}): Promise<StreamedSignedData> {
  const chunks = readFileChunks(path);
  const first = await chunks.next();
  if (first.done === true) throw new ScelleError('MALFORMED_ASN1', `${path} is empty, not a CMS signature`, { params: { file: path } });
  if (looksLikePem(first.value)) {
    const parts = [first.value];
    let total = first.value.length;
    for await (const c of chunks) {
      total += c.length;
      if (total > MAX_PEM_SIGNATURE) throw new ScelleError('UNSUPPORTED_FORMAT', `${path}: PEM signature larger than 512 MiB: convert it to DER to verify it as a stream`);
      parts.push(c);
    }
    return readSignedData(concat(parts), options);
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield first.value as Uint8Array;
    yield* chunks;
  }
  return readSignedDataStream(rest(), options);
}

async function readCore(r: BerStreamReader, options: SignedDataContentOptions): Promise<StreamedSignedData> {
  // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY } (RFC 5652 §3)
  const ci = await r.readHeader('a ContentInfo');
  if (!isTag(ci, 'universal', UNIVERSAL.SEQUENCE) || !ci.constructed) throw malformed('not a CMS ContentInfo: the input does not start with a SEQUENCE');
  const ciEnd = r.endOf(ci);
  const ciType = decodeOid(await r.readElement('ContentInfo contentType', 1024), 'ContentInfo contentType');
  if (ciType !== CMS_OID.signedData) throw new ScelleError('UNSUPPORTED_FORMAT', `the CMS content is ${ciType}, not SignedData (${CMS_OID.signedData})`);
  const explicit = await r.readHeader('the ContentInfo content');
  if (!isTag(explicit, 'context', 0) || !explicit.constructed) throw malformed('ContentInfo content is not [0] EXPLICIT');
  const explicitEnd = r.endOf(explicit);
  // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos } (§5.1)
  const sd = await r.readHeader('SignedData');
  if (!isTag(sd, 'universal', UNIVERSAL.SEQUENCE) || !sd.constructed) throw malformed('SignedData is not a SEQUENCE');
  const sdEnd = r.endOf(sd);
  const version = await r.readElement('SignedData version', 64);
  if (!isTag(version, 'universal', UNIVERSAL.INTEGER)) throw malformed('SignedData version is not an INTEGER');
  const digestAlgs = await r.readElement('SignedData digestAlgorithms', 1024 * 1024);
  if (!isTag(digestAlgs, 'universal', UNIVERSAL.SET)) throw malformed('SignedData digestAlgorithms is not a SET');
  const announced = digestAlgs.children.map((a) => readAlgorithm(a, 'SignedData digestAlgorithms').oid);

  // EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL } (§5.2)
  const encap = await r.readHeader('EncapsulatedContentInfo');
  if (!isTag(encap, 'universal', UNIVERSAL.SEQUENCE) || !encap.constructed) throw malformed('EncapsulatedContentInfo is not a SEQUENCE');
  const encapEnd = r.endOf(encap);
  const eContentType = decodeOid(await r.readElement('eContentType', 1024), 'eContentType');
  let attached: ContentDigester | undefined;
  if (!(await r.atEnd(encapEnd))) {
    const e0 = await r.readHeader('eContent');
    if (!isTag(e0, 'context', 0) || !e0.constructed) throw malformed('eContent is not [0] EXPLICIT');
    const e0End = r.endOf(e0);
    const os = await r.readHeader('the eContent OCTET STRING');
    if (!isTag(os, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed('eContent is not an OCTET STRING');
    if (options.content !== undefined) throw new ScelleError('USAGE', 'the signature already contains its content (attached); do not give a separate content file');
    attached = new ContentDigester(announced);
    await r.pipeOctetString(os, attached.update);
    await r.expectEnd(e0End, 'eContent');
    await r.expectEnd(encapEnd, 'EncapsulatedContentInfo');
  }

  // Certificates and revocation data are read as bytes and split by headers: a large CRL inside a
  // signature is indexed by the CRL parser, never turned into a tree here.
  let certificateDers: Uint8Array[] = [];
  let revocationDers: Uint8Array[] = [];
  let next = await r.peekHeader();
  if (next !== undefined && isTag(next, 'context', 0)) {
    certificateDers = childrenOf(await r.readRawElement('SignedData certificates', MAX_SMALL_PART), 'SignedData certificates');
    next = await r.peekHeader();
  }
  if (next !== undefined && isTag(next, 'context', 1)) {
    revocationDers = childrenOf(await r.readRawElement('SignedData crls', MAX_SMALL_PART), 'SignedData crls');
    next = await r.peekHeader();
  }
  const signerInfos = await r.readElement('SignedData signerInfos', MAX_SMALL_PART, { maxNodes: MAX_PART_NODES });
  if (!isTag(signerInfos, 'universal', UNIVERSAL.SET)) throw malformed('SignedData signerInfos is not a SET');
  await r.expectEnd(sdEnd, 'SignedData');
  await r.expectEnd(explicitEnd, 'the ContentInfo content');
  await r.expectEnd(ciEnd, 'ContentInfo');
  if (!(await r.atEof())) throw malformed('the CMS signature has trailing bytes after its ContentInfo');
  if (signerInfos.children.length === 0) throw new ScelleError('UNSUPPORTED_FORMAT', 'the SignedData has no SignerInfo: it carries certificates only, no signature');

  const infos = signerInfos.children.map((s) => parseSignerInfo(s));
  let digester = attached;
  if (digester === undefined) {
    const source = options.content ?? options.detachedContent?.();
    if (source === undefined) throw new ScelleError('CONTENT_REQUIRED', 'the signature is detached: give the signed content to verify it', { hint: 'pass the signed file as content' });
    digester = new ContentDigester([...announced, ...infos.map((i) => i.digestAlgorithm.oid)]);
    for await (const chunk of guardSource(source, 'the content')) digester.update(chunk);
  }
  const content = digester.finish();
  const revocation = splitRevocationInfo(revocationDers);
  return {
    detached: attached === undefined,
    eContentType,
    certificates: parseCertificateDers(certificateDers),
    crls: revocation.crls,
    ocspResponses: revocation.ocsp,
    signerInfos: infos,
    contentDigests: content.digests,
    content: content.content,
    certificateChoices: certificateDers,
    revocationChoices: revocationDers,
  };
}
