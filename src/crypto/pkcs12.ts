/**
 * PKCS#12 / PFX files (RFC 7292), read and written.
 *
 * Reading: the PFX (§4) is parsed with the pkijs/asn1js schemas; the MAC (§4, password integrity
 * mode) is verified first, with the key from the PKCS#12 KDF (App. B.2, ID 3); then each
 * ContentInfo of the AuthenticatedSafe is read — `data` in clear, `encryptedData` decrypted with
 * PBES2 (RFC 8018) or a PKCS#12 PBE scheme (App. C) — and the SafeBags (§4.2) collected:
 * keyBag, pkcs8ShroudedKeyBag, certBag (x509Certificate), nested safeContentsBag. Other bag types
 * (CRLs, secrets, SDSI certificates) are ignored. pkijs's own PFX crypto path is not used: it knows
 * neither the legacy PBE schemes nor RC2.
 *
 * Writing follows what `openssl pkcs12 -export` does with OpenSSL 3: certificates in one
 * `encryptedData` SafeContents, keys as pkcs8ShroudedKeyBags in one `data` SafeContents, both with
 * PBES2 / AES-256-CBC / PBKDF2-HMAC-SHA256 and 2048 iterations, a MAC with HMAC-SHA256 and
 * 2048 iterations. Each key and its certificate share a localKeyId (the SHA-1 of the certificate
 * DER, as OpenSSL) and a friendlyName (BMPString).
 *
 * Passwords: BMPString for the PKCS#12 KDF, UTF-8 for PBKDF2 — as OpenSSL 3. An empty password
 * is tried both as an empty BMPString (two zero bytes) and as "no password" (no bytes), as
 * `openssl pkcs12` does. The password never appears in an error, a `cause` or the result.
 */
import { Buffer } from 'node:buffer';
import { X509Certificate, createHash, createHmac, createPrivateKey, createPublicKey, randomBytes, timingSafeEqual } from 'node:crypto';
import asn1js from './asn1js-lib.cjs';
import pkijs from './pkijs-lib.cjs';
const { AuthenticatedSafe, CertBag, ContentInfo, DigestInfo, EncryptedData, MacData, PFX, SafeBag, SafeContents } = pkijs;
type AuthenticatedSafe = pkijs.AuthenticatedSafe;
type CertBag = pkijs.CertBag;
type ContentInfo = pkijs.ContentInfo;
type DigestInfo = pkijs.DigestInfo;
type EncryptedData = pkijs.EncryptedData;
type MacData = pkijs.MacData;
type PFX = pkijs.PFX;
type SafeBag = pkijs.SafeBag;
type SafeContents = pkijs.SafeContents;
type AlgorithmIdentifier = pkijs.AlgorithmIdentifier;
import { ScelleError, isScelleError } from '../errors.js';
import {
  DEFAULT_ITERATIONS,
  DEFAULT_PBE,
  DEFAULT_SALT_LENGTH,
  DIGEST_OIDS,
  MAX_ITERATIONS,
  OID,
  type PbeAlgorithm,
  type PbePassword,
  type Pkcs12Hash,
  checkIterations,
  describePbe,
  encodePassword,
  matchSchema,
  octets,
  oidOf,
  parseBer,
  passwordCandidates,
  pbeDecrypt,
  pbeEncrypt,
  pkcs12Kdf,
  smallInteger,
} from './pbe.js';
import { checkPrivateKeyInfo, decryptPkcs8WithCandidates, encodeEncryptedPrivateKeyInfo } from './pkcs8.js';

const P12 = {
  encryptedData: '1.2.840.113549.1.7.6',
  envelopedData: '1.2.840.113549.1.7.3',
  signedData: '1.2.840.113549.1.7.2',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbmac1: '1.2.840.113549.1.5.14',
} as const;

/** How deep safeContentsBags may nest (RFC 7292 allows recursion; real files use none). */
const MAX_SAFE_CONTENTS_DEPTH = 4;

