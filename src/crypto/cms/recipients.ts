/**
 * RecipientInfo (RFC 5652 §6.2): building them for new envelopes, reading them from any sender,
 * and recovering the content-encryption key (CEK) from one.
 *
 * Written by scelle:
 * - KeyTransRecipientInfo v0 (§6.2.1), rid issuerAndSerialNumber, RSAES-OAEP with SHA-256 and
 *   MGF1-SHA-256 (RFC 8017 §7.1, parameters as RFC 4055 §4.1 and OpenSSL write them: digest
 *   AlgorithmIdentifiers without parameters, pSourceAlgorithm absent = empty label).
 * - KeyAgreeRecipientInfo v3 (§6.2.2) for EC certificates, as RFC 5753 §3.1 and `openssl cms
 *   -encrypt` do it: a fresh ephemeral key per recipient as originatorKey (id-ecPublicKey,
 *   parameters absent), no ukm, dhSinglePass-stdDH-sha256kdf-scheme (sha384/sha512 for P-384/P-521)
 *   with aes256-wrap, the X9.63 KDF over ECC-CMS-SharedInfo (RFC 5753 §7.2).
 * - PasswordRecipientInfo v0 (RFC 3211 §2.2): PBKDF2-HMAC-SHA256 (RFC 8018 §5.2), 16-byte salt,
 *   600 000 iterations, id-alg-PWRI-KEK with aes256-CBC (RFC 3211 §2.3).
 *
 * Read: the above, plus RSAES-PKCS1-v1_5 (`openssl cms -encrypt`'s default), OAEP with
 * SHA-1/224/384/512, rid subjectKeyIdentifier, any stdDH/cofactorDH scheme with SHA-1…SHA-512 and
 * aes128/192/256-wrap, PBKDF2 with any HMAC-SHA PRF (HMAC-SHA1 is OpenSSL's) and AES or 3DES KEKs.
 * KEKRecipientInfo and OtherRecipientInfo are reported, never opened.
 */
