/**
 * Identities: who signs or decrypts. A PKCS#12 file, a key + certificate pair, or a PKCS#11 token
 * (the way CPS cards are reached). IGC-Santé issues separate certificates for signature
 * (non-repudiation) and for authentication/encryption; an identity may hold several, and
 * {@link selectCertificate} picks by key usage and says why.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ScelleError } from '../errors.js';
import { X509Cert, parseCertificates } from './x509/certificate.js';
import { parsePkcs12 } from './pkcs12.js';
import { loadPrivateKey, publicSpkiOf } from './private-key.js';
import { Pkcs11Session } from './pkcs11.js';
import { defaultSchemeFor, signWithKeyObjectAsync, verifyWithPublicKey, type SignatureScheme } from './signature-scheme.js';

/** What an identity certificate is for. */
export type IdentityPurpose = 'sign' | 'encrypt' | 'auth' | 'tsa';

/** Roles a certificate can play, read from its key usages. */
export type CertificateRole = 'signature' | 'encryption' | 'authentication' | 'tsa' | 'ca' | 'tls' | 'other';

/** A private key, in software or on a token. */
export interface IdentityKey {
  kind: 'software' | 'pkcs11';
  /** `rsa`, `ec`, … */
  keyType: string;
  /** Signs `data` (the message; hashing is part of the scheme). */
  sign(scheme: SignatureScheme, data: Uint8Array): Promise<Uint8Array>;
  /** The KeyObject of a software key (absent on tokens: the key never leaves them). */
  privateKey?: KeyObject;
}

/** A certificate with its private key. */
export interface IdentityEntry {
  certificate: X509Cert;
  key: IdentityKey;
  /** friendlyName (p12) or CKA_LABEL (token). */
  label?: string;
  roles: CertificateRole[];
}

/** A loaded identity. Call {@link Identity.close} when done (it logs out of a token). */
export interface Identity {
  kind: 'pkcs12' | 'pem' | 'pkcs11';
  /** What it was loaded from, for messages: a file name or `token "LABEL"`. */
  source: string;
  entries: IdentityEntry[];
  /** Every certificate it carries (entries' and CA certificates), for chain building. */
  certificates: X509Cert[];
  close(): void;
}

/** Why a certificate was picked (message keys of the CLI catalogs). */
export type PickReason = 'nonRepudiation' | 'digitalSignature' | 'keyEncipherment' | 'keyAgreement' | 'clientAuth' | 'timeStamping' | 'only';

/** The result of {@link selectCertificate}. */
export interface Selection {
  entry: IdentityEntry;
  reason: PickReason;
  /** Other entries and why they were not chosen. */
  others: { entry: IdentityEntry; why: string }[];
}

const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_EMAIL = '1.3.6.1.5.5.7.3.4';
const EKU_TIMESTAMPING = '1.3.6.1.5.5.7.3.8';
const EKU_ANY = '2.5.29.37.0';

/** Roles of a certificate, from basicConstraints, key usage and extended key usage. */
export function certificateRoles(cert: X509Cert): CertificateRole[] {
  if (cert.basicConstraints?.ca) return ['ca'];
  const ku = cert.keyUsage;
  const eku = cert.extendedKeyUsage;
  const roles: CertificateRole[] = [];
  if (eku?.includes(EKU_TIMESTAMPING)) return ['tsa'];
  if (ku?.includes('nonRepudiation')) roles.push('signature');
  if (ku?.includes('keyEncipherment') || ku?.includes('keyAgreement') || ku?.includes('dataEncipherment')) roles.push('encryption');
  if (ku?.includes('digitalSignature') && (eku === undefined || eku.includes(EKU_CLIENT_AUTH) || eku.includes(EKU_ANY))) roles.push('authentication');
  if (ku === undefined && roles.length === 0) roles.push('signature', 'encryption', 'authentication');
  if (eku?.includes('1.3.6.1.5.5.7.3.1')) roles.push('tls');
  return roles.length > 0 ? roles : ['other'];
}

