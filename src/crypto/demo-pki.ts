/**
 * An IGC-Santé-like demonstration PKI, clearly named DEMO: a root, a "personnes" CA, practitioner
 * identities with separate signature and encryption/authentication certificates (as IGC-Santé
 * issues them on CPS cards), a TSA identity, and a CRL revoking one certificate.
 * Nothing here is trusted by anyone but the person who made it.
 */
import { generateKeyPair, randomInt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { buildCertificate, buildCrl, certificateSerial, type DnAttribute } from './cert-builder.js';
import { buildPkcs12 } from './pkcs12.js';
import { formatPem } from './pem.js';
import { writeFileAtomic } from '../io/atomic-write.js';

const genKeyPair = promisify(generateKeyPair);

/** OIDs of extended key usages the demo profiles use. */
const EKU = {
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
};

/** One person or service of the demo PKI. */
export interface DemoIdentity {
  /** File stem: `praticien`, `confrere`, `revoque`, `tsa`. */
  name: string;
  /** PKCS#12 holding the keys, certificates and the CA chain. */
  p12: Uint8Array;
  /** Its password (random, strong). */
  password: string;
  /** Certificates (DER), signature first for practitioners. */
  certificates: Uint8Array[];
  /** Private keys matching `certificates`, in the same order. */
  keys: KeyObject[];
  /** E-mail address (MSSanté-style) for practitioners. */
  email?: string;
  /** RPPS number for practitioners. */
  rpps?: string;
}

/** The whole demo PKI, in memory. */
export interface DemoPki {
  root: Uint8Array;
  rootKey: KeyObject;
  ca: Uint8Array;
  caKey: KeyObject;
  /** CRL of the "personnes" CA (revokes `revoque`'s certificates). */
  crl: Uint8Array;
  /** CRL of the root (no CA revoked), so that the whole path can be checked. */
  rootCrl: Uint8Array;
  praticien: DemoIdentity;
  confrere: DemoIdentity;
  revoque: DemoIdentity;
  tsa: DemoIdentity;
  createdAt: Date;
}

/** Options of {@link createDemoPki}. */
export interface DemoPkiOptions {
  /** Time the PKI is made (validity starts one day before). Default: now. */
  now?: Date;
  /** RSA modulus size of the end-entity keys (default 2048, as on CPS cards). */
  rsaBits?: number;
  /** CRL distribution point URL to write in end-entity certificates. */
  crlUrl?: string;
  /** OCSP responder URL to write in end-entity certificates (AIA). */
  ocspUrl?: string;
  /** p12 key-derivation iterations (default 2048, as OpenSSL 3). */
  p12Iterations?: number;
}

const DAY = 86_400_000;
const addYears = (d: Date, y: number): Date => new Date(d.getTime() + y * 365.25 * DAY);

/** A strong random password: 4 groups of 5 from an unambiguous alphabet plus class markers. */
export function randomDemoPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const group = (): string => Array.from({ length: 5 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${group()}-${group()}-${group()}-${group()}!7aZ`;
}

async function rsa(bits: number): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return genKeyPair('rsa', { modulusLength: bits });
}

const ORG: DnAttribute[] = [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }];

/**
 * Creates the demo PKI in memory. Keys are fresh each time.
 * @throws ScelleError `INTERNAL` only if key generation fails.
 */
export async function createDemoPki(options: DemoPkiOptions = {}): Promise<DemoPki> {
  const now = options.now ?? new Date();
  const start = new Date(now.getTime() - DAY);
  const bits = options.rsaBits ?? 2048;
  const [rootKeys, caKeys] = await Promise.all([rsa(Math.max(bits, 3072)), rsa(Math.max(bits, 2048))]);

  const root = buildCertificate({
    subject: [...ORG, { type: 'OU', value: 'IGC-SANTE DEMO' }, { type: 'CN', value: 'AC RACINE IGC-SANTE DEMO' }],
    publicKey: rootKeys.publicKey, signingKey: rootKeys.privateKey,
    notBefore: start, notAfter: addYears(start, 25), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const ca = buildCertificate({
    subject: [...ORG, { type: 'OU', value: 'IGC-SANTE DEMO' }, { type: 'CN', value: 'AC IGC-SANTE DEMO PERSONNES' }],
    issuerCertificate: root, publicKey: caKeys.publicKey, signingKey: rootKeys.privateKey,
    notBefore: start, notAfter: addYears(start, 20), ca: { pathLen: 0 }, keyUsage: ['keyCertSign', 'cRLSign'],
  });

  const endEntityExtras = {
    ...(options.crlUrl ? { crlDistributionPoints: [options.crlUrl] } : {}),
    ...(options.ocspUrl ? { ocspUrl: options.ocspUrl } : {}),
  };

  const practitioner = async (name: string, rpps: string, given: string, surname: string, professionCode: string): Promise<DemoIdentity> => {
    const email = `${name}@demo.mssante.fr`;
    const subject: DnAttribute[] = [
      ...ORG, { type: 'OU', value: '499700000017' }, { type: 'T', value: professionCode },
      { type: 'SN', value: surname }, { type: 'GN', value: given }, { type: 'CN', value: `8${rpps}` },
    ];
    const [sigKeys, encKeys] = await Promise.all([rsa(bits), rsa(bits)]);
    // IGC-Santé profile "signature": non-repudiation only.
    const sig = buildCertificate({
      subject, issuerCertificate: ca, publicKey: sigKeys.publicKey, signingKey: caKeys.privateKey,
      notBefore: start, notAfter: addYears(start, 3), keyUsage: ['nonRepudiation'],
      extendedKeyUsage: [EKU.emailProtection], emails: [email], ...endEntityExtras,
    });
    // Profile "authentification / chiffrement": digital signature and key encipherment.
    const enc = buildCertificate({
      subject, issuerCertificate: ca, publicKey: encKeys.publicKey, signingKey: caKeys.privateKey,
      notBefore: start, notAfter: addYears(start, 3), keyUsage: ['digitalSignature', 'keyEncipherment'],
      extendedKeyUsage: [EKU.clientAuth, EKU.emailProtection], emails: [email], ...endEntityExtras,
    });
    const password = randomDemoPassword();
    const p12 = buildPkcs12({
      keys: [
        { pkcs8: pkcs8Of(sigKeys.privateKey), certificate: sig, friendlyName: `${given} ${surname} (signature)` },
        { pkcs8: pkcs8Of(encKeys.privateKey), certificate: enc, friendlyName: `${given} ${surname} (authentification)` },
      ],
      certificates: [ca, root],
      password,
      ...(options.p12Iterations ? { iterations: options.p12Iterations } : {}),
    });
    return { name, p12, password, certificates: [sig, enc], keys: [sigKeys.privateKey, encKeys.privateKey], email, rpps };
  };

  const [praticien, confrere, revoque, tsaKeys] = await Promise.all([
    practitioner('praticien', '10101234567', 'CLAIRE', 'DURAND', '10'),
    practitioner('confrere', '10107654321', 'PAUL', 'MARTIN', '10'),
    practitioner('revoque', '10109999990', 'JEAN', 'ANCIEN', '10'),
    rsa(bits),
  ]);

  const tsaCert = buildCertificate({
    subject: [...ORG, { type: 'OU', value: 'IGC-SANTE DEMO' }, { type: 'CN', value: 'HORODATAGE SCELLE DEMO' }],
    issuerCertificate: ca, publicKey: tsaKeys.publicKey, signingKey: caKeys.privateKey,
    notBefore: start, notAfter: addYears(start, 5), keyUsage: ['digitalSignature', 'nonRepudiation'],
    extendedKeyUsage: [EKU.timeStamping], extendedKeyUsageCritical: true, ...endEntityExtras,
  });
  const tsaPassword = randomDemoPassword();
  const tsa: DemoIdentity = {
    name: 'tsa',
    p12: buildPkcs12({
      keys: [{ pkcs8: pkcs8Of(tsaKeys.privateKey), certificate: tsaCert, friendlyName: 'HORODATAGE SCELLE DEMO' }],
      certificates: [ca, root], password: tsaPassword,
      ...(options.p12Iterations ? { iterations: options.p12Iterations } : {}),
    }),
    password: tsaPassword, certificates: [tsaCert], keys: [tsaKeys.privateKey],
  };

  const crl = buildCrl({
    issuerCertificate: ca, signingKey: caKeys.privateKey,
    thisUpdate: new Date(now.getTime() - 3600_000), nextUpdate: new Date(now.getTime() + 30 * DAY), crlNumber: 1,
    revoked: revoque.certificates.map((c) => ({ serialNumber: certificateSerial(c), revocationDate: new Date(now.getTime() - 2 * 3600_000), reason: 'keyCompromise' as const })),
  });
  const rootCrl = buildCrl({
    issuerCertificate: root, signingKey: rootKeys.privateKey,
    thisUpdate: new Date(now.getTime() - 3600_000), nextUpdate: new Date(now.getTime() + 365 * DAY), crlNumber: 1, revoked: [],
  });
  return { root, rootKey: rootKeys.privateKey, ca, caKey: caKeys.privateKey, crl, rootCrl, praticien, confrere, revoque, tsa, createdAt: now };
}

function pkcs8Of(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
}

/** What {@link writeDemoPki} wrote: file name → what it is (English). */
export type DemoPkiFiles = { file: string; what: string }[];

/**
 * Writes the demo PKI as `pki demo` does: root.pem, ca.pem, trust.pem, praticien.p12, confrere.p12,
 * revoque.p12, tsa.p12, public certificates as PEM, crl.pem (both CRLs), PASSWORDS.txt (0600).
 * @throws ScelleError `IO_ERROR` when the folder cannot be written.
 */
export async function writeDemoPki(pki: DemoPki, dir: string): Promise<DemoPkiFiles> {
  const cert = (der: Uint8Array): string => formatPem('CERTIFICATE', der);
  const files: DemoPkiFiles = [];
  const put = async (file: string, data: Uint8Array | string, what: string, mode?: number): Promise<void> => {
    await writeFileAtomic(join(dir, file), data, mode === undefined ? {} : { mode });
    files.push({ file, what });
  };
  await put('root.pem', cert(pki.root), 'root certificate (DEMO)');
  await put('ca.pem', cert(pki.ca), '"personnes" CA certificate (DEMO)');
  await put('trust.pem', cert(pki.root), 'trust anchors to pass with --trust');
  await put('crl.pem', formatPem('X509 CRL', pki.crl) + formatPem('X509 CRL', pki.rootCrl), 'revocation lists (revoque is revoked)');
  for (const id of [pki.praticien, pki.confrere, pki.revoque, pki.tsa]) {
    await put(`${id.name}.p12`, id.p12, `${id.name} identity (keys + certificates), password in PASSWORDS.txt`, 0o600);
    await put(`${id.name}.pem`, id.certificates.map(cert).join('') + cert(pki.ca), `${id.name} certificates (public) and CA`);
  }
  const passwords = [pki.praticien, pki.confrere, pki.revoque, pki.tsa].map((id) => `${id.name}.p12: ${id.password}\n`).join('');
  await put('PASSWORDS.txt', passwords, 'p12 passwords (readable by you only)', 0o600);
  return files;
}