import {
  constants,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  pbkdf2,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { ScelleError } from '../../errors.js';
import { bytesEqual, toHex } from '../asn1/asn1js-util.js';
import { formatNameDer, namesMatch, type X509Cert } from '../x509/certificate.js';
import { UNIVERSAL, decodeOid, encodeDer, isTag, stringContents, type BerNode } from '../asn1/ber.js';
import {
  DER_NULL,
  TAG,
  algorithmIdentifier,
  objectIdentifier,
  octetString,
  sequence,
  smallInteger,
  tlv,
} from '../asn1/der.js';
import {
  AES256_CBC_OID,
  AES256_WRAP_OID,
  DIGESTS,
  EC_CURVES,
  ECDH_SCHEMES,
  ENVELOPE_OID,
  HMAC_SHA256_OID,
  KEK_CBC_CIPHERS,
  KEY_WRAPS,
  PBKDF2_PRFS,
  PWRI_MAX_ITERATIONS,
  SHA256_OID,
} from './envelope-algorithms.js';
import { aesKeyUnwrap, aesKeyWrap, decodePkcs1v15, pwriUnwrap, pwriWrap, x963Kdf } from './key-wrap.js';

/** One recipient of an envelope, as the envelope names it (no secret in it). */
export interface RecipientDescription {
  /** The RecipientInfo choice (RFC 5652 §6.2). */
  type: 'keyTransport' | 'keyAgreement' | 'password' | 'kek' | 'other';
  /**
   * The key-encryption algorithm in words: `RSAES-OAEP (SHA-256, MGF1-SHA-256)`,
   * `RSAES-PKCS1-v1_5`, `ECDH dhSinglePass-stdDH-sha256kdf-scheme + aes256-wrap`,
   * `PBKDF2-HMAC-SHA256 + PWRI-KEK aes-256-cbc`.
   */
  algorithm: string;
  /** Whether scelle can open this recipient (given the right key or password). */
  supported: boolean;
  /** The recipient certificate's issuer (RFC 4514), when the rid is issuerAndSerialNumber. */
  issuer?: string;
  /** Its serial number, uppercase hex. */
  serialNumber?: string;
  /** The recipient certificate's subjectKeyIdentifier, uppercase hex, when the rid is one. */
  subjectKeyIdentifier?: string;
  /** For a password recipient: the key derivation. */
  kdf?: { algorithm: 'PBKDF2'; prf: string; iterations: number; kekCipher: string };
}

/** A recipient identifier (RFC 5652 §6.2.1 RecipientIdentifier, §6.2.2 KeyAgreeRecipientIdentifier). */
export type Rid =
  | { kind: 'issuerAndSerialNumber'; issuerDer: Uint8Array; serialHex: string }
  | { kind: 'subjectKeyIdentifier'; ski: Uint8Array };

/** A RecipientInfo read from an envelope, one per key that can be opened (a KARI gives one per recipientEncryptedKey). */
export type ParsedRecipient =
  | { type: 'keyTransport'; description: RecipientDescription; rid: Rid; scheme: KtriScheme | undefined; encryptedKey: Uint8Array }
  | {
    type: 'keyAgreement';
    description: RecipientDescription;
    rid: Rid;
    /** The originator's ephemeral public point, when the originator is an originatorKey. */
    originatorPoint: Uint8Array | undefined;
    originatorCurveOid: string | undefined;
    kdfHash: string | undefined;
    wrap: (typeof KEY_WRAPS)[number] | undefined;
    /** DER of the key-wrap AlgorithmIdentifier: the keyInfo of ECC-CMS-SharedInfo. */
    wrapAlgorithmDer: Uint8Array;
    ukm: Uint8Array | undefined;
    encryptedKey: Uint8Array;
  }
  | {
    type: 'password';
    description: RecipientDescription;
    kdf: { salt: Uint8Array; iterations: number; keyLength: number | undefined; prf: string } | undefined;
    kek: { cipher: (typeof KEK_CBC_CIPHERS)[number]; iv: Uint8Array } | undefined;
    encryptedKey: Uint8Array;
  }
  | { type: 'kek' | 'other'; description: RecipientDescription };

type KtriScheme = { kind: 'oaep'; hash: string; label: Uint8Array | undefined } | { kind: 'pkcs1' };

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

// ----------------------------------------------------------------------------------------- building

/** A RecipientInfo ready to be written, and how it is described. */
export interface BuiltRecipient {
  der: Uint8Array;
  description: RecipientDescription;
  /** RecipientInfo version (RFC 5652 §6.1 derives the EnvelopedData version from them). */
  version: number;
}

function issuerAndSerialNumber(cert: X509Cert): Uint8Array {
  return sequence(cert.issuerDer, cert.serialNumberDer);
}

function certRid(cert: X509Cert): Pick<RecipientDescription, 'issuer' | 'serialNumber'> {
  return { issuer: cert.issuer, serialNumber: cert.serialNumberHex };
}

/** RSAES-OAEP-params with SHA-256 and MGF1-SHA-256 (RFC 4055 §4.1), digest parameters absent as OpenSSL writes them. */
const OAEP_SHA256 = algorithmIdentifier(
  ENVELOPE_OID.rsaesOaep,
  sequence(tlv(TAG.CONTEXT_0, algorithmIdentifier(SHA256_OID)), tlv(TAG.CONTEXT_1, algorithmIdentifier(ENVELOPE_OID.mgf1, algorithmIdentifier(SHA256_OID)))),
);

/** rsaEncryption with NULL parameters: RSAES-PKCS1-v1_5 key transport (RFC 3370 §4.2.1). */
const RSA_PKCS1 = algorithmIdentifier('1.2.840.113549.1.1.1', DER_NULL);

/**
 * KeyTransRecipientInfo v0 (RFC 5652 §6.2.1): RSAES-OAEP-SHA256 (RFC 8017 §7.1) by default;
 * `pkcs1` writes RSAES-PKCS1-v1_5 for recipients whose software knows nothing else (PKCS#7-only
 * readers such as `openssl smime`, gpgsm 2.2, older mail clients).
 */
export function buildKeyTransRecipient(cert: X509Cert, cek: Uint8Array, padding: 'oaep' | 'pkcs1' = 'oaep'): BuiltRecipient {
  if (padding === 'pkcs1') {
    const encryptedKey = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
    const der = sequence(smallInteger(0), issuerAndSerialNumber(cert), RSA_PKCS1, octetString(new Uint8Array(encryptedKey)));
    return { der, version: 0, description: { type: 'keyTransport', algorithm: 'RSAES-PKCS1-v1_5', supported: true, ...certRid(cert) } };
  }
  const encryptedKey = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
  const der = sequence(smallInteger(0), issuerAndSerialNumber(cert), OAEP_SHA256, octetString(new Uint8Array(encryptedKey)));
  return { der, version: 0, description: { type: 'keyTransport', algorithm: 'RSAES-OAEP (SHA-256, MGF1-SHA-256)', supported: true, ...certRid(cert) } };
}

/** The uncompressed point of an EC public key (the BIT STRING value of its SPKI). */
function ecPoint(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const out = new Uint8Array(1 + x.length + y.length);
  out[0] = 4;
  out.set(x, 1);
  out.set(y, 1 + x.length);
  return out;
}

/** ECC-CMS-SharedInfo (RFC 5753 §7.2): keyInfo, entityUInfo [0] (the ukm), suppPubInfo [2] = key length in bits. */
function sharedInfo(wrapAlgorithmDer: Uint8Array, ukm: Uint8Array | undefined, keyLength: number): Uint8Array {
  const bits = new Uint8Array(4);
  new DataView(bits.buffer).setUint32(0, keyLength * 8);
  return sequence(
    wrapAlgorithmDer,
    ...(ukm === undefined ? [] : [tlv(TAG.CONTEXT_0, octetString(ukm))]),
    tlv(TAG.CONTEXT_2, octetString(bits)),
  );
}

/** KeyAgreeRecipientInfo v3 with an ephemeral originator key (RFC 5753 §3.1.1). */
export function buildKeyAgreeRecipient(cert: X509Cert, cek: Uint8Array): BuiltRecipient {
  const curve = EC_CURVES.find((c) => c.name === cert.keyAlgorithm.curve);
  if (curve === undefined) {
    throw new ScelleError('RECIPIENT_CERT_INVALID', `the EC curve ${cert.keyAlgorithm.curve ?? 'unknown'} of "${cert.subject}" is not supported for encryption (P-256, P-384, P-521 are)`, { params: { detail: `curve ${cert.keyAlgorithm.curve ?? 'unknown'}` } });
  }
  const scheme = ECDH_SCHEMES.find((s) => s.oid === curve.scheme)!;
  const ephemeral = generateKeyPairSync('ec', { namedCurve: curve.node });
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: cert.publicKey });
  const wrapAlg = algorithmIdentifier(AES256_WRAP_OID);
  const kek = x963Kdf(scheme.hash, z, sharedInfo(wrapAlg, undefined, 32), 32);
  z.fill(0);
  const wrapped = aesKeyWrap('id-aes256-wrap', kek, cek);
  kek.fill(0);
  const point = ecPoint(ephemeral.publicKey);
  // originator [0] EXPLICIT OriginatorIdentifierOrKey: originatorKey [1] IMPLICIT OriginatorPublicKey
  const originator = tlv(TAG.CONTEXT_0, tlv(TAG.CONTEXT_1, algorithmIdentifier(ENVELOPE_OID.ecPublicKey), tlv(0x03, Uint8Array.of(0), point)));
  const recipientEncryptedKeys = sequence(sequence(issuerAndSerialNumber(cert), octetString(wrapped)));
  const body = [smallInteger(3), originator, algorithmIdentifier(scheme.oid, wrapAlg), recipientEncryptedKeys];
  return {
    der: tlv(TAG.CONTEXT_1, ...body),
    version: 3,
    description: { type: 'keyAgreement', algorithm: `ECDH ${scheme.name} + aes256-wrap`, supported: true, ...certRid(cert) },
  };
}