/** A private key found in a PKCS#12 file. */
export interface Pkcs12Key {
  /** PrivateKeyInfo DER (decrypted). */
  pkcs8: Uint8Array;
  /** The localKeyId attribute, which pairs the key with its certificate. */
  localKeyId?: Uint8Array;
  /** The friendlyName attribute. */
  friendlyName?: string;
}

/** A certificate found in a PKCS#12 file. */
export interface Pkcs12Cert {
  /** X.509 certificate DER, byte for byte as stored. */
  der: Uint8Array;
  localKeyId?: Uint8Array;
  friendlyName?: string;
}

/** What {@link parsePkcs12} found. */
export interface Pkcs12Contents {
  keys: Pkcs12Key[];
  certificates: Pkcs12Cert[];
  /** e.g. `HMAC-SHA256`; undefined when the file has no MAC (no integrity protection). */
  macAlgorithm?: string;
  /** The MAC's KDF iteration count, when there is a MAC. */
  macIterations?: number;
  /**
   * Human names of the ciphers seen, in order, each once: e.g.
   * `PBES2/AES-256-CBC/PBKDF2-SHA256`, `pbeWithSHAAnd40BitRC2-CBC`.
   */
  encryption: string[];
}

type Match = Record<string, asn1js.AsnType | undefined>;

function malformed(message: string): ScelleError {
  return new ScelleError('MALFORMED_ASN1', message);
}

/** Runs a pkijs constructor on an already-matched node; pkijs throws plain Errors on mismatch. */
function pki<T>(build: () => T, what: string): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof ScelleError) throw e;
    throw malformed(`${what} does not have the expected ASN.1 structure`);
  }
}

/** RFC 7292 App. B + §4: HMAC over the AuthenticatedSafe with the ID=3 KDF key. */
function computeMac(hash: Pkcs12Hash, bmpPw: Uint8Array, salt: Uint8Array, iterations: number, data: Uint8Array): Buffer {
  const size = createHash(hash).digest().length;
  const key = pkcs12Kdf(hash, bmpPw, salt, iterations, 3, size);
  return createHmac(hash, key).update(data).digest();
}

interface MacCheck {
  /** The password forms that verified the MAC (or every candidate, when there is no MAC). */
  candidates: PbePassword[];
  macAlgorithm?: string;
  macIterations?: number;
}

function verifyMac(macNode: asn1js.AsnType | undefined, authSafe: Uint8Array, password: string): MacCheck {
  const all = passwordCandidates(password);
  if (macNode === undefined) return { candidates: all };
  const m = matchSchema(macNode, MacData.schema({ names: { mac: { names: { blockName: 'mac' } }, macSalt: 'macSalt', iterations: 'iterations' } }), 'PKCS#12 MacData') as Match;
  const digestInfo = pki(() => new DigestInfo({ schema: m.mac }), 'PKCS#12 MacData digest');
  const digestOid = digestInfo.digestAlgorithm.algorithmId;
  if (digestOid === P12.pbmac1) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', 'PKCS#12 MAC PBMAC1 (RFC 9579) is not supported yet');
  }
  const hash = DIGEST_OIDS[digestOid];
  if (hash === undefined) throw new ScelleError('UNSUPPORTED_ALGORITHM', `PKCS#12 MAC digest ${digestOid} is not supported`);
  // Digest parameters are absent or NULL (RFC 5754 §2); anything else would sit outside the MAC.
  const digestParams: unknown = digestInfo.digestAlgorithm.algorithmParams;
  if (digestParams instanceof asn1js.BaseBlock && !(digestParams instanceof asn1js.Null)) {
    throw malformed('PKCS#12 MAC digest algorithm has unexpected parameters');
  }
  const salt = octets(m.macSalt, 'PKCS#12 MAC salt');
  // RFC 7292 §4: iterations INTEGER DEFAULT 1.
  const iterations = m.iterations === undefined ? 1 : checkIterations(smallInteger(m.iterations, 'PKCS#12 MAC iteration count'), 'PKCS#12 MAC');
  const expected = octets(digestInfo.digest, 'PKCS#12 MAC value');
  const macAlgorithm = `HMAC-${hash.toUpperCase()}`;
  for (const candidate of all) {
    const mac = computeMac(hash, candidate.bmp, salt, iterations, authSafe);
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) {
      return { candidates: [candidate], macAlgorithm, macIterations: iterations };
    }
  }
  throw new ScelleError('WRONG_PASSWORD', 'the PKCS#12 MAC does not verify: the password is wrong or the file was altered', {
    hint: 'check the password; if it is right, the file is damaged',
  });
}