function ekuAllows(cert: X509Cert, oid: string): boolean {
  const eku = cert.extendedKeyUsage;
  return eku === undefined || eku.includes(oid) || eku.includes(EKU_ANY);
}

/** Scores an entry for a purpose: higher is better, undefined = unfit. */
function score(entry: IdentityEntry, purpose: IdentityPurpose): { score: number; reason: PickReason } | undefined {
  const c = entry.certificate;
  if (c.basicConstraints?.ca) return undefined;
  const ku = c.keyUsage;
  switch (purpose) {
    case 'sign':
      if (!ekuAllows(c, EKU_EMAIL)) return undefined;
      if (ku === undefined) return { score: 1, reason: 'only' };
      if (ku.includes('nonRepudiation')) return { score: 3, reason: 'nonRepudiation' };
      if (ku.includes('digitalSignature')) return { score: ku.includes('keyEncipherment') ? 1 : 2, reason: 'digitalSignature' };
      return undefined;
    case 'encrypt':
      if (!ekuAllows(c, EKU_EMAIL)) return undefined;
      if (ku === undefined) return { score: 1, reason: 'only' };
      if (ku.includes('keyEncipherment')) return { score: 3, reason: 'keyEncipherment' };
      if (ku.includes('keyAgreement')) return { score: 3, reason: 'keyAgreement' };
      return undefined;
    case 'auth':
      if (!ekuAllows(c, EKU_CLIENT_AUTH)) return undefined;
      if (ku !== undefined && !ku.includes('digitalSignature')) return undefined;
      return { score: c.extendedKeyUsage?.includes(EKU_CLIENT_AUTH) ? 3 : 1, reason: 'clientAuth' };
    case 'tsa':
      if (!c.extendedKeyUsage?.includes(EKU_TIMESTAMPING)) return undefined;
      return { score: 3, reason: 'timeStamping' };
  }
}

/**
 * Picks the certificate (and key) of an identity for a purpose: for `sign`, the non-repudiation
 * certificate when there is one; for `encrypt`, the key-encipherment / key-agreement one; among
 * equals, the one valid at `at` that expires last.
 * @throws ScelleError `NO_SUITABLE_CERTIFICATE` when none fits.
 */
export function selectCertificate(identity: Identity, purpose: IdentityPurpose, at: Date = new Date()): Selection {
  const rated = identity.entries.map((entry) => ({ entry, s: score(entry, purpose) }));
  const fit = rated.filter((r) => r.s !== undefined) as { entry: IdentityEntry; s: { score: number; reason: PickReason } }[];
  if (fit.length === 0) {
    throw new ScelleError('NO_SUITABLE_CERTIFICATE', `no certificate in ${identity.source} may be used for ${purpose} (key usages: ${identity.entries.map((e) => (e.certificate.keyUsage ?? ['any']).join('+')).join(', ') || 'none'})`, {
      params: { purpose, source: identity.source },
    });
  }
  const valid = (e: IdentityEntry): number => (e.certificate.notBefore <= at && at <= e.certificate.notAfter ? 1 : 0);
  fit.sort((a, b) => b.s.score - a.s.score || valid(b.entry) - valid(a.entry) || b.entry.certificate.notAfter.getTime() - a.entry.certificate.notAfter.getTime());
  const best = fit[0]!;
  const reason: PickReason = identity.entries.length === 1 && best.s.reason === 'only' ? 'only' : best.s.reason;
  const others = rated
    .filter((r) => r.entry !== best.entry)
    .map((r) => ({ entry: r.entry, why: r.s === undefined ? `its key usage does not allow ${purpose}` : 'another certificate fits better' }));
  return { entry: best.entry, reason, others };
}