/** Derives a PWRI key-encryption key with PBKDF2 (on Node's thread pool). */
function deriveKek(password: string, salt: Uint8Array, iterations: number, keyLength: number, hash: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, keyLength, hash, (e, key) => (e ? reject(e) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength))));
  });
}

/** PasswordRecipientInfo v0 (RFC 3211 §2.2): PBKDF2-HMAC-SHA256 + PWRI-KEK aes256-CBC. */
export async function buildPasswordRecipient(password: string, iterations: number, cek: Uint8Array): Promise<BuiltRecipient> {
  const salt = new Uint8Array(randomBytes(16));
  const iv = new Uint8Array(randomBytes(16));
  const kek = await deriveKek(password, salt, iterations, 32, 'sha256');
  const cipher = KEK_CBC_CIPHERS.find((c) => c.oid === AES256_CBC_OID)!;
  const encryptedKey = pwriWrap(cipher, kek, iv, cek);
  kek.fill(0);
  // PBKDF2-params (RFC 8018 Appendix A.2): salt, iterationCount, keyLength omitted (the KEK
  // cipher's, as OpenSSL writes it), prf hmacWithSHA256 with NULL parameters.
  const pbkdf2Params = sequence(octetString(salt), smallInteger(iterations), algorithmIdentifier(HMAC_SHA256_OID, DER_NULL));
  // keyDerivationAlgorithm [0] IMPLICIT KeyDerivationAlgorithmIdentifier
  const kdf = tlv(TAG.CONTEXT_0, objectIdentifier(ENVELOPE_OID.pbkdf2), pbkdf2Params);
  const kekAlg = algorithmIdentifier(ENVELOPE_OID.pwriKek, algorithmIdentifier(AES256_CBC_OID, octetString(iv)));
  return {
    der: tlv(0xa3, smallInteger(0), kdf, kekAlg, octetString(encryptedKey)),
    version: 0,
    description: {
      type: 'password',
      algorithm: 'PBKDF2-HMAC-SHA256 + PWRI-KEK aes-256-cbc',
      supported: true,
      kdf: { algorithm: 'PBKDF2', prf: 'HMAC-SHA256', iterations, kekCipher: 'aes-256-cbc' },
    },
  };
}