interface Collected {
  keys: Pkcs12Key[];
  certificates: Pkcs12Cert[];
  encryption: string[];
  candidates: PbePassword[];
  /** True when the MAC verified: a decrypted structure that does not parse is then damage, not a wrong password. */
  authenticated: boolean;
  /** Collect certificates only: key bags are passed over (reading without the password). */
  certificatesOnly?: boolean;
}

function noteEncryption(c: Collected, name: string): void {
  if (!c.encryption.includes(name)) c.encryption.push(name);
}

function readAttributes(attrs: asn1js.AsnType[] | undefined): { localKeyId?: Uint8Array; friendlyName?: string } {
  const out: { localKeyId?: Uint8Array; friendlyName?: string } = {};
  for (const attr of attrs ?? []) {
    const m = matchSchema(attr, new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ name: 'type' }), new asn1js.Set({ name: 'values', value: [new asn1js.Repeated({ value: new asn1js.Any() })] })] }), 'PKCS#12 bag attribute') as Match;
    const type = oidOf(m.type, 'PKCS#12 bag attribute type');
    const values = m.values instanceof asn1js.Set ? m.values.valueBlock.value : [];
    const first = values[0];
    // Lenient on attribute values: a damaged label must not make the key unreachable.
    if (type === P12.localKeyId && out.localKeyId === undefined && first instanceof asn1js.OctetString) {
      out.localKeyId = octets(first, 'PKCS#12 localKeyId');
    } else if (type === P12.friendlyName && out.friendlyName === undefined && (first instanceof asn1js.BmpString || first instanceof asn1js.Utf8String)) {
      out.friendlyName = first.valueBlock.value;
    }
  }
  return out;
}

