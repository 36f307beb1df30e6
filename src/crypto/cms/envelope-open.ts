/**
 * Opening CMS envelopes: EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083), from
 * scelle, `openssl cms -encrypt` (with or without `-stream`, DER or BER or PEM) and other senders.
 *
 * The input is walked by {@link BerStreamReader} with a bounded buffer: the RecipientInfos are
 * read into memory (they are small), the encryptedContent — primitive, or constructed from OCTET
 * STRING segments at any depth (X.690 §8.7.3) — streams through Node's native AES (or 3DES for
 * old files) and out, chunk by chunk. Memory does not grow with the content.
 *
 * Authenticity before release: {@link decryptFile} writes the plaintext to a temp file next to
 * the destination and renames it into place only once the GCM tag has verified (AuthEnvelopedData)
 * or the CBC padding has checked out (EnvelopedData — which has no integrity protection: a
 * tampered CBC content can decrypt to garbage without any error; RFC 5652 §14). On any failure the
 * temp file is removed and nothing is left behind.
 *
 * Authenticated attributes (RFC 5083 §2.2) come after the content but are the GCM AAD, which must
 * be known before it: when an AuthEnvelopedData carries them, {@link decryptFile} reads the file a
 * second time with the AAD. OpenSSL and scelle do not write them.
 */
import { createDecipheriv, type Decipher, type DecipherGCM, type KeyObject } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ScelleError, isScelleError } from '../../errors.js';
import { openAtomicOutput } from '../../io/atomic-output.js';
import { sweepStaleTemps } from '../../io/temp-files.js';
import { releaseBuffersEvery } from '../../io/memory.js';
import type { Identity } from '../identity.js';
import { looksLikePem, parsePem } from '../pem.js';
import type { X509Cert } from '../x509/certificate.js';
import { BerStreamReader, UNIVERSAL, concat, decodeOid, encodeDer, isTag, stringContents, type BerHeader, type BerNode } from '../asn1/ber.js';
import { CONTENT_CIPHERS, ENVELOPE_OID, type ContentCipher } from './envelope-algorithms.js';
import { ENVELOPE_CHUNK, bytesOf, openInputFile, type ByteSource } from './envelope-io.js';
import { algorithmOf, openWithKey, openWithPassword, parseRecipientInfos, ridMatches, type ParsedRecipient, type RecipientDescription } from './recipients.js';

/** A private key to decrypt with, optionally with its certificate (to match RecipientInfos by rid). */
export interface DecryptionKey {
  key: KeyObject;
  certificate?: X509Cert;
}

/** Options of {@link decryptFile} / {@link decryptStream}. */
export interface DecryptOptions {
  /** Keys and certificates (p12, key + cert). Entries without a software key (PKCS#11) are not used. */
  identity?: Identity;
  /** Raw private keys, with their certificates when known. */
  privateKeys?: DecryptionKey[];
  /** The password of a password recipient (RFC 3211). */
  password?: string;
  /** Names the input in messages and in `params.file`. */
  name?: string;
}

/** Options of {@link decryptFile}. */
export interface DecryptFileOptions extends DecryptOptions {
  /** Refuse to replace an existing output (`OUTPUT_EXISTS`). Default false. */
  exclusive?: boolean;
}

/** What an envelope says about itself, readable without any key. */
export interface EnvelopeDescription {
  contentType: 'authEnvelopedData' | 'envelopedData';
  /** The (Auth)EnvelopedData version. */
  version: number;
  /** Content cipher: `aes-256-gcm`, `aes-256-cbc`, … `des-ede3-cbc` (read only, weak). */
  cipher: ContentCipher['name'] | string;
  /** True for a broken or obsolete content cipher (Triple-DES). */
  weakCipher: boolean;
  /** The content cipher is one scelle decrypts. */
  cipherSupported: boolean;
  /** Whether the content is authenticated (AuthEnvelopedData, GCM); EnvelopedData CBC is not. */
  authenticated: boolean;
  /** The encrypted content's type (1.2.840.113549.1.7.1 = data). */
  innerContentType: string;
  /** One per RecipientInfo (one per recipientEncryptedKey of a KeyAgreeRecipientInfo). */
  recipients: RecipientDescription[];
}