// ------------------------------------------------------------------------------------------ reading

function integerValue(node: BerNode | undefined, what: string): number {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.INTEGER) || node.constructed) throw malformed(`${what}: expected an INTEGER`);
  const b = node.buffer.subarray(node.contentStart, node.contentEnd);
  if (b.length === 0 || (b[0]! & 0x80) !== 0) throw malformed(`${what}: expected a non-negative INTEGER`);
  if (b.length > 6) return Number.MAX_SAFE_INTEGER;
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
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

function sequenceNode(node: BerNode | undefined, what: string): BerNode {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.SEQUENCE) || !node.constructed) throw malformed(`${what}: expected a SEQUENCE`);
  return node;
}

interface AlgorithmId {
  oid: string;
  params: BerNode | undefined;
  node: BerNode;
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2); `node` may carry an IMPLICIT tag. */
export function algorithmOf(node: BerNode | undefined, what: string, implicit = false): AlgorithmId {
  if (node === undefined || !node.constructed || (!implicit && !isTag(node, 'universal', UNIVERSAL.SEQUENCE)) || node.children.length === 0 || node.children.length > 2) {
    throw malformed(`${what}: expected an AlgorithmIdentifier`);
  }
  return { oid: decodeOid(node.children[0], what), params: node.children[1], node };
}

function isAbsentOrNull(params: BerNode | undefined): boolean {
  return params === undefined || (isTag(params, 'universal', UNIVERSAL.NULL) && params.contentEnd === params.contentStart);
}

function parseRid(node: BerNode | undefined, what: string, keyAgree: boolean): Rid {
  if (node !== undefined && isTag(node, 'universal', UNIVERSAL.SEQUENCE)) {
    const issuer = node.children[0];
    if (issuer === undefined || !isTag(issuer, 'universal', UNIVERSAL.SEQUENCE) || node.children.length !== 2) throw malformed(`${what}: issuerAndSerialNumber is not SEQUENCE { issuer, serialNumber }`);
    return { kind: 'issuerAndSerialNumber', issuerDer: encodeDer(issuer), serialHex: integerHex(node.children[1], `${what} serialNumber`) };
  }
  if (node !== undefined && isTag(node, 'context', 0)) {
    if (!keyAgree) return { kind: 'subjectKeyIdentifier', ski: stringContents(node, `${what} subjectKeyIdentifier`) };
    // rKeyId [0] IMPLICIT RecipientKeyIdentifier { subjectKeyIdentifier, date OPTIONAL, other OPTIONAL }
    if (!node.constructed || node.children.length === 0) throw malformed(`${what}: rKeyId is not a RecipientKeyIdentifier`);
    return { kind: 'subjectKeyIdentifier', ski: octets(node.children[0], `${what} rKeyId subjectKeyIdentifier`) };
  }
  throw malformed(`${what}: the recipient identifier is neither issuerAndSerialNumber nor a subjectKeyIdentifier`);
}

function ridDescription(rid: Rid): Pick<RecipientDescription, 'issuer' | 'serialNumber' | 'subjectKeyIdentifier'> {
  if (rid.kind === 'subjectKeyIdentifier') return { subjectKeyIdentifier: toHex(rid.ski) };
  let issuer: string;
  try {
    issuer = formatNameDer(rid.issuerDer);
  } catch {
    issuer = `#${toHex(rid.issuerDer)}`;
  }
  return { issuer, serialNumber: rid.serialHex };
}