function readSafeContents(bytes: Uint8Array, c: Collected, depth: number, decrypted: boolean): void {
  let node: asn1js.AsnType;
  let bags: asn1js.AsnType[];
  try {
    node = parseBer(bytes, 'PKCS#12 SafeContents');
    const m = matchSchema(node, SafeContents.schema({ names: { safeBags: 'safeBags' } }), 'PKCS#12 SafeContents') as unknown as Record<string, asn1js.AsnType[] | undefined>;
    bags = m.safeBags ?? [];
  } catch (e) {
    if (decrypted && !c.authenticated && isScelleError(e, 'MALFORMED_ASN1')) {
      throw new ScelleError('WRONG_PASSWORD', 'the PKCS#12 contents do not decrypt to a valid structure: the password is wrong or the file was altered');
    }
    throw e;
  }
  for (const bagNode of bags) {
    const bag = matchSchema(bagNode, SafeBag.schema({ names: { bagId: 'bagId', bagValue: 'bagValue', bagAttributes: 'bagAttributes' } }), 'PKCS#12 SafeBag');
    const bagId = oidOf(bag.bagId, 'PKCS#12 SafeBag type');
    const value = bag.bagValue;
    const attrs = (bag as unknown as Record<string, asn1js.AsnType[] | undefined>).bagAttributes;
    if (value === undefined) throw malformed('PKCS#12 SafeBag has no value');
    if (c.certificatesOnly && (bagId === P12.keyBag || bagId === P12.pkcs8ShroudedKeyBag)) continue;
    switch (bagId) {
      case P12.keyBag: {
        const pkcs8 = new Uint8Array(value.valueBeforeDecodeView);
        checkPrivateKeyInfo(pkcs8);
        c.keys.push({ pkcs8, ...readAttributes(attrs) });
        break;
      }
      case P12.pkcs8ShroudedKeyBag: {
        const { pkcs8, scheme } = decryptPkcs8WithCandidates(new Uint8Array(value.valueBeforeDecodeView), c.candidates);
        noteEncryption(c, scheme);
        c.keys.push({ pkcs8, ...readAttributes(attrs) });
        break;
      }
      case P12.certBag: {
        // Matched with the schema only: pkijs's CertBag constructor throws on sdsiCertificate.
        const cb = matchSchema(value, CertBag.schema({ names: { id: 'certId', value: 'certValue' } }), 'PKCS#12 CertBag');
        if (oidOf(cb.certId, 'PKCS#12 CertBag type') !== P12.x509Certificate) break; // sdsiCertificate and others: ignored
        const der = octets(cb.certValue, 'PKCS#12 x509Certificate');
        const certNode = parseBer(der, 'certificate in PKCS#12 CertBag');
        if (!(certNode instanceof asn1js.Sequence)) throw malformed('certificate in PKCS#12 CertBag is not a SEQUENCE');
        c.certificates.push({ der, ...readAttributes(attrs) });
        break;
      }
      case P12.safeContentsBag: {
        if (depth >= MAX_SAFE_CONTENTS_DEPTH) throw malformed('PKCS#12 safeContentsBags nest too deeply');
        readSafeContents(new Uint8Array(value.valueBeforeDecodeView), c, depth + 1, false);
        break;
      }
      default:
        break; // crlBag, secretBag, unknown: ignored (RFC 7292 §4.2 is extensible)
    }
  }
}

function readEncryptedData(content: asn1js.AsnType, c: Collected): void {
  const ed = pki(() => new EncryptedData({ schema: content }), 'PKCS#12 EncryptedData');
  const eci = ed.encryptedContentInfo;
  if (eci.contentType !== OID.data) throw malformed('PKCS#12 EncryptedData does not carry data');
  if (eci.encryptedContent === undefined) throw malformed('PKCS#12 EncryptedData has no encrypted content');
  const ciphertext = octets(eci.encryptedContent as unknown as asn1js.AsnType, 'PKCS#12 encrypted content');
  const alg: AlgorithmIdentifier = eci.contentEncryptionAlgorithm;
  noteEncryption(c, describePbe(alg));
  let lastError: unknown;
  for (const candidate of c.candidates) {
    let plain: Uint8Array;
    try {
      plain = pbeDecrypt(alg, ciphertext, candidate);
    } catch (e) {
      if (isScelleError(e, 'WRONG_PASSWORD')) {
        lastError = e;
        continue;
      }
      throw e;
    }
    // Collect into a fresh accumulator: a candidate that fails half-way must leave nothing behind.
    const sub: Collected = { keys: [], certificates: [], encryption: [...c.encryption], candidates: [candidate], authenticated: c.authenticated };
    try {
      readSafeContents(plain, sub, 0, true);
      c.keys.push(...sub.keys);
      c.certificates.push(...sub.certificates);
      c.encryption = sub.encryption;
      c.candidates = [candidate];
      return;
    } catch (e) {
      if (isScelleError(e, 'WRONG_PASSWORD') && !c.authenticated) {
        lastError = e;
        continue;
      }
      throw e;
    }
  }
  if (c.authenticated) {
    throw new ScelleError('WRONG_PASSWORD', 'the PKCS#12 MAC verified but the contents do not decrypt: the file uses a different encryption password', { cause: lastError });
  }
  throw new ScelleError('WRONG_PASSWORD', 'cannot decrypt the PKCS#12 contents: the password is wrong or the file was altered', { cause: lastError });
}

