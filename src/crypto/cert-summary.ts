/**
 * A certificate summarised for people and scripts: the holder in human terms (name, PS_IdNat /
 * RPPS, profession, e-mail), issuer, validity, key usages, EKU, role, SHA-256 fingerprint.
 * This is what `scelle cert show` prints and what `--json` carries.
 */
import type { X509Cert } from './x509/certificate.js';
import { describeHolder, type HealthHolder } from './health-name.js';
import { certificateRoles, type CertificateRole } from './identity.js';

/** Names of extended key usages people know. */
export const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '1.3.6.1.4.1.311.10.3.12': 'documentSigning (Microsoft)',
  '1.3.6.1.5.5.7.3.36': 'documentSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

/** JSON-friendly summary of one certificate. */
export interface CertificateSummary {
  holder: HealthHolder;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** True when `at` (default now) is inside the validity period. */
  currentlyValid: boolean;
  isCA: boolean;
  pathLen?: number;
  keyUsage: string[];
  keyUsageCritical: boolean;
  extendedKeyUsage: { oid: string; name: string }[];
  extendedKeyUsageCritical: boolean;
  roles: CertificateRole[];
  key: string;
  signatureAlgorithm: string;
  crlDistributionPoints: string[];
  ocspUrls: string[];
  sha256Fingerprint: string;
  /** Shortcuts scripts ask for. */
  rpps?: string;
  email?: string;
  /** Set by identity loaders: whether a private key comes with this certificate. */
  hasPrivateKey?: boolean;
}

/** Summarises a certificate. */
export function summarizeCertificate(cert: X509Cert, at: Date = new Date()): CertificateSummary {
  const emails = cert.subjectAltNames.filter((n) => n.type === 'email').map((n) => n.value);
  const holder = describeHolder(cert.subjectAttributes, emails);
  const k = cert.keyAlgorithm;
  const summary: CertificateSummary = {
    holder,
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumberHex,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    currentlyValid: cert.notBefore <= at && at <= cert.notAfter,
    isCA: cert.basicConstraints?.ca === true,
    keyUsage: cert.keyUsage ?? [],
    keyUsageCritical: cert.keyUsageCritical,
    extendedKeyUsage: (cert.extendedKeyUsage ?? []).map((oid) => ({ oid, name: EKU_NAMES[oid] ?? oid })),
    extendedKeyUsageCritical: cert.extendedKeyUsageCritical,
    roles: certificateRoles(cert),
    key: k.type === 'ec' ? `EC ${k.curve ?? ''}`.trim() : k.bits ? `${k.type.toUpperCase()} ${k.bits} bits` : k.type,
    signatureAlgorithm: cert.signatureAlgorithm.name,
    crlDistributionPoints: cert.crlDistributionPoints,
    ocspUrls: cert.ocspUrls,
    sha256Fingerprint: cert.sha256Fingerprint(),
  };
  if (cert.basicConstraints?.pathLen !== undefined) summary.pathLen = cert.basicConstraints.pathLen;
  if (holder.rpps) summary.rpps = holder.rpps;
  if (holder.emails[0]) summary.email = holder.emails[0];
  return summary;
}