function parseOaepParams(params: BerNode | undefined, what: string): { hash: string | undefined; label: Uint8Array | undefined; text: string } {
  // RSAES-OAEP-params ::= SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1, pSourceAlgorithm [2] DEFAULT pSpecifiedEmpty }
  let hashOid = DIGESTS[0]!.oid;
  let mgfHashOid = DIGESTS[0]!.oid;
  let label: Uint8Array | undefined;
  let supported = true;
  if (params !== undefined) {
    const seq = sequenceNode(params, `${what} RSAES-OAEP-params`);
    for (const field of seq.children) {
      if (field.tagClass !== 'context' || !field.constructed || field.children.length !== 1) throw malformed(`${what}: malformed RSAES-OAEP-params`);
      const alg = algorithmOf(field.children[0], `${what} RSAES-OAEP-params`);
      if (field.tagNumber === 0) hashOid = alg.oid;
      else if (field.tagNumber === 1) {
        if (alg.oid !== ENVELOPE_OID.mgf1) supported = false;
        else mgfHashOid = algorithmOf(alg.params, `${what} MGF1 hash`).oid;
      } else if (field.tagNumber === 2) {
        if (alg.oid !== ENVELOPE_OID.pSpecified) supported = false;
        else if (alg.params !== undefined) label = octets(alg.params, `${what} OAEP label`);
      } else throw malformed(`${what}: unknown field in RSAES-OAEP-params`);
    }
  }
  const hash = DIGESTS.find((d) => d.oid === hashOid);
  const mgf = DIGESTS.find((d) => d.oid === mgfHashOid);
  const text = `RSAES-OAEP (${hash?.name ?? hashOid}, MGF1-${mgf?.name ?? mgfHashOid})`;
  // Node's OAEP uses the OAEP digest for MGF1 as well.
  if (!supported || hash === undefined || mgf === undefined || hash !== mgf) return { hash: undefined, label, text };
  return { hash: hash.node, label: label !== undefined && label.length > 0 ? label : undefined, text };
}

function parseKtri(node: BerNode): ParsedRecipient {
  const what = 'KeyTransRecipientInfo';
  const c = node.children;
  if (c.length !== 4) throw malformed(`${what}: expected 4 fields, found ${c.length}`);
  integerValue(c[0], `${what} version`);
  const rid = parseRid(c[1], what, false);
  const alg = algorithmOf(c[2], `${what} keyEncryptionAlgorithm`);
  const encryptedKey = octets(c[3], `${what} encryptedKey`);
  let scheme: KtriScheme | undefined;
  let text: string;
  if (alg.oid === ENVELOPE_OID.rsaEncryption) {
    scheme = { kind: 'pkcs1' };
    text = 'RSAES-PKCS1-v1_5';
  } else if (alg.oid === ENVELOPE_OID.rsaesOaep) {
    const p = parseOaepParams(alg.params, what);
    text = p.text;
    if (p.hash !== undefined) scheme = { kind: 'oaep', hash: p.hash, label: p.label };
  } else {
    text = `key transport ${alg.oid}`;
  }
  return { type: 'keyTransport', rid, scheme, encryptedKey, description: { type: 'keyTransport', algorithm: text, supported: scheme !== undefined, ...ridDescription(rid) } };
}