/**
 * Reads a PKCS#12 (PFX) file: verifies its MAC, decrypts it, and returns its keys and
 * certificates.
 *
 * @param der - the `.p12` / `.pfx` bytes (DER or BER).
 * @param password - the password (the same one for integrity and privacy, as every common tool
 *   writes).
 * @returns keys (PrivateKeyInfo DER), certificates (DER), the MAC algorithm and the cipher names.
 * @throws ScelleError `WRONG_PASSWORD` — the MAC does not verify (wrong password or altered file),
 *   or the contents do not decrypt; `MALFORMED_ASN1` — truncated or damaged file, or a structure
 *   that is not a PFX; `UNSUPPORTED_FORMAT` — PFX version other than 3, public-key integrity or
 *   privacy mode (signedData/envelopedData); `UNSUPPORTED_ALGORITHM` — unknown MAC digest, cipher or
 *   PRF, or an iteration count above 10,000,000.
 */
export function parsePkcs12(der: Uint8Array, password: string): Pkcs12Contents {
  const node = parseBer(der, 'PKCS#12 file');
  const pfx = matchSchema(node, PFX.schema({ names: { version: 'version', authSafe: { names: { blockName: 'authSafe' } }, macData: { names: { blockName: 'macData', optional: true } } } }), 'PKCS#12 PFX');
  const version = smallInteger(pfx.version, 'PKCS#12 version');
  if (version !== 3) throw new ScelleError('UNSUPPORTED_FORMAT', `PKCS#12 version ${version} is not supported (RFC 7292 defines version 3)`);
  const authSafeInfo = pki(() => new ContentInfo({ schema: pfx.authSafe }), 'PKCS#12 authSafe');
  if (authSafeInfo.contentType === P12.signedData) {
    throw new ScelleError('UNSUPPORTED_FORMAT', 'PKCS#12 public-key integrity mode (signedData) is not supported');
  }
  if (authSafeInfo.contentType !== OID.data) throw malformed('PKCS#12 authSafe is neither data nor signedData');
  const authSafeBytes = octets(authSafeInfo.content as asn1js.AsnType, 'PKCS#12 authSafe content');

  const mac = verifyMac(pfx.macData, authSafeBytes, password);
  const c: Collected = { keys: [], certificates: [], encryption: [], candidates: mac.candidates, authenticated: mac.macAlgorithm !== undefined };

  const asNode = parseBer(authSafeBytes, 'PKCS#12 AuthenticatedSafe');
  const as = matchSchema(asNode, AuthenticatedSafe.schema({ names: { contentInfos: 'contentInfos' } }), 'PKCS#12 AuthenticatedSafe') as unknown as Record<string, asn1js.AsnType[] | undefined>;
  for (const ciNode of as.contentInfos ?? []) {
    const ci = pki(() => new ContentInfo({ schema: ciNode }), 'PKCS#12 ContentInfo');
    switch (ci.contentType) {
      case OID.data:
        readSafeContents(octets(ci.content as asn1js.AsnType, 'PKCS#12 data'), c, 0, false);
        break;
      case P12.encryptedData:
        readEncryptedData(ci.content as asn1js.AsnType, c);
        break;
      case P12.envelopedData:
        throw new ScelleError('UNSUPPORTED_FORMAT', 'PKCS#12 public-key privacy mode (envelopedData) is not supported');
      default:
        throw new ScelleError('UNSUPPORTED_FORMAT', `PKCS#12 AuthenticatedSafe holds content type ${ci.contentType}, which scelle does not know`);
    }
  }
  const out: Pkcs12Contents = { keys: c.keys, certificates: c.certificates, encryption: c.encryption };
  if (mac.macAlgorithm !== undefined) {
    out.macAlgorithm = mac.macAlgorithm;
    out.macIterations = mac.macIterations;
  }
  return out;
}