/** What {@link decryptFile} / {@link decryptStream} did. */
export interface DecryptInfo extends EnvelopeDescription {
  /** The recipient that opened it: its index in `recipients`, and the certificate that matched. */
  usedRecipient: { index: number; recipient: RecipientDescription; certificate?: X509Cert };
  /** Envelope bytes read. */
  bytesIn: number;
  /** Plaintext bytes written. */
  bytesOut: number;
}

/** Largest RecipientInfos SET / attribute set accepted (buffered). */
const MAX_SMALL_PART = 16 * 1024 * 1024;
/** Largest PEM envelope decoded in memory. */
const MAX_PEM_ENVELOPE = 512 * 1024 * 1024;
/** Ciphertext handed to the decipher per step (bounded however large a primitive encryptedContent is). */
const PIECE = ENVELOPE_CHUNK;
const MAX_DEPTH = 32;

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

/** MALFORMED_ASN1 errors that are not a truncation even though the input was read to its end. */
const notTruncation = new WeakSet<ScelleError>();

/** The parsed head of an envelope, up to the encryptedContent. */
interface EnvelopeHead {
  description: EnvelopeDescription;
  recipients: ParsedRecipient[];
  cipher: ContentCipher | undefined;
  iv: Uint8Array;
  icvLength: number;
  /** The encryptedContent header, or undefined when the content is detached. */
  content: BerHeader | undefined;
  ends: { ci: ReturnType<BerStreamReader['endOf']>; explicit: ReturnType<BerStreamReader['endOf']>; body: ReturnType<BerStreamReader['endOf']>; eci: ReturnType<BerStreamReader['endOf']> };
}

function smallInt(node: BerNode, what: string): number {
  if (!isTag(node, 'universal', UNIVERSAL.INTEGER) || node.constructed || node.contentEnd === node.contentStart || node.contentEnd - node.contentStart > 4) throw malformed(`${what}: expected a small INTEGER`);
  let v = 0;
  for (let i = node.contentStart; i < node.contentEnd; i++) v = v * 256 + node.buffer[i]!;
  if ((node.buffer[node.contentStart]! & 0x80) !== 0) throw malformed(`${what}: negative INTEGER`);
  return v;
}