function parseKari(node: BerNode): ParsedRecipient[] {
  const what = 'KeyAgreeRecipientInfo';
  const c = node.children;
  let i = 0;
  integerValue(c[i++], `${what} version`);
  const originatorField = c[i++];
  if (originatorField === undefined || !isTag(originatorField, 'context', 0) || !originatorField.constructed || originatorField.children.length !== 1) {
    throw malformed(`${what}: originator is not [0] EXPLICIT OriginatorIdentifierOrKey`);
  }
  const originator = originatorField.children[0]!;
  let originatorPoint: Uint8Array | undefined;
  let originatorCurveOid: string | undefined;
  if (isTag(originator, 'context', 1)) {
    // originatorKey [1] IMPLICIT OriginatorPublicKey { algorithm, publicKey BIT STRING }
    const alg = algorithmOf(originator.children[0], `${what} originatorKey algorithm`, false);
    const bits = originator.children[1];
    if (!originator.constructed || originator.children.length !== 2 || bits === undefined || !isTag(bits, 'universal', UNIVERSAL.BIT_STRING) || bits.constructed) {
      throw malformed(`${what}: originatorKey is not an OriginatorPublicKey`);
    }
    const value = bits.buffer.subarray(bits.contentStart, bits.contentEnd);
    if (value.length < 2 || value[0] !== 0) throw malformed(`${what}: originatorKey public key BIT STRING is malformed`);
    if (alg.oid === ENVELOPE_OID.ecPublicKey) {
      originatorPoint = value.subarray(1);
      if (alg.params !== undefined && isTag(alg.params, 'universal', UNIVERSAL.OID)) originatorCurveOid = decodeOid(alg.params, `${what} originatorKey curve`);
    }
  } else if (!isTag(originator, 'universal', UNIVERSAL.SEQUENCE) && !isTag(originator, 'context', 0)) {
    throw malformed(`${what}: unknown originator choice`);
  }
  let ukm: Uint8Array | undefined;
  if (c[i] !== undefined && isTag(c[i], 'context', 1)) {
    const u = c[i++]!;
    if (!u.constructed || u.children.length !== 1) throw malformed(`${what}: ukm is not [1] EXPLICIT OCTET STRING`);
    ukm = octets(u.children[0], `${what} ukm`);
  }
  const alg = algorithmOf(c[i++], `${what} keyEncryptionAlgorithm`);
  const rekList = sequenceNode(c[i++], `${what} recipientEncryptedKeys`);
  if (i !== c.length) throw malformed(`${what}: unexpected fields after recipientEncryptedKeys`);
  const scheme = ECDH_SCHEMES.find((s) => s.oid === alg.oid);
  let wrap: (typeof KEY_WRAPS)[number] | undefined;
  let wrapAlgorithmDer: Uint8Array = new Uint8Array(0);
  let wrapName = 'unknown key wrap';
  if (alg.params !== undefined) {
    const w = algorithmOf(alg.params, `${what} key-wrap algorithm`);
    wrapAlgorithmDer = encodeDer(alg.params);
    wrap = KEY_WRAPS.find((k) => k.oid === w.oid);
    wrapName = wrap?.name ?? w.oid;
    if (!isAbsentOrNull(w.params)) wrap = undefined;
  }
  const supported = scheme !== undefined && wrap !== undefined && originatorPoint !== undefined;
  const algorithm = originatorPoint === undefined && scheme !== undefined
    ? `ECDH ${scheme.name} + ${wrapName} (static originator key: not supported)`
    : `ECDH ${scheme?.name ?? alg.oid} + ${wrapName}`;
  return rekList.children.map((rek) => {
    const r = sequenceNode(rek, `${what} RecipientEncryptedKey`);
    if (r.children.length !== 2) throw malformed(`${what}: RecipientEncryptedKey is not SEQUENCE { rid, encryptedKey }`);
    const rid = parseRid(r.children[0], `${what} RecipientEncryptedKey`, true);
    return {
      type: 'keyAgreement' as const,
      rid,
      originatorPoint,
      originatorCurveOid,
      kdfHash: scheme?.hash,
      wrap: supported ? wrap : undefined,
      wrapAlgorithmDer,
      ukm,
      encryptedKey: octets(r.children[1], `${what} encryptedKey`),
      description: { type: 'keyAgreement' as const, algorithm, supported, ...ridDescription(rid) },
    };
  });
}