function softwareKey(privateKey: KeyObject): IdentityKey {
  return {
    kind: 'software',
    keyType: privateKey.asymmetricKeyType ?? 'unknown',
    privateKey,
    sign: (scheme, data) => signWithKeyObjectAsync(privateKey, scheme, data),
  };
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/**
 * Opens a PKCS#12 file (OpenSSL 3 default PBES2/AES-256 or legacy 3DES/RC2-40). Keys are paired
 * with certificates by public key (localKeyId is only a hint).
 * @throws ScelleError `WRONG_PASSWORD` (with `file` param), `MALFORMED_ASN1`, `UNSUPPORTED_ALGORITHM`, `NO_PRIVATE_KEY`, `KEY_CERT_MISMATCH`.
 */
export function loadPkcs12Identity(der: Uint8Array, password: string, options: { name?: string } = {}): Identity {
  const name = options.name ?? 'PKCS#12 file';
  const contents = openPkcs12(der, password, name);
  const certificates = contents.certificates.map((c) => X509Cert.fromDer(c.der));
  if (contents.keys.length === 0) throw new ScelleError('NO_PRIVATE_KEY', `${name} holds no private key`, { params: { source: name } });
  const entries: IdentityEntry[] = contents.keys.map((k, i) => {
    const privateKey = createKey(k.pkcs8, name);
    const spki = publicSpkiOf(privateKey);
    const cert = certificates.find((c) => sameBytes(c.spkiDer, spki));
    if (!cert) throw new ScelleError('KEY_CERT_MISMATCH', `${name}: private key #${i + 1} has no matching certificate`, { params: { source: name } });
    const label = k.friendlyName ?? contents.certificates.find((c) => sameBytes(c.localKeyId, k.localKeyId))?.friendlyName;
    return { certificate: cert, key: softwareKey(privateKey), ...(label ? { label } : {}), roles: certificateRoles(cert) };
  });
  return { kind: 'pkcs12', source: name, entries, certificates, close: () => undefined };
}

function openPkcs12(der: Uint8Array, password: string, name: string): ReturnType<typeof parsePkcs12> {
  try {
    return parsePkcs12(der, password);
  } catch (e) {
    if (e instanceof ScelleError) {
      throw new ScelleError(e.code, e.code === 'WRONG_PASSWORD' ? `wrong password for ${name} (or the file was altered)` : `${name}: ${e.message}`, { params: { ...e.params, file: name }, cause: e });
    }
    throw e;
  }
}

/** A certificate of a PKCS#12 file and whether the file holds its private key. */
export interface Pkcs12Certificate {
  certificate: X509Cert;
  hasKey: boolean;
  label?: string;
}

/**
 * The certificates of a PKCS#12 file, whether it holds keys or not (a CA chain exported as .p12
 * holds none), each marked with whether its key is in the file.
 * @throws ScelleError WRONG_PASSWORD (with `file`), MALFORMED_ASN1, UNSUPPORTED_ALGORITHM.
 */
export function readPkcs12Certificates(der: Uint8Array, password: string, options: { name?: string } = {}): Pkcs12Certificate[] {
  const contents = openPkcs12(der, password, options.name ?? 'PKCS#12 file');
  const keySpkis = contents.keys.map((k) => publicSpkiOf(createKey(k.pkcs8, options.name ?? 'PKCS#12 file')));
  return contents.certificates.map((c) => {
    const certificate = X509Cert.fromDer(c.der);
    return { certificate, hasKey: keySpkis.some((s) => sameBytes(s, certificate.spkiDer)), ...(c.friendlyName ? { label: c.friendlyName } : {}) };
  });
}

function createKey(pkcs8: Uint8Array, name: string): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new ScelleError('MALFORMED_ASN1', `${name}: a private key inside is damaged`, { params: { what: 'private key' }, cause: e });
  }
}

/**
 * Builds an identity from a key file and a certificate file (PEM or DER; the certificate file may
 * carry the chain after the end-entity certificate).
 * @throws ScelleError `KEY_CERT_MISMATCH` when the key is not the certificate's, plus those of {@link loadPrivateKey}.
 */
