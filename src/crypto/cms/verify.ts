/**
 * Verification of CMS SignedData (RFC 5652 §5) and its CAdES profile (ETSI EN 319 122-1): who
 * signed, when, whether the content is the one signed, and whether the signer's certificate chains
 * to a trusted root at that time.
 *
 * - RFC 5652 §5.4: the message digest is over the eContent value octets (for a constructed OCTET
 *   STRING, the concatenation of its segments' contents); with signed attributes the signature is
 *   over the DER encoding of the SET OF attributes (EXPLICIT SET tag, not the [0] IMPLICIT tag).
 * - RFC 5652 §5.6: message-digest and content-type attributes must match; §11.1–§11.3 single values.
 * - RFC 5035 / RFC 2634 §5.4: ESS signing-certificate(-v2) binds the signer's certificate; ETSI EN
 *   319 122-1 §5.2.2 makes it mandatory for CAdES-B, §5.3 adds the signature time-stamp for
 *   CAdES-T (RFC 3161 Appendix A: its message imprint covers the SignerInfo's signature value).
 *
 * Attached content of any size is streamed through native `crypto.createHash` by a BER walker
 * ({@link BerStreamReader}); only certificates and SignerInfos are held in memory. Signature checks
 * use native `crypto.verify` through `x509/signature.ts`.
 *
 * Not done here: full RFC 3161 verification of the time-stamp token's own signature and TSA
 * certificate (the token's genTime is reported and its imprint checked), counter-signatures.
 */
import * as crypto from 'node:crypto';
import asn1js from '../asn1js-lib.cjs';
import pkijs from '../pkijs-lib.cjs';
import { ScelleError, type ErrorCode } from '../../errors.js';
import { readFileChunks } from '../../io/file-chunks.js';
import { parsePem, looksLikePem } from '../pem.js';
import { bytesEqual, toHex } from '../asn1/asn1js-util.js';
import { X509Cert, formatNameDer, namesMatch, parseCertificateCached } from '../x509/certificate.js';
import type { Crl } from '../x509/crl.js';
import type { Fetcher } from '../x509/fetch.js';
import { checkSignature, describeSignatureAlgorithm } from '../x509/signature.js';
import { verifyCertificateChain, type ChainVerdict } from '../x509/verify-chain.js';
import {
  BerStreamReader,
  UNIVERSAL,
  concat,
  decodeOid,
  encodeDer,
  isTag,
  parseBer,
  rawBytes,
  stringContents,
  type BerNode,
} from '../asn1/ber.js';
import { CMS_OID } from './oids.js';