function parsePwri(node: BerNode): ParsedRecipient {
  const what = 'PasswordRecipientInfo';
  const c = node.children;
  let i = 0;
  integerValue(c[i++], `${what} version`);
  if (c[i] === undefined || !isTag(c[i], 'context', 0)) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `${what} without keyDerivationAlgorithm (a pre-derived key) is not supported`, { params: { detail: 'PWRI without key derivation' } });
  }
  const kdfAlg = algorithmOf(c[i++], `${what} keyDerivationAlgorithm`, true);
  const kekAlg = algorithmOf(c[i++], `${what} keyEncryptionAlgorithm`);
  const encryptedKey = octets(c[i++], `${what} encryptedKey`);
  if (i !== c.length) throw malformed(`${what}: unexpected fields after encryptedKey`);

  let kdf: Extract<ParsedRecipient, { type: 'password' }>['kdf'];
  let kdfText = `key derivation ${kdfAlg.oid}`;
  let prfName = '?';
  let iterations = 0;
  if (kdfAlg.oid === ENVELOPE_OID.pbkdf2) {
    // PBKDF2-params ::= SEQUENCE { salt CHOICE { specified OCTET STRING, … }, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
    const p = sequenceNode(kdfAlg.params, `${what} PBKDF2-params`);
    const pc = p.children;
    let j = 0;
    const salt = octets(pc[j++], `${what} PBKDF2 salt`);
    iterations = integerValue(pc[j++], `${what} PBKDF2 iterationCount`);
    let keyLength: number | undefined;
    if (pc[j] !== undefined && isTag(pc[j], 'universal', UNIVERSAL.INTEGER)) keyLength = integerValue(pc[j++], `${what} PBKDF2 keyLength`);
    let prfOid = PBKDF2_PRFS[0]!.oid;
    if (pc[j] !== undefined) {
      const prf = algorithmOf(pc[j++], `${what} PBKDF2 prf`);
      prfOid = prf.oid;
    }
    if (j !== pc.length) throw malformed(`${what}: unexpected fields in PBKDF2-params`);
    const prf = PBKDF2_PRFS.find((x) => x.oid === prfOid);
    prfName = prf?.name ?? prfOid;
    kdfText = `PBKDF2-${prfName}`;
    if (prf !== undefined && iterations >= 1 && iterations <= PWRI_MAX_ITERATIONS) kdf = { salt, iterations, keyLength, prf: prf.node };
  }
  let kek: Extract<ParsedRecipient, { type: 'password' }>['kek'];
  let kekName = kekAlg.oid;
  if (kekAlg.oid === ENVELOPE_OID.pwriKek) {
    const inner = algorithmOf(kekAlg.params, `${what} PWRI-KEK cipher`);
    const cipher = KEK_CBC_CIPHERS.find((k) => k.oid === inner.oid);
    kekName = cipher?.name ?? inner.oid;
    if (cipher !== undefined) {
      const iv = octets(inner.params, `${what} PWRI-KEK IV`);
      if (iv.length !== cipher.blockLength) throw malformed(`${what}: the KEK IV has ${iv.length} bytes, ${cipher.name} needs ${cipher.blockLength}`);
      kek = { cipher, iv };
    }
  }
  if (kdf !== undefined && kek !== undefined && kdf.keyLength !== undefined && kdf.keyLength !== kek.cipher.keyLength) kdf = undefined;
  const supported = kdf !== undefined && kek !== undefined;
  return {
    type: 'password',
    kdf,
    kek,
    encryptedKey,
    description: {
      type: 'password',
      algorithm: `${kdfText} + PWRI-KEK ${kekName}${iterations > PWRI_MAX_ITERATIONS ? ` (${iterations} iterations: more than the ${PWRI_MAX_ITERATIONS} accepted)` : ''}`,
      supported,
      ...(kdfAlg.oid === ENVELOPE_OID.pbkdf2 ? { kdf: { algorithm: 'PBKDF2' as const, prf: prfName, iterations, kekCipher: kekName } } : {}),
    },
  };
}

/**
 * Parses the RecipientInfos SET (RFC 5652 §6.1) into one entry per openable key.
 * @throws ScelleError MALFORMED_ASN1 for a structure that does not follow RFC 5652 §6.2.
 */
export function parseRecipientInfos(set: BerNode): ParsedRecipient[] {
  if (!isTag(set, 'universal', UNIVERSAL.SET) || !set.constructed) throw malformed('recipientInfos is not a SET');
  if (set.children.length === 0) throw malformed('recipientInfos is empty: nobody can open this envelope');
  const out: ParsedRecipient[] = [];
  for (const ri of set.children) {
    if (isTag(ri, 'universal', UNIVERSAL.SEQUENCE) && ri.constructed) out.push(parseKtri(ri));
    else if (isTag(ri, 'context', 1) && ri.constructed) out.push(...parseKari(ri));
    else if (isTag(ri, 'context', 3) && ri.constructed) out.push(parsePwri(ri));
    else if (isTag(ri, 'context', 2)) out.push({ type: 'kek', description: { type: 'kek', algorithm: 'KEKRecipientInfo (a pre-shared key)', supported: false } });
    else if (isTag(ri, 'context', 4)) out.push({ type: 'other', description: { type: 'other', algorithm: 'OtherRecipientInfo', supported: false } });
    else throw malformed('recipientInfos holds an element that is not a RecipientInfo');
  }
  return out;
}