export async function loadKeyAndCertIdentity(keyBytes: Uint8Array, certBytes: Uint8Array, options: { keyName?: string; certName?: string; password?: () => Promise<string> } = {}): Promise<Identity> {
  const privateKey = await loadPrivateKey(keyBytes, { name: options.keyName ?? 'key', ...(options.password ? { password: options.password } : {}) });
  const certificates = parseCertificates(certBytes);
  const spki = publicSpkiOf(privateKey);
  const cert = certificates.find((c) => sameBytes(c.spkiDer, spki));
  if (!cert) throw new ScelleError('KEY_CERT_MISMATCH', `the key ${options.keyName ?? ''} does not match any certificate in ${options.certName ?? 'the certificate file'}`, { params: { source: options.certName ?? 'certificate' } });
  return { kind: 'pem', source: options.certName ?? 'certificate', entries: [{ certificate: cert, key: softwareKey(privateKey), roles: certificateRoles(cert) }], certificates, close: () => undefined };
}

/** Options of {@link openPkcs11Identity}. */
export interface Pkcs11IdentityOptions {
  module: string;
  tokenLabel?: string;
  /** Only keys with this CKA_LABEL. */
  keyLabel?: string;
  pin: string;
}

/**
 * Opens a PKCS#11 token (a CPS card, SoftHSM2…) and logs in. Keys stay on the token: signing is
 * done by the token. The PIN is used for C_Login only and not kept.
 * @throws ScelleError `WRONG_PIN`, `PIN_LOCKED`, `TOKEN_NOT_FOUND`, `PKCS11_MODULE_ERROR`, `PKCS11_ERROR`, `NO_PRIVATE_KEY`.
 */
export function openPkcs11Identity(options: Pkcs11IdentityOptions): Identity {
  const session = Pkcs11Session.open({ module: options.module, ...(options.tokenLabel ? { tokenLabel: options.tokenLabel } : {}), pin: options.pin });
  try {
    const source = `token "${session.token.label}"`;
    const keys = session.listPrivateKeys().filter((k) => options.keyLabel === undefined || k.label === options.keyLabel);
    const tokenCerts = session.listCertificates();
    const certificates = tokenCerts.map((c) => X509Cert.fromDer(c.der));
    const entries: IdentityEntry[] = [];
    for (const k of keys) {
      const idx = tokenCerts.findIndex((c) => sameBytes(c.id, k.id));
      if (idx < 0 || !k.canSign) continue;
      const cert = certificates[idx]!;
      const keyId = k.id;
      entries.push({
        certificate: cert,
        label: k.label,
        roles: certificateRoles(cert),
        key: { kind: 'pkcs11', keyType: k.keyType, sign: async (scheme, data) => session.sign(keyId, scheme, data) },
      });
    }
    if (entries.length === 0) {
      throw new ScelleError('NO_PRIVATE_KEY', `${source} has no private key with a certificate${options.keyLabel ? ` labelled "${options.keyLabel}"` : ''}`, { params: { source } });
    }
    return { kind: 'pkcs11', source, entries, certificates, close: () => session.close() };
  } catch (e) {
    session.close();
    throw e;
  }
}

/**
 * Proves that an entry's key and certificate belong together and work: signs a random challenge
 * with the key (on the token for a card) and verifies it with the certificate's public key.
 * @throws ScelleError `KEY_CERT_MISMATCH` when the signature does not verify.
 */
export async function checkIdentityEntry(entry: IdentityEntry, scheme?: SignatureScheme): Promise<SignatureScheme> {
  const s = scheme ?? defaultSchemeFor(entry.certificate.keyAlgorithm.type, entry.certificate.keyAlgorithm.curve);
  const challenge = new Uint8Array(Buffer.from(`scelle identity check ${Date.now()} ${Math.random()}`));
  const sig = await entry.key.sign(s, challenge);
  if (!verifyWithPublicKey(entry.certificate.publicKey, s, challenge, sig)) {
    throw new ScelleError('KEY_CERT_MISMATCH', `the key of "${entry.certificate.subject}" does not produce signatures its certificate verifies`, { params: { source: entry.label ?? entry.certificate.subject } });
  }
  return s;
}