/** What {@link readPkcs12ClearCertificates} found. */
export interface Pkcs12ClearCertificates {
  /** The certificates stored in clear, as stored: NOT authenticated (the MAC was not checked). */
  certificates: Pkcs12Cert[];
  /** How many parts are encrypted (their certificates need the password). */
  encryptedParts: number;
  /** Whether the file has a MAC (password integrity mode). */
  hasMac: boolean;
}

/**
 * The certificates a PKCS#12 file holds in clear — certBags in `data` ContentInfos, as a
 * certificate-only bag or `openssl pkcs12 -export -certpbe NONE` writes them — read without the
 * password. The MAC is not checked, so these certificates are not authenticated: good enough to
 * show whose certificate it is and its dates (`scelle doctor`), never to trust it. Keys are passed
 * over and encrypted parts counted, not opened.
 * @throws ScelleError `MALFORMED_ASN1` (not a PFX, or a damaged one), `UNSUPPORTED_FORMAT` (a
 *   version other than 3, public-key integrity or privacy mode).
 */
export function readPkcs12ClearCertificates(der: Uint8Array): Pkcs12ClearCertificates {
  const node = parseBer(der, 'PKCS#12 file');
  const pfx = matchSchema(node, PFX.schema({ names: { version: 'version', authSafe: { names: { blockName: 'authSafe' } }, macData: { names: { blockName: 'macData', optional: true } } } }), 'PKCS#12 PFX');
  const version = smallInteger(pfx.version, 'PKCS#12 version');
  if (version !== 3) throw new ScelleError('UNSUPPORTED_FORMAT', `PKCS#12 version ${version} is not supported (RFC 7292 defines version 3)`);
  const authSafeInfo = pki(() => new ContentInfo({ schema: pfx.authSafe }), 'PKCS#12 authSafe');
  if (authSafeInfo.contentType !== OID.data) throw new ScelleError('UNSUPPORTED_FORMAT', 'PKCS#12 public-key integrity mode (signedData) is not supported');
  const asNode = parseBer(octets(authSafeInfo.content as asn1js.AsnType, 'PKCS#12 authSafe content'), 'PKCS#12 AuthenticatedSafe');
  const as = matchSchema(asNode, AuthenticatedSafe.schema({ names: { contentInfos: 'contentInfos' } }), 'PKCS#12 AuthenticatedSafe') as unknown as Record<string, asn1js.AsnType[] | undefined>;
  const c: Collected = { keys: [], certificates: [], encryption: [], candidates: [], authenticated: false, certificatesOnly: true };
  let encryptedParts = 0;
  for (const ciNode of as.contentInfos ?? []) {
    const ci = pki(() => new ContentInfo({ schema: ciNode }), 'PKCS#12 ContentInfo');
    if (ci.contentType === OID.data) readSafeContents(octets(ci.content as asn1js.AsnType, 'PKCS#12 data'), c, 0, false);
    else if (ci.contentType === P12.encryptedData || ci.contentType === P12.envelopedData) encryptedParts++;
    else throw new ScelleError('UNSUPPORTED_FORMAT', `PKCS#12 AuthenticatedSafe holds content type ${ci.contentType}, which scelle does not know`);
  }
  return { certificates: c.certificates, encryptedParts, hasMac: pfx.macData !== undefined };
}

// ---------------------------------------------------------------------------------------------
// Writing

/** One key to store, with its certificate. */
export interface BuildPkcs12Key {
  /** PrivateKeyInfo DER. */
  pkcs8: Uint8Array;
  /** Its certificate (DER); it must hold the key's public key. */
  certificate?: Uint8Array;
  /** Stored as the friendlyName of both the key and its certificate. */
  friendlyName?: string;
}