// ------------------------------------------------------------------------------------------ opening

/** True when `cert` is the certificate `rid` names. */
export function ridMatches(rid: Rid, cert: X509Cert): boolean {
  if (rid.kind === 'subjectKeyIdentifier') return cert.subjectKeyIdentifier !== undefined && bytesEqual(cert.subjectKeyIdentifier, rid.ski);
  if (cert.serialNumberHex !== rid.serialHex) return false;
  try {
    return namesMatch(cert.issuerDer, rid.issuerDer);
  } catch {
    return false;
  }
}

/**
 * Recovers the CEK of a key-transport or key-agreement recipient with `key`.
 * @param implicitRejection - for a recipient whose rid names the key's certificate: a PKCS#1 v1.5
 *   decoding failure yields a random key instead of an error (RFC 3218 §2.3.2), so that a forged
 *   encryptedKey fails like a forged content (DECRYPTION_FAILED), and nothing tells an attacker
 *   whether the padding was right.
 * @returns the CEK, or undefined when this key does not open this recipient.
 */
export function openWithKey(r: ParsedRecipient, key: KeyObject, keyLength: number, implicitRejection: boolean): Uint8Array | undefined {
  if (r.type === 'keyTransport') {
    if (r.scheme === undefined || key.asymmetricKeyType !== 'rsa') return undefined;
    if (r.scheme.kind === 'oaep') {
      try {
        const cek = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: r.scheme.hash, ...(r.scheme.label ? { oaepLabel: r.scheme.label } : {}) }, r.encryptedKey);
        return cek.length === keyLength ? new Uint8Array(cek) : undefined;
      } catch {
        return undefined;
      }
    }
    let em: Uint8Array | undefined;
    try {
      const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
      if (r.encryptedKey.length === modulusBytes) em = new Uint8Array(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, r.encryptedKey));
    } catch {
      em = undefined;
    }
    const cek = em === undefined ? undefined : decodePkcs1v15(em, keyLength);
    em?.fill(0);
    if (cek === undefined && implicitRejection) return new Uint8Array(randomBytes(keyLength));
    return cek;
  }
  if (r.type === 'keyAgreement') {
    if (r.wrap === undefined || r.originatorPoint === undefined || r.kdfHash === undefined || key.asymmetricKeyType !== 'ec') return undefined;
    const curve = EC_CURVES.find((c) => c.node === key.asymmetricKeyDetails?.namedCurve);
    if (curve === undefined || (r.originatorCurveOid !== undefined && r.originatorCurveOid !== curve.oid)) return undefined;
    if (r.originatorPoint.length !== curve.pointLength || r.originatorPoint[0] !== 4) return undefined;
    let z: Buffer;
    try {
      const spki = sequence(algorithmIdentifier(ENVELOPE_OID.ecPublicKey, objectIdentifier(curve.oid)), tlv(0x03, Uint8Array.of(0), r.originatorPoint));
      const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      z = diffieHellman({ privateKey: key, publicKey });
    } catch {
      return undefined; // not a point of the curve
    }
    const kek = x963Kdf(r.kdfHash, z, sharedInfo(r.wrapAlgorithmDer, r.ukm, r.wrap.keyLength), r.wrap.keyLength);
    z.fill(0);
    const cek = aesKeyUnwrap(r.wrap.cipher, kek, r.encryptedKey);
    kek.fill(0);
    return cek !== undefined && cek.length === keyLength ? cek : undefined;
  }
  return undefined;
}

/**
 * Recovers the CEK of a password recipient.
 * @returns the CEK, or undefined when the password is wrong (the check octets of RFC 3211 §2.3.2
 *   fail) or the key length is not the content cipher's.
 */
export async function openWithPassword(r: Extract<ParsedRecipient, { type: 'password' }>, password: string, keyLength: number): Promise<Uint8Array | undefined> {
  if (r.kdf === undefined || r.kek === undefined) return undefined;
  const kek = await deriveKek(password, r.kdf.salt, r.kdf.iterations, r.kek.cipher.keyLength, r.kdf.prf);
  let cek: Uint8Array | undefined;
  try {
    cek = pwriUnwrap(r.kek.cipher, kek, r.kek.iv, r.encryptedKey);
  } catch {
    cek = undefined;
  }
  kek.fill(0);
  return cek !== undefined && cek.length === keyLength ? cek : undefined;
}