/** Options of {@link verifySignature}. */
export interface VerifySignatureOptions {
  /** Trusted roots the signer's certificate must chain to. */
  trustAnchors: X509Cert[];
  /** Detached content (streamed through the digest). Must be absent when the content is attached. */
  content?: AsyncIterable<Uint8Array>;
  /**
   * Where the content is when the signature turns out to be detached: called (once) only then, and
   * ignored for an attached signature. Lets a caller that does not know which kind a file is open
   * the content without a second pass over the signature. `content`, when given, wins.
   */
  detachedContent?: () => AsyncIterable<Uint8Array>;
  /** CRLs for revocation checking (offline). */
  crls?: Crl[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  /** HTTP client for `online`. */
  fetcher?: Fetcher;
  /** Certificates to look the signer (and intermediates) up in when the signature lacks them. */
  extraCertificates?: X509Cert[];
  /** Validate the chain at this time instead of the signer's time. */
  at?: Date;
  /** Current time, used when the signature carries neither a time-stamp nor a signing-time. */
  clock?: () => Date;
}

/** One problem found with one signer. */
export interface SignerProblem {
  code: ErrorCode;
  /** English, specific. */
  message: string;
}

/** The verdict on one SignerInfo. */
export interface SignerVerdict {
  ok: boolean;
  /** The first problem's code when not ok. */
  code?: ErrorCode;
  /** Every problem, in the order checked (certificate, content, signature, ESS, time-stamp, chain). */
  problems: SignerProblem[];
  /** The certificate the sid names. */
  signer?: X509Cert;
  /** Human form of the sid: `issuer=…, serial=…` or `subjectKeyIdentifier=…`. */
  sid: string;
  /** The signing-time signed attribute, if any (the signer's claim, not a proof). */
  signingTime?: Date;
  /**
   * Time the chain was checked at: `options.at`, else the time-stamp's genTime when its imprint
   * matches, else signing-time, else `clock()`.
   */
  validatedAt: Date;
  /** Digest algorithm name (`SHA-256`). */
  digestAlgorithm: string;
  /** Effective signature algorithm name (`sha256WithRSAEncryption`, `RSASSA-PSS`, `ecdsa-with-SHA384`…). */
  signatureAlgorithm: string;
  /** Broken digests used (`MD5`, `SHA-1`): reported, not refused, since old signatures use them. */
  weakAlgorithms: string[];
  cades: { signingCertificateV2: boolean; signingCertificateV1: boolean; level: 'CMS' | 'CAdES-B' | 'CAdES-T' };
  /** Path validation of the signer's certificate at `validatedAt`. */
  chain?: ChainVerdict;
  /** The signature time-stamp (unsigned attribute), when present. */
  timestamp?: { genTime: Date; tsa?: string; imprintMatches: boolean };
  /**
   * The SignerInfo's signature value (the contents of its `signature` OCTET STRING): what a
   * signature time-stamp's message imprint covers (RFC 3161 Appendix A).
   */
  signatureValue: Uint8Array;
  /**
   * The signature time-stamp token exactly as encoded in the signature: the TimeStampToken
   * ContentInfo (RFC 3161 §2.4.2) of the first value of the unsigned attribute
   * id-aa-signatureTimeStampToken (1.2.840.113549.1.9.16.2.14), when present — even when it cannot
   * be read. For a strict verification of the token elsewhere.
   */
  timestampToken?: Uint8Array;
}

/** The verdict on a whole SignedData. */
export interface SignatureVerdict {
  /** True when every signer is ok. */
  ok: boolean;
  /** The first failing signer's code. */
  code?: ErrorCode;
  /** True when the content was not in the signature (given by the caller). */
  detached: boolean;
  /** eContentType OID (`1.2.840.113549.1.7.1` for data). */
  contentType: string;
  signers: SignerVerdict[];
  /** Digests of the content, by algorithm name, lowercase hex. */
  contentDigests: Record<string, string>;
}

/** Largest PEM-armoured signature decoded in memory. */
export const MAX_PEM_SIGNATURE = 512 * 1024 * 1024;
/** Largest certificate set or SignerInfo set accepted (they are buffered). */
const MAX_SMALL_PART = 64 * 1024 * 1024;
/** Content kept in memory for signers without signed attributes whose algorithm needs the message itself. */
const RETAIN_CONTENT = 16 * 1024 * 1024;

interface DigestInfo {
  node: string;
  name: string;
  weak: boolean;
}

const DIGESTS: Readonly<Record<string, DigestInfo>> = {
  '1.2.840.113549.2.5': { node: 'md5', name: 'MD5', weak: true },
  '1.3.14.3.2.26': { node: 'sha1', name: 'SHA-1', weak: true },
  '2.16.840.1.101.3.4.2.4': { node: 'sha224', name: 'SHA-224', weak: false },
  '2.16.840.1.101.3.4.2.1': { node: 'sha256', name: 'SHA-256', weak: false },
  '2.16.840.1.101.3.4.2.2': { node: 'sha384', name: 'SHA-384', weak: false },
  '2.16.840.1.101.3.4.2.3': { node: 'sha512', name: 'SHA-512', weak: false },
  '2.16.840.1.101.3.4.2.8': { node: 'sha3-256', name: 'SHA3-256', weak: false },
  '2.16.840.1.101.3.4.2.9': { node: 'sha3-384', name: 'SHA3-384', weak: false },
  '2.16.840.1.101.3.4.2.10': { node: 'sha3-512', name: 'SHA3-512', weak: false },
};
const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const SHA1_OID = '1.3.14.3.2.26';

/** Key-only signature OIDs CMS allows in SignerInfo.signatureAlgorithm, made explicit per digest (RFC 3370 §3.2, RFC 5753 §2.1.1). */
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSA_WITH: Readonly<Record<string, string>> = {
  md5: '1.2.840.113549.1.1.4', sha1: '1.2.840.113549.1.1.5', sha224: '1.2.840.113549.1.1.14',
  sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13',
};
const ECDSA_WITH: Readonly<Record<string, string>> = {
  sha1: '1.2.840.10045.4.1', sha224: '1.2.840.10045.4.3.1', sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4',
};
const HASH_NAME_OF_NODE: Readonly<Record<string, string>> = Object.fromEntries(Object.values(DIGESTS).map((d) => [d.node, d.name]));

const malformed = (message: string, cause?: unknown): ScelleError =>
  new ScelleError('MALFORMED_ASN1', message, cause === undefined ? {} : { cause });

// ------------------------------------------------------------------------------------- entry points

/**
 * Verifies a CMS SignedData held in memory: DER or BER (indefinite lengths, constructed OCTET
 * STRINGs), a bare ContentInfo or a PEM block (`CMS`, `PKCS7`, `PKCS #7 SIGNED DATA`, gpgsm's `SIGNED MESSAGE`). Attached
 * content is streamed through the digest; detached content comes from `options.content`.
 *
 * Never throws for a negative outcome: each signer's verdict carries SIGNER_CERT_MISSING,
 * CONTENT_TAMPERED (attached content changed), CONTENT_MISMATCH (the detached content given is not
 * the one signed), SIGNATURE_INVALID, SIGNING_CERT_MISMATCH, TIMESTAMP_INVALID,
 * UNSUPPORTED_ALGORITHM, or the chain's code (CHAIN_UNTRUSTED, CERT_REVOKED, CERT_EXPIRED, …).
 *
 * @throws ScelleError MALFORMED_ASN1 (not a well-formed ContentInfo, truncated, trailing bytes),
 *   MALFORMED_PEM, UNSUPPORTED_FORMAT (not SignedData, or no SignerInfo), CONTENT_REQUIRED (detached
 *   signature and no `content`), USAGE (`content` given for an attached signature), IO_ERROR (the
 *   content stream failed).
 */
export async function verifySignature(signature: Uint8Array, options: VerifySignatureOptions): Promise<SignatureVerdict> {
  let der = signature;
  if (looksLikePem(signature)) {
    if (signature.length > MAX_PEM_SIGNATURE) throw new ScelleError('UNSUPPORTED_FORMAT', 'PEM signature larger than 512 MiB: convert it to DER to verify it as a stream');
    der = pemSignature(signature);
  }
  return verifySignatureStream(oneChunk(der), options);
}

/**
 * Verifies a CMS SignedData read from a file: DER/BER files are streamed (memory does not grow with
 * an attached content's size); PEM files are decoded in memory (up to 512 MiB).
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, and everything {@link verifySignature} throws.
 */
export async function verifySignatureFile(path: string, options: VerifySignatureOptions): Promise<SignatureVerdict> {
  const chunks = readFileChunks(path);
  const first = await chunks.next();
  if (first.done === true) {
    throw new ScelleError('MALFORMED_ASN1', `${path} is empty, not a CMS signature`, { params: { file: path } });
  }
  if (looksLikePem(first.value)) {
    const parts = [first.value];
    let total = first.value.length;
    for await (const c of chunks) {
      total += c.length;
      if (total > MAX_PEM_SIGNATURE) throw new ScelleError('UNSUPPORTED_FORMAT', `${path}: PEM signature larger than 512 MiB: convert it to DER to verify it as a stream`);
      parts.push(c);
    }
    return verifySignature(concat(parts), options);
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield first.value as Uint8Array;
    yield* chunks;
  }
  return verifySignatureStream(rest(), options);
}

/**
 * Verifies a DER/BER ContentInfo(SignedData) arriving as a stream of chunks (PEM is not accepted
 * here). Same verdicts and errors as {@link verifySignature}.
 */
export async function verifySignatureStream(source: AsyncIterable<Uint8Array>, options: VerifySignatureOptions): Promise<SignatureVerdict> {
  try {
    return await verifyCore(new BerStreamReader(guardSource(source, 'the signature'), 'CMS signature'), options);
  } catch (e) {
    if (e instanceof ScelleError) throw e;
    throw malformed(`the CMS signature could not be decoded: ${(e as Error).message}`, e);
  }
}

/** PEM labels of CMS: RFC 7468 §9 `CMS`, OpenSSL's `PKCS7`, gpgsm --armor's `SIGNED MESSAGE`. */
const PEM_LABELS = ['CMS', 'PKCS7', 'PKCS #7 SIGNED DATA', 'SIGNED MESSAGE'];

function pemSignature(bytes: Uint8Array): Uint8Array {
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
async function* guardSource(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
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

// ------------------------------------------------------------------------------------------ walker

/** Hashes content with several digests at once, keeping a bounded copy for message-based checks. */
class ContentDigester {
  readonly hashes = new Map<string, crypto.Hash>();
  #kept: Uint8Array[] | undefined = [];
  #keptBytes = 0;
  length = 0;

  constructor(digestOids: Iterable<string>) {
    for (const oid of digestOids) {
      const d = DIGESTS[oid];
      if (d !== undefined && !this.hashes.has(oid)) this.hashes.set(oid, crypto.createHash(d.node));
    }
  }

  update = (chunk: Uint8Array): void => {
    for (const h of this.hashes.values()) h.update(chunk);
    this.length += chunk.length;
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

async function verifyCore(r: BerStreamReader, options: VerifySignatureOptions): Promise<SignatureVerdict> {
  // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY } (RFC 5652 §3)
  const ci = await r.readHeader('a ContentInfo');
  if (!isTag(ci, 'universal', UNIVERSAL.SEQUENCE) || !ci.constructed) {
    throw malformed('not a CMS ContentInfo: the input does not start with a SEQUENCE');
  }
  const ciEnd = r.endOf(ci);
  const ciType = decodeOid(await r.readElement('ContentInfo contentType', 1024), 'ContentInfo contentType');
  if (ciType !== CMS_OID.signedData) {
    throw new ScelleError('UNSUPPORTED_FORMAT', `the CMS content is ${ciType}, not SignedData (${CMS_OID.signedData})`);
  }
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
  const announced = digestAlgs.children.map((a) => algorithmOf(a, 'SignedData digestAlgorithms').oid);

  // EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL } (§5.2)
  const encap = await r.readHeader('EncapsulatedContentInfo');
  if (!isTag(encap, 'universal', UNIVERSAL.SEQUENCE) || !encap.constructed) throw malformed('EncapsulatedContentInfo is not a SEQUENCE');
  const encapEnd = r.endOf(encap);
  const contentType = decodeOid(await r.readElement('eContentType', 1024), 'eContentType');
  let attached: ContentDigester | undefined;
  if (!(await r.atEnd(encapEnd))) {
    const e0 = await r.readHeader('eContent');
    if (!isTag(e0, 'context', 0) || !e0.constructed) throw malformed('eContent is not [0] EXPLICIT');
    const e0End = r.endOf(e0);
    const os = await r.readHeader('the eContent OCTET STRING');
    if (!isTag(os, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed('eContent is not an OCTET STRING');
    if (options.content !== undefined) {
      throw new ScelleError('USAGE', 'the signature already contains its content (attached); do not give a separate content file');
    }
    attached = new ContentDigester(announced);
    await r.pipeOctetString(os, attached.update);
    await r.expectEnd(e0End, 'eContent');
    await r.expectEnd(encapEnd, 'EncapsulatedContentInfo');
  }

  let certificateSet: BerNode | undefined;
  let next = await r.peekHeader();
  if (next !== undefined && isTag(next, 'context', 0)) {
    certificateSet = await r.readElement('SignedData certificates', MAX_SMALL_PART);
    next = await r.peekHeader();
  }
  if (next !== undefined && isTag(next, 'context', 1)) {
    await r.readElement('SignedData crls', MAX_SMALL_PART); // revocation data comes from options.crls / online
    next = await r.peekHeader();
  }
  const signerInfos = await r.readElement('SignedData signerInfos', MAX_SMALL_PART);
  if (!isTag(signerInfos, 'universal', UNIVERSAL.SET)) throw malformed('SignedData signerInfos is not a SET');
  await r.expectEnd(sdEnd, 'SignedData');
  await r.expectEnd(explicitEnd, 'the ContentInfo content');
  await r.expectEnd(ciEnd, 'ContentInfo');
  if (!(await r.atEof())) throw malformed('the CMS signature has trailing bytes after its ContentInfo');
  if (signerInfos.children.length === 0) {
    throw new ScelleError('UNSUPPORTED_FORMAT', 'the SignedData has no SignerInfo: it carries certificates only, no signature');
  }

  const embedded = parseCertificateSet(certificateSet);
  const infos = signerInfos.children.map(parseSignerInfo);

  let digester = attached;
  if (digester === undefined) {
    const source = options.content ?? options.detachedContent?.();
    if (source === undefined) {
      throw new ScelleError('CONTENT_REQUIRED', 'the signature is detached: give the signed content to verify it', {
        hint: 'pass the signed file as content',
      });
    }
    digester = new ContentDigester([...announced, ...infos.map((i) => i.digestOid)]);
    for await (const chunk of guardSource(source, 'the content')) digester.update(chunk);
  }
  const content = digester.finish();
  const contentDigests: Record<string, string> = {};
  for (const [oid, d] of content.digests) contentDigests[DIGESTS[oid]!.name] = Buffer.from(d).toString('hex');

  const context: SignerContext = {
    options,
    detached: attached === undefined,
    contentType,
    content,
    embedded,
    intermediates: [...embedded, ...(options.extraCertificates ?? [])],
  };
  const signers: SignerVerdict[] = [];
  for (const info of infos) signers.push(await verifySigner(info, context));
  const failing = signers.find((s) => !s.ok);
  const verdict: SignatureVerdict = { ok: failing === undefined, detached: context.detached, contentType, signers, contentDigests };
  if (failing?.code !== undefined) verdict.code = failing.code;
  return verdict;
}

// ---------------------------------------------------------------------------------- SignerInfo

interface Algorithm {
  oid: string;
  node: BerNode;
}

interface ParsedSignerInfo {
  sid: { kind: 'issuerSerial'; issuer: Uint8Array; serialHex: string } | { kind: 'ski'; ski: Uint8Array };
  digestOid: string;
  signedAttrs: BerNode | undefined;
  signatureAlg: Algorithm;
  signature: Uint8Array;
  unsignedAttrs: BerNode | undefined;
}

interface SignerContext {
  options: VerifySignatureOptions;
  detached: boolean;
  contentType: string;
  content: { digests: Map<string, Uint8Array>; content: Uint8Array | undefined };
  embedded: X509Cert[];
  intermediates: X509Cert[];
}

function algorithmOf(node: BerNode | undefined, what: string): Algorithm {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.SEQUENCE) || node.children.length === 0) {
    throw malformed(`${what}: expected an AlgorithmIdentifier`);
  }
  return { oid: decodeOid(node.children[0], what), node };
}

function integerHex(node: BerNode | undefined, what: string): string {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.INTEGER) || node.constructed || node.contentEnd === node.contentStart) {
    throw malformed(`${what}: expected an INTEGER`);
  }
  let hex = toHex(node.buffer.subarray(node.contentStart, node.contentEnd));
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

function octets(node: BerNode | undefined, what: string): Uint8Array {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed(`${what}: expected an OCTET STRING`);
  return stringContents(node, what);
}

/** SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs } (§5.3) */
function parseSignerInfo(node: BerNode): ParsedSignerInfo {
  const what = 'SignerInfo';
  if (!isTag(node, 'universal', UNIVERSAL.SEQUENCE)) throw malformed(`${what} is not a SEQUENCE`);
  const c = node.children;
  let i = 0;
  integerHex(c[i++], `${what} version`);
  const sidNode = c[i++];
  let sid: ParsedSignerInfo['sid'];
  if (sidNode !== undefined && isTag(sidNode, 'universal', UNIVERSAL.SEQUENCE)) {
    const issuer = sidNode.children[0];
    if (issuer === undefined || !isTag(issuer, 'universal', UNIVERSAL.SEQUENCE)) throw malformed(`${what} issuerAndSerialNumber has no issuer Name`);
    sid = { kind: 'issuerSerial', issuer: encodeDer(issuer), serialHex: integerHex(sidNode.children[1], `${what} serialNumber`) };
  } else if (sidNode !== undefined && isTag(sidNode, 'context', 0)) {
    sid = { kind: 'ski', ski: stringContents(sidNode, `${what} subjectKeyIdentifier`) };
  } else {
    throw malformed(`${what}: sid is neither issuerAndSerialNumber nor [0] subjectKeyIdentifier`);
  }
  const digestOid = algorithmOf(c[i++], `${what} digestAlgorithm`).oid;
  let signedAttrs: BerNode | undefined;
  if (c[i] !== undefined && isTag(c[i], 'context', 0)) signedAttrs = c[i++];
  const signatureAlg = algorithmOf(c[i++], `${what} signatureAlgorithm`);
  const signature = octets(c[i++], `${what} signature`);
  let unsignedAttrs: BerNode | undefined;
  if (c[i] !== undefined && isTag(c[i], 'context', 1)) unsignedAttrs = c[i++];
  if (i !== c.length) throw malformed(`${what} has unexpected fields after its signature`);
  if (signedAttrs !== undefined && !signedAttrs.constructed) throw malformed(`${what} signedAttrs is not constructed`);
  return { sid, digestOid, signedAttrs, signatureAlg, signature, unsignedAttrs };
}

function parseCertificateSet(set: BerNode | undefined): X509Cert[] {
  const out: X509Cert[] = [];
  for (const choice of set?.children ?? []) {
    // CertificateChoices: only plain X.509 certificates (SEQUENCE) name signers; attribute and
    // "other" certificates ([1]–[3]) are skipped.
    if (!isTag(choice, 'universal', UNIVERSAL.SEQUENCE)) continue;
    try {
      out.push(parseCertificateCached(rawBytes(choice)));
    } catch {
      // An undecodable extra certificate must not hide a valid signer; if it was the signer's,
      // SIGNER_CERT_MISSING says so.
    }
  }
  return out;
}

interface Attribute {
  oid: string;
  values: BerNode[];
}

function parseAttributes(node: BerNode, what: string): Attribute[] {
  return node.children.map((a) => {
    if (!isTag(a, 'universal', UNIVERSAL.SEQUENCE) || a.children.length !== 2) throw malformed(`${what}: an Attribute is not SEQUENCE { type, values }`);
    const values = a.children[1]!;
    if (!isTag(values, 'universal', UNIVERSAL.SET)) throw malformed(`${what}: attribute values are not a SET`);
    return { oid: decodeOid(a.children[0], `${what} attribute type`), values: values.children };
  });
}

function sidText(sid: ParsedSignerInfo['sid']): string {
  if (sid.kind === 'ski') return `subjectKeyIdentifier=${toHex(sid.ski, ':')}`;
  let issuer: string;
  try {
    issuer = formatNameDer(sid.issuer);
  } catch {
    issuer = `#${toHex(sid.issuer)}`;
  }
  return `issuer=${issuer}, serial=${sid.serialHex}`;
}

function findSigner(sid: ParsedSignerInfo['sid'], candidates: X509Cert[]): X509Cert | undefined {
  return candidates.find((cert) => {
    if (sid.kind === 'ski') return cert.subjectKeyIdentifier !== undefined && bytesEqual(cert.subjectKeyIdentifier, sid.ski);
    if (cert.serialNumberHex !== sid.serialHex) return false;
    try {
      return namesMatch(cert.issuerDer, sid.issuer);
    } catch {
      return false;
    }
  });
}

/** The algorithm to check with: key-only OIDs (rsaEncryption, id-ecPublicKey) combined with the digest. */
function effectiveSignatureAlgorithm(alg: Algorithm, digest: DigestInfo | undefined): pkijs.AlgorithmIdentifier {
  if (alg.oid === RSA_ENCRYPTION && digest !== undefined && RSA_WITH[digest.node] !== undefined) {
    return new pkijs.AlgorithmIdentifier({ algorithmId: RSA_WITH[digest.node]!, algorithmParams: new asn1js.Null() });
  }
  if (alg.oid === EC_PUBLIC_KEY && digest !== undefined && ECDSA_WITH[digest.node] !== undefined) {
    return new pkijs.AlgorithmIdentifier({ algorithmId: ECDSA_WITH[digest.node]! });
  }
  const parsed = asn1js.fromBER(encodeDer(alg.node));
  if (parsed.offset === -1) throw malformed('SignerInfo signatureAlgorithm cannot be decoded');
  return new pkijs.AlgorithmIdentifier({ schema: parsed.result });
}

async function verifySigner(info: ParsedSignerInfo, ctx: SignerContext): Promise<SignerVerdict> {
  const problems: SignerProblem[] = [];
  const add = (code: ErrorCode, message: string): void => {
    problems.push({ code, message });
  };
  const { options } = ctx;
  const digest = DIGESTS[info.digestOid];
  const sigAlg = effectiveSignatureAlgorithm(info.signatureAlg, digest);
  const sigInfo = describeSignatureAlgorithm(sigAlg);
  const weak = new Set<string>();
  if (digest?.weak === true) weak.add(digest.name);
  if (sigInfo.hash === 'md5' || sigInfo.hash === 'sha1') weak.add(HASH_NAME_OF_NODE[sigInfo.hash]!);

  const signer = findSigner(info.sid, [...ctx.embedded, ...(options.extraCertificates ?? [])]);
  const sid = sidText(info.sid);
  if (signer === undefined) {
    add('SIGNER_CERT_MISSING', `the certificate of signer ${sid} is neither in the signature nor among the certificates given`);
  }

  // The content digest this signer needs.
  let contentDigest: Uint8Array | undefined;
  if (digest === undefined) {
    add('UNSUPPORTED_ALGORITHM', `signer ${sid} uses an unsupported digest algorithm ${info.digestOid}`);
  } else {
    contentDigest = ctx.content.digests.get(info.digestOid);
    if (contentDigest === undefined && ctx.content.content !== undefined) {
      contentDigest = new Uint8Array(crypto.createHash(digest.node).update(ctx.content.content).digest());
    }
    if (contentDigest === undefined) {
      add('UNSUPPORTED_ALGORITHM', `signer ${sid} uses ${digest.name}, which SignedData.digestAlgorithms does not announce (RFC 5652 §5.1), and the content was too large to digest again`);
    }
  }

  let signingTime: Date | undefined;
  let essV1 = false;
  let essV2 = false;
  if (info.signedAttrs !== undefined) {
    const attrs = parseAttributes(info.signedAttrs, `signed attributes of ${sid}`);
    const single = (oid: string, name: string): BerNode | undefined => {
      const found = attrs.filter((a) => a.oid === oid);
      if (found.length === 0) return undefined;
      if (found.length > 1 || found[0]!.values.length !== 1) {
        add('SIGNATURE_INVALID', `signer ${sid}: the ${name} attribute must appear once with one value (RFC 5652 §11)`);
        return undefined;
      }
      return found[0]!.values[0];
    };
    const ct = single(CMS_OID.contentType, 'content-type');
    const md = single(CMS_OID.messageDigest, 'message-digest');
    const st = single(CMS_OID.signingTime, 'signing-time');
    if (ct === undefined) {
      add('SIGNATURE_INVALID', `signer ${sid}: signed attributes without a content-type attribute (RFC 5652 §5.3)`);
    } else if (decodeOid(ct, 'content-type attribute') !== ctx.contentType) {
      add('SIGNATURE_INVALID', `signer ${sid}: the content-type attribute (${decodeOid(ct, 'content-type attribute')}) is not the eContentType ${ctx.contentType} (RFC 5652 §11.1)`);
    }
    if (md === undefined) {
      add('SIGNATURE_INVALID', `signer ${sid}: signed attributes without a message-digest attribute (RFC 5652 §5.3)`);
    } else if (contentDigest !== undefined && !bytesEqual(octets(md, 'message-digest attribute'), contentDigest)) {
      if (ctx.detached) {
        add('CONTENT_MISMATCH', `signer ${sid}: the content given is not the one signed (its ${digest!.name} differs from the message-digest attribute)`);
      } else {
        add('CONTENT_TAMPERED', `signer ${sid}: the content inside the signature was modified after signing (its ${digest!.name} differs from the message-digest attribute)`);
      }
    }
    if (st !== undefined) signingTime = decodeTime(st, 'signing-time attribute');

    if (signer !== undefined) {
      const check = checkSignedAttrs(info, sigAlg, signer);
      if (check !== undefined) add(check.code, `signer ${sid}: ${check.message}`);
    }
    const v2 = attrs.filter((a) => a.oid === CMS_OID.signingCertificateV2);
    const v1 = attrs.filter((a) => a.oid === CMS_OID.signingCertificate);
    essV2 = v2.length > 0;
    essV1 = v1.length > 0;
    if (signer !== undefined) {
      for (const [list, v] of [[v2, 2], [v1, 1]] as const) {
        if (list.length === 0) continue;
        if (list.length > 1 || list[0]!.values.length !== 1) {
          add('SIGNING_CERT_MISMATCH', `signer ${sid}: the signing-certificate${v === 2 ? '-v2' : ''} attribute must appear once with one value (RFC 5035 §5.4)`);
          continue;
        }
        let why: string | undefined;
        try {
          why = checkSigningCertificate(list[0]!.values[0]!, v, signer);
        } catch (e) {
          why = `the signing-certificate${v === 2 ? '-v2' : ''} attribute cannot be decoded (${(e as Error).message})`;
        }
        if (why !== undefined) add('SIGNING_CERT_MISMATCH', `signer ${sid}: ${why}`);
      }
    }
  } else if (signer !== undefined) {
    const why = checkSignatureOverContent(info, sigAlg, signer, contentDigest, ctx.content.content);
    if (why !== undefined) add(why.code, `signer ${sid}: ${why.message}`);
  }

  // CAdES-T: signature time-stamp (unsigned attribute) over the signature value.
  let timestamp: SignerVerdict['timestamp'];
  let timestampToken: Uint8Array | undefined;
  if (info.unsignedAttrs !== undefined) {
    const tokens = parseAttributes(info.unsignedAttrs, `unsigned attributes of ${sid}`).filter((a) => a.oid === CMS_OID.timeStampToken);
    const token = tokens[0]?.values[0];
    if (token !== undefined) {
      timestampToken = rawBytes(token).slice();
      try {
        timestamp = inspectTimestamp(token, info.signature);
        if (!timestamp.imprintMatches) add('TIMESTAMP_INVALID', `signer ${sid}: the time-stamp token does not cover this signature (message imprint differs)`);
      } catch (e) {
        add('TIMESTAMP_INVALID', `signer ${sid}: the time-stamp token cannot be read (${(e as Error).message})`);
      }
    }
  }

  const clock = options.clock ?? ((): Date => new Date());
  const validatedAt = options.at ?? (timestamp?.imprintMatches === true ? timestamp.genTime : undefined) ?? signingTime ?? clock();

  let chain: ChainVerdict | undefined;
  if (signer !== undefined) {
    chain = await verifyCertificateChain(signer, {
      trustAnchors: options.trustAnchors,
      intermediates: ctx.intermediates,
      at: validatedAt,
      purpose: 'sign',
      ...(options.crls !== undefined ? { crls: options.crls } : {}),
      ...(options.online !== undefined ? { online: options.online } : {}),
      ...(options.fetcher !== undefined ? { fetcher: options.fetcher } : {}),
    });
    if (!chain.ok) {
      const first = chain.problems.find((p) => p.code === chain!.code) ?? chain.problems[0];
      add(chain.code ?? 'CHAIN_UNTRUSTED', `signer ${sid}: ${first?.message ?? 'the certificate chain is not valid'} (checked at ${validatedAt.toISOString()})`);
    }
  }

  const level: SignerVerdict['cades']['level'] =
    info.signedAttrs !== undefined && (essV1 || essV2) ? (timestamp !== undefined ? 'CAdES-T' : 'CAdES-B') : 'CMS';
  const verdict: SignerVerdict = {
    ok: problems.length === 0,
    problems,
    sid,
    validatedAt,
    digestAlgorithm: digest?.name ?? info.digestOid,
    signatureAlgorithm: sigInfo.name,
    weakAlgorithms: [...weak],
    cades: { signingCertificateV2: essV2, signingCertificateV1: essV1, level },
    signatureValue: info.signature.slice(),
  };
  if (problems[0] !== undefined) verdict.code = problems[0].code;
  if (signer !== undefined) verdict.signer = signer;
  if (signingTime !== undefined) verdict.signingTime = signingTime;
  if (chain !== undefined) verdict.chain = chain;
  if (timestamp !== undefined) verdict.timestamp = timestamp;
  if (timestampToken !== undefined) verdict.timestampToken = timestampToken;
  return verdict;
}

type Check = { code: ErrorCode; message: string } | undefined;

function fromSignatureCheck(check: ReturnType<typeof checkSignature>, over: string): Check {
  if (check.valid) return undefined;
  if (check.unsupported) return { code: 'UNSUPPORTED_ALGORITHM', message: check.detail };
  return { code: 'SIGNATURE_INVALID', message: `the signature over ${over} is not valid: ${check.detail}` };
}

/**
 * RFC 5652 §5.4: the signature covers the DER of `SET OF Attribute` (tag 0x31). The bytes as sent,
 * retagged, are what every signer signs when it wrote DER; a signer that wrote BER signed (per the
 * RFC) the DER re-encoding, so that is tried when it differs.
 */
function checkSignedAttrs(info: ParsedSignerInfo, alg: pkijs.AlgorithmIdentifier, signer: X509Cert): Check {
  const attrs = info.signedAttrs!;
  const key = signer.publicKey;
  if (attrs.length !== undefined) {
    const raw = rawBytes(attrs).slice();
    raw[0] = 0x31;
    const check = fromSignatureCheck(checkSignature(alg, raw, info.signature, key), 'the signed attributes');
    // The usual case: the bytes as sent verify, and re-encoding them as DER is not needed.
    if (check === undefined) return undefined;
    const der = encodeDer(attrs, { tagClass: 'universal', tagNumber: UNIVERSAL.SET });
    if (bytesEqual(raw, der)) return check;
    return fromSignatureCheck(checkSignature(alg, der, info.signature, key), 'the signed attributes');
  }
  const der = encodeDer(attrs, { tagClass: 'universal', tagNumber: UNIVERSAL.SET });
  return fromSignatureCheck(checkSignature(alg, der, info.signature, key), 'the signed attributes');
}

/** Without signed attributes the signature is over the content itself (RFC 5652 §5.4). */
function checkSignatureOverContent(
  info: ParsedSignerInfo,
  alg: pkijs.AlgorithmIdentifier,
  signer: X509Cert,
  contentDigest: Uint8Array | undefined,
  content: Uint8Array | undefined,
): Check {
  const algInfo = describeSignatureAlgorithm(alg);
  const family = alg.algorithmId in RSA_WITH_REVERSE ? 'rsa' : 'other';
  if (family === 'rsa' && contentDigest !== undefined && algInfo.hash !== undefined && DIGESTS[info.digestOid]?.node === algInfo.hash) {
    // PKCS#1 v1.5 can be checked from the digest alone: recover the DigestInfo (RFC 8017 §8.2.2),
    // so contents of any size need not be kept.
    let recovered: Uint8Array;
    try {
      recovered = new Uint8Array(crypto.publicDecrypt({ key: signer.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, info.signature));
    } catch {
      return { code: 'SIGNATURE_INVALID', message: 'the signature over the content is not valid (RSA PKCS#1 v1.5 padding check failed)' };
    }
    const withNull = digestInfo(info.digestOid, contentDigest, true);
    const withoutNull = digestInfo(info.digestOid, contentDigest, false);
    if (bytesEqual(recovered, withNull) || bytesEqual(recovered, withoutNull)) return undefined;
    return { code: 'SIGNATURE_INVALID', message: 'the signature over the content is not valid: it signs another digest' };
  }
  if (content === undefined) {
    return { code: 'UNSUPPORTED_ALGORITHM', message: `${algInfo.name} without signed attributes over content larger than ${RETAIN_CONTENT} bytes is not supported` };
  }
  return fromSignatureCheck(checkSignature(alg, content, info.signature, signer.publicKey), 'the content');
}

const RSA_WITH_REVERSE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(RSA_WITH).map(([k, v]) => [v, k]));

function derTlv(tag: number, contents: Uint8Array): Uint8Array {
  const len = contents.length;
  const lenBytes = len < 0x80 ? [len] : len < 0x100 ? [0x81, len] : [0x82, len >> 8, len & 0xff];
  return concat([Uint8Array.from([tag, ...lenBytes]), contents]);
}

function oidDer(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const out: number[] = [];
  const push = (v: bigint): void => {
    const groups: number[] = [];
    do {
      groups.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 0x80 : g));
  };
  push(arcs[0]! * 40n + arcs[1]!);
  arcs.slice(2).forEach(push);
  return derTlv(0x06, Uint8Array.from(out));
}

/** DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } (RFC 8017 §9.2). */
function digestInfo(oid: string, digest: Uint8Array, withNull: boolean): Uint8Array {
  const alg = derTlv(0x30, concat([oidDer(oid), ...(withNull ? [Uint8Array.of(0x05, 0x00)] : [])]));
  return derTlv(0x30, concat([alg, derTlv(0x04, digest)]));
}

/**
 * ESS signing-certificate (RFC 2634 §5.4, SHA-1 ESSCertID) and -v2 (RFC 5035 §5.4, ESSCertIDv2 with
 * a hash algorithm defaulting to SHA-256): the first ESSCertID must identify the signer's certificate.
 * @returns why it does not, or undefined.
 */
function checkSigningCertificate(value: BerNode, version: 1 | 2, signer: X509Cert): string | undefined {
  const name = version === 2 ? 'signing-certificate-v2' : 'signing-certificate';
  const certs = value.children[0];
  if (!isTag(value, 'universal', UNIVERSAL.SEQUENCE) || certs === undefined || !isTag(certs, 'universal', UNIVERSAL.SEQUENCE) || certs.children.length === 0) {
    throw malformed(`the ${name} attribute is not SEQUENCE { certs SEQUENCE OF ESSCertID, … }`);
  }
  const id = certs.children[0]!;
  if (!isTag(id, 'universal', UNIVERSAL.SEQUENCE)) throw malformed(`the ${name} ESSCertID is not a SEQUENCE`);
  let i = 0;
  let hashOid = SHA1_OID;
  if (version === 2) {
    hashOid = SHA256_OID;
    if (isTag(id.children[0], 'universal', UNIVERSAL.SEQUENCE)) hashOid = algorithmOf(id.children[i++], `${name} hashAlgorithm`).oid;
  }
  const certHash = octets(id.children[i++], `${name} certHash`);
  const digest = DIGESTS[hashOid];
  if (digest === undefined) return `the ${name} attribute uses an unsupported hash algorithm ${hashOid}`;
  if (!bytesEqual(certificateHash(signer, digest.node), certHash)) {
    return `the ${name} attribute names another certificate (its ${digest.name} certHash is not the signer certificate's): the signature may have been moved onto a different certificate`;
  }
  const issuerSerial = id.children[i];
  if (issuerSerial !== undefined) {
    // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }
    const names = issuerSerial.children[0];
    const serial = integerHex(issuerSerial.children[1], `${name} issuerSerial serialNumber`);
    const dirNames = (names?.children ?? []).filter((g) => isTag(g, 'context', 4) && g.children[0] !== undefined).map((g) => encodeDer(g.children[0]!));
    const issuerOk = dirNames.some((d) => {
      try {
        return namesMatch(d, signer.issuerDer);
      } catch {
        return false;
      }
    });
    if (serial !== signer.serialNumberHex || !issuerOk) {
      return `the ${name} attribute's issuerSerial names another certificate than the signer's (issuer ${signer.issuer}, serial ${signer.serialNumberHex})`;
    }
  }
  return undefined;
}

/** Digests of signer certificates by algorithm: a batch by one signer hashes its certificate once. */
const CERT_HASHES = new WeakMap<X509Cert, Map<string, Uint8Array>>();

function certificateHash(cert: X509Cert, node: string): Uint8Array {
  let byAlg = CERT_HASHES.get(cert);
  if (byAlg === undefined) {
    byAlg = new Map();
    CERT_HASHES.set(cert, byAlg);
  }
  let h = byAlg.get(node);
  if (h === undefined) {
    h = new Uint8Array(crypto.createHash(node).update(cert.der).digest());
    byAlg.set(node, h);
  }
  return h;
}

/** UTCTime / GeneralizedTime (X.690 §11.7–§11.8, RFC 5652 §11.3). */
function decodeTime(node: BerNode, what: string): Date {
  const text = Buffer.from(stringContents(node, what)).toString('latin1');
  let m: RegExpExecArray | null;
  if (isTag(node, 'universal', UNIVERSAL.UTC_TIME) && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(m[1]);
    return utc(yy < 50 ? 2000 + yy : 1900 + yy, m, 0, what);
  }
  if (isTag(node, 'universal', UNIVERSAL.GENERALIZED_TIME) && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/.exec(text))) {
    const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    return utc(Number(m[1]), m, ms, what);
  }
  throw malformed(`${what}: "${text}" is not a UTCTime or GeneralizedTime in UTC`);
}

function utc(year: number, m: RegExpExecArray, ms: number, what: string): Date {
  const [mo, d, h, mi, s] = [2, 3, 4, 5, 6].map((k) => Number(m[k]));
  const date = new Date(Date.UTC(year, mo! - 1, d!, h!, mi!, s!, ms));
  if (date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d! || h! > 23 || mi! > 59 || s! > 59) throw malformed(`${what}: not a valid date`);
  return date;
}

/**
 * Reads a signature time-stamp token (RFC 3161 §2.4.2: a SignedData whose eContent is TSTInfo):
 * genTime, the TSA's name, and whether its messageImprint is the hash of `signatureValue`
 * (RFC 3161 Appendix A). The token's own signature is not checked here.
 */
function inspectTimestamp(token: BerNode, signatureValue: Uint8Array): { genTime: Date; tsa?: string; imprintMatches: boolean } {
  const what = 'time-stamp token';
  const [type, content] = token.children;
  if (decodeOid(type, `${what} contentType`) !== CMS_OID.signedData || content === undefined) throw malformed(`${what} is not a SignedData`);
  const sd = content.children[0];
  if (sd === undefined) throw malformed(`${what}: empty content`);
  const encap = sd.children[2];
  if (encap === undefined || decodeOid(encap.children[0], `${what} eContentType`) !== CMS_OID.tstInfo) throw malformed(`${what} does not hold a TSTInfo`);
  const eContent = encap.children[1]?.children[0];
  const tst = parseBer(octets(eContent, `${what} eContent`), 'TSTInfo');
  // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, [0] tsa?, [1] extensions? }
  const [, , imprint, , genTimeNode, ...rest] = tst.children;
  if (imprint === undefined || genTimeNode === undefined) throw malformed('TSTInfo is incomplete');
  const hashAlg = algorithmOf(imprint.children[0], 'TSTInfo messageImprint hashAlgorithm').oid;
  const hashed = octets(imprint.children[1], 'TSTInfo hashedMessage');
  const d = DIGESTS[hashAlg];
  const imprintMatches = d !== undefined && bytesEqual(new Uint8Array(crypto.createHash(d.node).update(signatureValue).digest()), hashed);
  const genTime = decodeTime(genTimeNode, 'TSTInfo genTime');
  const out: { genTime: Date; tsa?: string; imprintMatches: boolean } = { genTime, imprintMatches };
  const tsaField = rest.find((n) => isTag(n, 'context', 0));
  const dirName = tsaField?.children[0];
  if (dirName !== undefined && isTag(dirName, 'context', 4) && dirName.children[0] !== undefined) {
    out.tsa = formatNameDer(encodeDer(dirName.children[0]));
  } else {
    // No tsa field: name the certificate the token's SignerInfo points at, when embedded.
    const certsNode = sd.children.find((n) => isTag(n, 'context', 0) && n.constructed && n !== encap);
    const si = sd.children[sd.children.length - 1]?.children[0];
    if (certsNode !== undefined && si !== undefined) {
      try {
        const tsaCert = findSigner(parseSignerInfo(si).sid, parseCertificateSet(certsNode));
        if (tsaCert !== undefined) out.tsa = tsaCert.subject;
      } catch {
        // the name is informative only
      }
    }
  }
  return out;
}


// ----------------------------------------------------------------- shared with src/timestamp/
// A time-stamp token (RFC 3161 §2.4.2) is itself a SignedData, and CAdES-T (ETSI EN 319 122-1
// §5.3) rewrites SignerInfos: src/timestamp/ reuses these internals instead of copying them. They
// are not part of the public API (src/index.ts does not re-export them).
export { DIGESTS, checkSigningCertificate, effectiveSignatureAlgorithm, findSigner, parseAttributes, parseSignerInfo, sidText };
export type { ParsedSignerInfo };