async function readHead(r: BerStreamReader): Promise<EnvelopeHead> {
  // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT } (RFC 5652 §3)
  const ci = await r.readHeader('a ContentInfo');
  if (!isTag(ci, 'universal', UNIVERSAL.SEQUENCE) || !ci.constructed) throw malformed('not a CMS ContentInfo: the input does not start with a SEQUENCE');
  const ciEnd = r.endOf(ci);
  const typeOid = decodeOid(await r.readElement('ContentInfo contentType', 1024), 'ContentInfo contentType');
  let contentType: EnvelopeDescription['contentType'];
  if (typeOid === ENVELOPE_OID.authEnvelopedData) contentType = 'authEnvelopedData';
  else if (typeOid === ENVELOPE_OID.envelopedData) contentType = 'envelopedData';
  else if (typeOid === '1.2.840.113549.1.7.2') throw new ScelleError('UNSUPPORTED_FORMAT', 'this is a signed CMS message (SignedData), not an encrypted one: verify it instead');
  else throw new ScelleError('UNSUPPORTED_FORMAT', `the CMS content is ${typeOid}, not EnvelopedData or AuthEnvelopedData`, { params: { detail: typeOid } });
  const explicit = await r.readHeader('the ContentInfo content');
  if (!isTag(explicit, 'context', 0) || !explicit.constructed) throw malformed('ContentInfo content is not [0] EXPLICIT');
  const explicitEnd = r.endOf(explicit);
  const body = await r.readHeader(contentType);
  if (!isTag(body, 'universal', UNIVERSAL.SEQUENCE) || !body.constructed) throw malformed(`${contentType} is not a SEQUENCE`);
  const bodyEnd = r.endOf(body);
  const version = smallInt(await r.readElement(`${contentType} version`, 64), `${contentType} version`);
  let next = await r.peekHeader();
  if (next !== undefined && isTag(next, 'context', 0)) {
    await r.readElement('originatorInfo', MAX_SMALL_PART); // certificates and CRLs of the originator: not needed to decrypt
  }
  const recipientSet = await r.readElement('recipientInfos', MAX_SMALL_PART);
  const recipients = parseRecipientInfos(recipientSet);
  // EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OPTIONAL } (§6.1)
  const eci = await r.readHeader('EncryptedContentInfo');
  if (!isTag(eci, 'universal', UNIVERSAL.SEQUENCE) || !eci.constructed) throw malformed('EncryptedContentInfo is not a SEQUENCE');
  const eciEnd = r.endOf(eci);
  const innerContentType = decodeOid(await r.readElement('EncryptedContentInfo contentType', 1024), 'EncryptedContentInfo contentType');
  const alg = algorithmOf(await r.readElement('contentEncryptionAlgorithm', 4096), 'contentEncryptionAlgorithm');
  const cipher = CONTENT_CIPHERS.find((c) => c.oid === alg.oid);
  let iv: Uint8Array = new Uint8Array(0);
  let icvLength = 12;
  if (cipher !== undefined) {
    if (cipher.mode === 'gcm') {
      // GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen AES-GCM-ICVlen DEFAULT 12 } (RFC 5084 §3.2)
      const p = alg.params;
      if (p === undefined || !isTag(p, 'universal', UNIVERSAL.SEQUENCE) || p.children.length < 1 || p.children.length > 2) throw malformed('GCMParameters is not SEQUENCE { aes-nonce, aes-ICVlen }');
      const nonce = p.children[0]!;
      if (!isTag(nonce, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed('GCMParameters aes-nonce is not an OCTET STRING');
      iv = stringContents(nonce, 'GCMParameters aes-nonce');
      if (p.children[1] !== undefined) icvLength = smallInt(p.children[1], 'GCMParameters aes-ICVlen');
      if (iv.length < 1 || iv.length > 64) throw malformed(`GCMParameters aes-nonce has ${iv.length} bytes`);
      if (icvLength < 12 || icvLength > 16) throw malformed(`GCMParameters aes-ICVlen is ${icvLength} (RFC 5084 allows 12 to 16)`);
    } else {
      const p = alg.params;
      if (p === undefined || !isTag(p, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed(`${cipher.name} parameters are not an IV OCTET STRING`);
      iv = stringContents(p, `${cipher.name} IV`);
      if (iv.length !== cipher.ivLength) throw malformed(`the ${cipher.name} IV has ${iv.length} bytes, ${cipher.ivLength} expected`);
    }
  }
  let content: BerHeader | undefined;
  if (!(await r.atEnd(eciEnd))) {
    content = await r.readHeader('encryptedContent');
    if (!isTag(content, 'context', 0)) throw malformed('encryptedContent is not [0] IMPLICIT OCTET STRING');
  }
  const description: EnvelopeDescription = {
    contentType,
    version,
    cipher: cipher?.name ?? alg.oid,
    weakCipher: cipher?.weak ?? false,
    cipherSupported: cipher !== undefined && (cipher.mode === 'gcm') === (contentType === 'authEnvelopedData'),
    authenticated: contentType === 'authEnvelopedData',
    innerContentType,
    recipients: recipients.map((x) => x.description),
  };
  return { description, recipients, cipher, iv, icvLength, content, ends: { ci: ciEnd, explicit: explicitEnd, body: bodyEnd, eci: eciEnd } };
}

/** Tracks whether the source ran dry, to tell a truncated input from a malformed one. */
function tracked(source: AsyncIterable<Uint8Array>): { source: AsyncGenerator<Uint8Array>; state: { ended: boolean; bytes: number } } {
  const state = { ended: false, bytes: 0 };
  async function* gen(): AsyncGenerator<Uint8Array> {
    for await (const c of source) {
      state.bytes += c.byteLength;
      yield c;
    }
    state.ended = true;
  }
  return { source: gen(), state };
}

/** Turns errors into the envelope's codes, with `file` set. */
function classify(e: unknown, name: string, state: { ended: boolean }): ScelleError {
  let err: ScelleError;
  if (isScelleError(e)) err = e;
  else err = malformed(`the envelope could not be decoded: ${(e as Error)?.message ?? String(e)}`);
  if (err.code === 'MALFORMED_ASN1' && state.ended && !notTruncation.has(err)) {
    err = new ScelleError('TRUNCATED', `the envelope ends early, it was cut short (${err.message.startsWith(`${name}: `) ? err.message.slice(name.length + 2) : err.message})`, { cause: err, hint: 'the file is incomplete: copy or download it again' });
  }
  if (err.params.file !== undefined) return err;
  return new ScelleError(err.code, err.message.startsWith(`${name}: `) ? err.message : `${name}: ${err.message}`, { params: { ...err.params, file: name }, cause: err.cause ?? err, ...(err.hint ? { hint: err.hint } : {}) });
}

function describeList(recipients: RecipientDescription[]): string {
  return recipients.map((r) => {
    if (r.type === 'password') return 'a password';
    if (r.issuer !== undefined) return `certificate serial ${r.serialNumber} from ${r.issuer}`;
    if (r.subjectKeyIdentifier !== undefined) return `certificate with key identifier ${r.subjectKeyIdentifier}`;
    return r.algorithm;
  }).join('; ');
}

interface Opened {
  cek: Uint8Array;
  index: number;
  certificate?: X509Cert;
}

/** Finds the content-encryption key: password recipients with the password, then certificates. */
async function recoverCek(head: EnvelopeHead, options: DecryptOptions): Promise<Opened> {
  const cipher = head.cipher!;
  const keyLength = cipher.keyLength;
  const list = head.recipients;
  const keys: DecryptionKey[] = [];
  let tokenMatch = false;
  for (const e of options.identity?.entries ?? []) {
    if (e.key.privateKey !== undefined) keys.push({ key: e.key.privateKey, certificate: e.certificate });
    else if (list.some((r) => (r.type === 'keyTransport' || r.type === 'keyAgreement') && ridMatches(r.rid, e.certificate))) tokenMatch = true;
  }
  keys.push(...(options.privateKeys ?? []));
  if (options.password === undefined && keys.length === 0 && !tokenMatch) {
    throw new ScelleError('USAGE', 'give a private key (identity) or a password to decrypt');
  }

  if (options.password !== undefined) {
    const pw = list.map((r, index) => ({ r, index })).filter((x): x is { r: Extract<ParsedRecipient, { type: 'password' }>; index: number } => x.r.type === 'password');
    for (const { r, index } of pw) {
      const cek = await openWithPassword(r, options.password, keyLength);
      if (cek !== undefined) return { cek, index };
    }
    if (keys.length === 0) {
      if (pw.length === 0) throw new ScelleError('NOT_A_RECIPIENT', `this envelope was not encrypted with a password; it is for: ${describeList(head.description.recipients)}`, { hint: 'decrypt it with the recipient\'s identity' });
      if (!pw.some((x) => x.r.kdf !== undefined && x.r.kek !== undefined)) {
        throw new ScelleError('UNSUPPORTED_ALGORITHM', `the password recipient uses ${pw[0]!.r.description.algorithm}, which scelle does not support`, { params: { detail: pw[0]!.r.description.algorithm } });
      }
      throw new ScelleError('WRONG_PASSWORD', 'wrong password for this envelope (or its password recipient was altered)');
    }
  }

  // Pass 1: RecipientInfos whose rid names one of our certificates.
  let matchedButFailed: RecipientDescription | undefined;
  let unsupportedMatch: RecipientDescription | undefined;
  const tried = new Set<string>();
  for (let index = 0; index < list.length; index++) {
    const r = list[index]!;
    if (r.type !== 'keyTransport' && r.type !== 'keyAgreement') continue;
    keys.forEach((k, ki) => {
      if (k.certificate === undefined || !ridMatches(r.rid, k.certificate)) return;
      tried.add(`${index}/${ki}`);
    });
    for (let ki = 0; ki < keys.length; ki++) {
      if (!tried.has(`${index}/${ki}`)) continue;
      const k = keys[ki]!;
      if (!r.description.supported) {
        unsupportedMatch = r.description;
        continue;
      }
      const cek = openWithKey(r, k.key, keyLength, true);
      if (cek !== undefined) return { cek, index, ...(k.certificate ? { certificate: k.certificate } : {}) };
      matchedButFailed = r.description;
    }
  }
  // Pass 2: trial decryption with every key on the recipients that did not name it — a renewed
  // certificate over the same key, a rid scelle cannot match. Only for schemes whose failure says
  // nothing about the key (OAEP, AES key wrap): PKCS#1 v1.5 is tried only where the rid matched.
  for (let index = 0; index < list.length; index++) {
    const r = list[index]!;
    if (r.type !== 'keyTransport' && r.type !== 'keyAgreement') continue;
    if (!r.description.supported || (r.type === 'keyTransport' && r.scheme?.kind !== 'oaep')) continue;
    for (let ki = 0; ki < keys.length; ki++) {
      if (tried.has(`${index}/${ki}`)) continue;
      const k = keys[ki]!;
      const cek = openWithKey(r, k.key, keyLength, false);
      if (cek !== undefined) return { cek, index, ...(k.certificate ? { certificate: k.certificate } : {}) };
    }
  }
  if (matchedButFailed !== undefined) {
    throw new ScelleError('DECRYPTION_FAILED', `the recipient entry for your certificate (${matchedButFailed.algorithm}) does not open with your key: the envelope was altered, or the key is not the certificate's`);
  }
  if (unsupportedMatch !== undefined) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `the envelope is for your certificate, but with ${unsupportedMatch.algorithm}, which scelle does not support`, { params: { detail: unsupportedMatch.algorithm } });
  }
  if (tokenMatch) {
    throw new ScelleError('NO_PRIVATE_KEY', 'the envelope is for a certificate whose key is on a card or token; decrypting with a PKCS#11 key is not supported yet', { hint: 'export an encryption p12 or use the card vendor\'s software' });
  }
  if (options.password !== undefined && list.some((r) => r.type === 'password')) {
    throw new ScelleError('WRONG_PASSWORD', 'wrong password for this envelope, and none of the given keys is a recipient');
  }
  throw new ScelleError('NOT_A_RECIPIENT', `none of the given keys can open this envelope; it is for: ${describeList(head.description.recipients)}`, {
    hint: 'use the identity (encryption certificate and key) the envelope was sent to',
  });
}

/** Streams an OCTET STRING value (primitive or constructed at any depth) to an async sink in bounded pieces. */
async function pipeContent(r: BerStreamReader, h: BerHeader, sink: (chunk: Uint8Array) => Promise<void>, depth: number): Promise<void> {
  if (depth > MAX_DEPTH) throw malformed('encryptedContent: constructed OCTET STRING nested too deeply');
  if (!h.constructed) {
    let left = h.length!;
    while (left > 0) {
      const n = Math.min(left, PIECE);
      const parts: Uint8Array[] = [];
      await r.pipe(n, (c) => parts.push(c));
      for (const c of parts) await sink(c);
      left -= n;
    }
    return;
  }
  const end = r.endOf(h);
  while (!(await r.atEnd(end))) {
    const seg = await r.readHeader('an encryptedContent segment');
    if (!isTag(seg, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed('encryptedContent: a segment is not an OCTET STRING (X.690 §8.7.3.2)');
    await pipeContent(r, seg, sink, depth + 1);
  }
}

interface CoreResult {
  info: DecryptInfo;
  /** The DER of authAttrs when present and not yet used as AAD: the caller must decrypt again with it. */
  needsAad?: Uint8Array;
}

async function decryptCore(source: AsyncIterable<Uint8Array>, options: DecryptOptions, write: (chunk: Uint8Array) => Promise<void>, name: string, aad?: Uint8Array): Promise<CoreResult> {
  const { source: src, state } = tracked(source);
  const r = new BerStreamReader(src, name);
  let inflight: Promise<void> = Promise.resolve();
  try {
    const head = await readHead(r);
    const cipher = head.cipher;
    if (cipher === undefined || !head.description.cipherSupported) {
      throw new ScelleError('UNSUPPORTED_ALGORITHM', `the content is encrypted with ${head.description.cipher}${cipher !== undefined ? ` inside ${head.description.contentType}` : ''}, which scelle does not decrypt`, { params: { detail: head.description.cipher } });
    }
    if (head.content === undefined) throw new ScelleError('UNSUPPORTED_FORMAT', 'the envelope has no encrypted content inside (it is detached)');
    const opened = await recoverCek(head, options);
    let decipher: Decipher;
    try {
      decipher = cipher.mode === 'gcm'
        ? createDecipheriv(cipher.name as 'aes-256-gcm', opened.cek, head.iv, { authTagLength: head.icvLength })
        : createDecipheriv(cipher.name, opened.cek, head.iv);
    } finally {
      opened.cek.fill(0);
    }
    if (aad !== undefined) (decipher as DecipherGCM).setAAD(aad);

    let bytesOut = 0;
    const release = releaseBuffersEvery();
    const emit = async (chunk: Uint8Array): Promise<void> => {
      if (chunk.byteLength === 0) return;
      await inflight;
      bytesOut += chunk.byteLength;
      inflight = write(chunk);
      inflight.catch(() => undefined);
      release(chunk.byteLength);
    };
    await pipeContent(r, head.content, (c) => emit(decipher.update(c)), 0);
    await r.expectEnd(head.ends.eci, 'EncryptedContentInfo');

    let authAttrs: BerNode | undefined;
    let mac: Uint8Array | undefined;
    // Optional fields are looked for only inside the body: past a definite end lies the next element (or trailing bytes).
    const peekInBody = async (): Promise<BerHeader | undefined> => {
      const end = head.ends.body;
      if (end.kind === 'definite' && r.position >= end.end) return undefined;
      return r.peekHeader();
    };
    let next = await peekInBody();
    if (head.description.contentType === 'authEnvelopedData') {
      if (next !== undefined && isTag(next, 'context', 1)) {
        authAttrs = await r.readElement('authAttrs', MAX_SMALL_PART);
      }
      const macNode = await r.readElement('mac', 1024);
      if (!isTag(macNode, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed('AuthEnvelopedData mac is not an OCTET STRING');
      mac = stringContents(macNode, 'mac');
      next = await peekInBody();
      if (next !== undefined && isTag(next, 'context', 2)) await r.readElement('unauthAttrs', MAX_SMALL_PART);
    } else if (next !== undefined && isTag(next, 'context', 1)) {
      await r.readElement('unprotectedAttrs', MAX_SMALL_PART);
    }
    await r.expectEnd(head.ends.body, head.description.contentType);
    await r.expectEnd(head.ends.explicit, 'the ContentInfo content');
    await r.expectEnd(head.ends.ci, 'ContentInfo');
    if (!(await r.atEof())) {
      const e = malformed('trailing bytes after the envelope');
      notTruncation.add(e);
      throw e;
    }

    if (authAttrs !== undefined && aad === undefined) {
      // RFC 5083 §2.2: the AAD is the DER of authAttrs with the EXPLICIT SET OF tag.
      await inflight.catch(() => undefined);
      return { info: undefined as unknown as DecryptInfo, needsAad: encodeDer(authAttrs, { tagClass: 'universal', tagNumber: UNIVERSAL.SET }) };
    }
    if (mac !== undefined) {
      if (mac.length !== head.icvLength) throw new ScelleError('DECRYPTION_FAILED', `the authentication tag has ${mac.length} bytes, ${head.icvLength} announced: the envelope was altered`);
      (decipher as DecipherGCM).setAuthTag(mac);
    }
    let last: Uint8Array;
    try {
      last = decipher.final();
    } catch (e) {
      throw new ScelleError('DECRYPTION_FAILED', cipher.mode === 'gcm'
        ? 'authentication failed: the GCM tag does not match, the envelope is corrupted or was tampered with'
        : 'decryption failed: the CBC padding is wrong, the envelope is corrupted or was tampered with', { cause: e });
    }
    await emit(last);
    await inflight;
    const description = head.description;
    return {
      info: {
        ...description,
        usedRecipient: { index: opened.index, recipient: description.recipients[opened.index]!, ...(opened.certificate ? { certificate: opened.certificate } : {}) },
        bytesIn: state.bytes,
        bytesOut,
      },
    };
  } catch (e) {
    await inflight.catch(() => undefined);
    throw classify(e, name, state);
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** PEM labels of CMS envelopes: RFC 7468 `CMS`, OpenSSL's `PKCS7`. */
const PEM_LABELS = ['CMS', 'PKCS7', 'PKCS #7 ENVELOPED DATA'];

/** Opens an input file as DER/BER chunks; a PEM file is decoded in memory (up to 512 MiB). */
async function envelopeChunks(path: string): Promise<{ chunks: AsyncGenerator<Uint8Array>; close: () => Promise<void> }> {
  const input = await openInputFile(path, ENVELOPE_CHUNK);
  const first = await input.chunks.next();
  if (first.done === true) {
    await input.chunks.return(undefined);
    throw new ScelleError('TRUNCATED', `${path} is empty, not a CMS envelope`, { params: { file: path } });
  }
  if (looksLikePem(first.value)) {
    const parts = [first.value];
    let total = first.value.byteLength;
    for await (const c of input.chunks) {
      total += c.byteLength;
      if (total > MAX_PEM_ENVELOPE) throw new ScelleError('UNSUPPORTED_FORMAT', `${path}: a PEM envelope larger than 512 MiB; convert it to DER`, { params: { file: path } });
      parts.push(c);
    }
    const text = Buffer.from(concat(parts)).toString('latin1');
    const block = parsePem(text).find((b) => PEM_LABELS.includes(b.label));
    if (block === undefined) throw new ScelleError('UNSUPPORTED_FORMAT', `${path}: the PEM file holds no CMS block`, { params: { file: path } });
    return { chunks: oneChunk(block.der), close: async () => undefined };
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield first.value as Uint8Array;
    yield* input.chunks;
  }
  return { chunks: rest(), close: async () => void (await input.chunks.return(undefined)) };
}

/**
 * Decrypts a CMS envelope file into `outPath`. The plaintext goes to a temp file next to it,
 * renamed into place only after the GCM tag verified (or the CBC padding checked); on any failure
 * nothing is left behind. The temp file and the output are 0600 whatever the umask: plaintext is
 * the practitioner's alone, even a temp file left by a killed run (the next run into the same
 * folder removes such leftovers). Input: DER, BER (indefinite lengths, segmented content) or PEM.
 * @throws ScelleError NOT_A_RECIPIENT (no given key opens it), WRONG_PASSWORD, DECRYPTION_FAILED
 *   (tag, padding or key unwrap failure: altered), TRUNCATED, MALFORMED_ASN1,
 *   UNSUPPORTED_ALGORITHM, UNSUPPORTED_FORMAT (not an envelope, or detached content),
 *   NO_PRIVATE_KEY (the key is on a PKCS#11 token: not supported), USAGE (no key nor password,
 *   output = input), OUTPUT_EXISTS (`exclusive`), FILE_NOT_FOUND, NOT_A_FILE, PERMISSION_DENIED,
 *   DISK_FULL, READ_ONLY_MEDIUM, IO_ERROR. `params.file` names the input (the output for write errors).
 */
export async function decryptFile(inPath: string, outPath: string, options: DecryptFileOptions): Promise<DecryptInfo> {
  const name = options.name ?? inPath;
  if (resolve(inPath) === resolve(outPath)) throw new ScelleError('USAGE', `the decrypted content of ${name} cannot be written over the envelope itself`, { params: { file: name } });
  if (options.exclusive && (await stat(outPath).then(() => true, () => false))) {
    throw new ScelleError('OUTPUT_EXISTS', `${outPath} already exists`, { params: { file: outPath } });
  }
  await sweepStaleTemps(dirname(resolve(outPath)));
  // The plaintext is about as large as the envelope: enough to say how much room a full disk lacks.
  const expectedBytes = await stat(inPath).then((st) => (st.isFile() ? st.size : undefined), () => undefined);
  let aad: Uint8Array | undefined;
  for (let pass = 0; pass < 2; pass++) {
    const input = await envelopeChunks(inPath);
    const out = await openAtomicOutput(outPath, { mode: 0o600, ...(expectedBytes !== undefined ? { expectedBytes } : {}), ...(options.exclusive ? { exclusive: true } : {}) });
    try {
      const result = await decryptCore(input.chunks, options, (c) => out.write(c), name, aad);
      if (result.needsAad === undefined) {
        await out.commit();
        return result.info;
      }
      aad = result.needsAad;
      await out.abort();
    } catch (e) {
      await out.abort();
      throw e;
    } finally {
      await input.close();
    }
  }
  throw new ScelleError('INTERNAL', `${name}: authenticated attributes were not applied`, { params: { file: name } });
}

/**
 * Decrypts a CMS envelope arriving as a stream, writing the plaintext through `write` as it is
 * decrypted. **The plaintext is unauthenticated until this function returns**: a tampered
 * AuthEnvelopedData is only detected at the end (DECRYPTION_FAILED), after its altered bytes have
 * been written. Callers must discard everything written when it throws; to get this for free use
 * {@link decryptFile}. An AuthEnvelopedData with authenticated attributes cannot be streamed in one
 * pass (UNSUPPORTED_FORMAT).
 * @throws ScelleError as {@link decryptFile}, plus whatever `write` throws.
 */
export async function decryptStream(source: ByteSource, options: DecryptOptions, write: (chunk: Uint8Array) => Promise<void>): Promise<DecryptInfo> {
  const name = options.name ?? 'the envelope';
  const result = await decryptCore(bytesOf(source, name), options, write, name);
  if (result.needsAad !== undefined) {
    throw new ScelleError('UNSUPPORTED_FORMAT', `${name}: the envelope carries authenticated attributes, which must be read before the content: decrypt it from a file`, { params: { file: name } });
  }
  return result.info;
}

/**
 * Describes an envelope without any key: content type, cipher, recipients (issuer and serial or
 * key identifier, key-encryption algorithm, PBKDF2 iterations). Reads only up to the content.
 * @throws ScelleError MALFORMED_ASN1, TRUNCATED, UNSUPPORTED_FORMAT (not an envelope), IO_ERROR.
 */
export async function describeEnvelope(source: ByteSource | Uint8Array, options: { name?: string } = {}): Promise<EnvelopeDescription> {
  const name = options.name ?? 'the envelope';
  let bytes: ByteSource = source instanceof Uint8Array ? [source] : source;
  if (source instanceof Uint8Array && looksLikePem(source)) {
    const block = parsePem(Buffer.from(source).toString('latin1')).find((b) => PEM_LABELS.includes(b.label));
    if (block === undefined) throw new ScelleError('UNSUPPORTED_FORMAT', `${name}: the PEM input holds no CMS block`, { params: { file: name } });
    bytes = [block.der];
  }
  const { source: src, state } = tracked(bytesOf(bytes, name));
  try {
    return (await readHead(new BerStreamReader(src, name))).description;
  } catch (e) {
    throw classify(e, name, state);
  } finally {
    await src.return(undefined);
  }
}

/**
 * {@link describeEnvelope} of a file (DER, BER or PEM); reads only its head.
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, and those of {@link describeEnvelope}.
 */
export async function describeEnvelopeFile(path: string): Promise<EnvelopeDescription> {
  const input = await envelopeChunks(path);
  try {
    return await describeEnvelope(input.chunks, { name: path });
  } finally {
    await input.close();
  }
}