/** Options of {@link buildPkcs12}. */
export interface BuildPkcs12Options {
  keys: BuildPkcs12Key[];
  /** Extra certificates (CA chain), DER, stored without attributes. */
  certificates?: Uint8Array[];
  password: string;
  /** Encryption KDF iterations; default 2048 like OpenSSL 3. */
  iterations?: number;
  /** MAC KDF iterations; default 2048 like OpenSSL 3. */
  macIterations?: number;
  /**
   * `openssl3` (default): PBES2 / AES-256-CBC / PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC.
   * `legacy`: pbeWithSHAAnd3-KeyTripleDES-CBC for keys and certificates and an HMAC-SHA1 MAC,
   * for importers that predate AES in PKCS#12 (Windows before 10 1709, old Java, old macOS).
   */
  profile?: 'openssl3' | 'legacy';
}

function der(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.toBER(false));
}

/** DER SET OF: elements sorted by their encodings (X.690 §11.6). */
function setOf(elements: asn1js.AsnType[]): asn1js.Set {
  const sorted = elements.map((e) => ({ e, b: Buffer.from(der(e)) })).sort((x, y) => Buffer.compare(x.b, y.b));
  return new asn1js.Set({ value: sorted.map((x) => x.e) });
}

function attributes(localKeyId: Uint8Array | undefined, friendlyName: string | undefined): asn1js.Set | undefined {
  const attrs: asn1js.AsnType[] = [];
  if (friendlyName !== undefined) {
    attrs.push(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: P12.friendlyName }), new asn1js.Set({ value: [new asn1js.BmpString({ value: friendlyName })] })] }));
  }
  if (localKeyId !== undefined) {
    attrs.push(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: P12.localKeyId }), new asn1js.Set({ value: [new asn1js.OctetString({ valueHex: localKeyId })] })] }));
  }
  return attrs.length === 0 ? undefined : setOf(attrs);
}

function safeBag(bagId: string, value: asn1js.AsnType, attrs: asn1js.Set | undefined): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: bagId }), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [value] }), ...(attrs ? [attrs] : [])],
  });
}

function certBag(cert: Uint8Array, attrs: asn1js.Set | undefined): asn1js.Sequence {
  const value = new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: P12.x509Certificate }), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.OctetString({ valueHex: cert })] })],
  });
  return safeBag(P12.certBag, value, attrs);
}

function contentInfo(type: string, content: asn1js.AsnType): asn1js.Sequence {
  return new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [content] })] });
}

function checkCertificate(cert: Uint8Array, what: string): X509Certificate {
  const node = parseBer(cert, what);
  if (!(node instanceof asn1js.Sequence)) throw malformed(`${what} is not a SEQUENCE`);
  try {
    return new X509Certificate(cert);
  } catch (e) {
    throw new ScelleError('MALFORMED_ASN1', `${what} is not an X.509 certificate`, { cause: e });
  }
}

/** Throws KEY_CERT_MISMATCH when the certificate does not hold the key's public key. */
function checkKeyMatchesCertificate(pkcs8: Uint8Array, cert: X509Certificate, index: number): void {
  let publicKey: Buffer;
  try {
    publicKey = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  } catch {
    return; // a key type Node cannot load: nothing to compare, keep it as given
  }
  const certKey = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!publicKey.equals(certKey)) {
    throw new ScelleError('KEY_CERT_MISMATCH', `key #${index + 1} does not match its certificate (${cert.subject.replace(/\n/g, ', ')})`);
  }
}

/**
 * Writes a PKCS#12 (PFX) file (RFC 7292) the way `openssl pkcs12 -export` does with OpenSSL 3:
 * the certificates (each key's certificate, then the extra ones) in one PBES2-encrypted
 * SafeContents, the keys as pkcs8ShroudedKeyBags (PBES2) in one plain SafeContents, and a MAC
 * (HMAC-SHA256, PKCS#12 KDF). PBES2 uses AES-256-CBC and PBKDF2-HMAC-SHA256 with a random 16-byte
 * salt. A key and its certificate share a localKeyId (SHA-1 of the certificate DER) and a
 * friendlyName.
 *
 * @param options - keys, extra certificates, password, iteration counts, profile.
 * @returns the PFX DER.
 * @throws ScelleError `USAGE` — nothing to store, or iteration counts outside 1…10,000,000;
 *   `MALFORMED_ASN1` — a key that is not a PrivateKeyInfo or a certificate that is not X.509 DER;
 *   `KEY_CERT_MISMATCH` — a certificate that does not hold its key's public key.
 */
export function buildPkcs12(options: BuildPkcs12Options): Uint8Array {
  const { keys, password } = options;
  const extra = options.certificates ?? [];
  if (keys.length === 0 && extra.length === 0) throw new ScelleError('USAGE', 'a PKCS#12 file needs at least one key or certificate');
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const macIterations = options.macIterations ?? DEFAULT_ITERATIONS;
  for (const n of [iterations, macIterations]) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_ITERATIONS) throw new ScelleError('USAGE', `iterations must be an integer between 1 and ${MAX_ITERATIONS}`);
  }
  const legacy = options.profile === 'legacy';
  const algorithm: PbeAlgorithm = legacy ? { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd3-KeyTripleDES-CBC' } : DEFAULT_PBE;
  const macHash: Pkcs12Hash = legacy ? 'sha1' : 'sha256';
  const pw = encodePassword(password);

  const certBags: asn1js.AsnType[] = [];
  const keyBags: asn1js.AsnType[] = [];
  keys.forEach((k, index) => {
    checkPrivateKeyInfo(k.pkcs8);
    let localKeyId: Uint8Array | undefined;
    if (k.certificate !== undefined) {
      const cert = checkCertificate(k.certificate, `certificate of key #${index + 1}`);
      checkKeyMatchesCertificate(k.pkcs8, cert, index);
      localKeyId = createHash('sha1').update(k.certificate).digest();
      certBags.push(certBag(k.certificate, attributes(localKeyId, k.friendlyName)));
    }
    const enc = pbeEncrypt(k.pkcs8, pw, { algorithm, iterations });
    const epki = parseBer(encodeEncryptedPrivateKeyInfo(enc.algorithm, enc.ciphertext), 'EncryptedPrivateKeyInfo');
    keyBags.push(safeBag(P12.pkcs8ShroudedKeyBag, epki, attributes(localKeyId, k.friendlyName)));
  });
  extra.forEach((cert, index) => {
    checkCertificate(cert, `extra certificate #${index + 1}`);
    certBags.push(certBag(cert, undefined));
  });

  const safes: asn1js.AsnType[] = [];
  if (certBags.length > 0) {
    const plain = der(new asn1js.Sequence({ value: certBags }));
    const enc = pbeEncrypt(plain, pw, { algorithm, iterations });
    const encryptedData = new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 0 }),
        new asn1js.Sequence({
          value: [
            new asn1js.ObjectIdentifier({ value: OID.data }),
            enc.algorithm.toSchema(),
            new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: enc.ciphertext }),
          ],
        }),
      ],
    });
    safes.push(contentInfo(P12.encryptedData, encryptedData));
  }
  if (keyBags.length > 0) {
    safes.push(contentInfo(OID.data, new asn1js.OctetString({ valueHex: der(new asn1js.Sequence({ value: keyBags })) })));
  }
  const authSafe = der(new asn1js.Sequence({ value: safes }));

  const macSalt = randomBytes(DEFAULT_SALT_LENGTH);
  const mac = computeMac(macHash, pw.bmp, macSalt, macIterations, authSafe);
  const digestOid = Object.entries(DIGEST_OIDS).find(([, h]) => h === macHash)?.[0] ?? OID.sha256;
  const pfx = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 3 }),
      contentInfo(OID.data, new asn1js.OctetString({ valueHex: authSafe })),
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: digestOid }), new asn1js.Null()] }), new asn1js.OctetString({ valueHex: mac })] }),
          new asn1js.OctetString({ valueHex: macSalt }),
          new asn1js.Integer({ value: macIterations }),
        ],
      }),
    ],
  });
  return der(pfx);
}
