/**
 * The detailed validation report (`scelle verify --report FILE`): per signer, every check made
 * (ETSI EN 319 102-1 building blocks), the certificate path with the revocation data used, the
 * proofs of existence and where they come from, and each time-stamp with its own path. JSON, with
 * the schema `docs/validation-report.schema.json`; `etsi-report.ts` writes the same content as an
 * ETSI TS 119 102-2 XML report.
 *
 * Dates are ISO-8601 UTC; certificates are named by subject and SHA-256 of their DER, CRLs by the
 * SHA-256 of theirs, so that a third party can find the exact objects.
 */
import * as crypto from 'node:crypto';
import type { ErrorCode } from '../errors.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { ChainVerdict, PolicySettings, RevocationEntry } from '../crypto/x509/verify-chain.js';
import type { Indication, SubIndication } from './indication.js';
import type { SignerVerdict } from './signer.js';
import type { TimestampVerdict } from './timestamp.js';
import type { SignatureVerdict } from './verify-signature.js';

/** Version of the report's JSON shape (bumped only on an incompatible change). */
export const REPORT_VERSION = 1;

/** One certificate of a reported path. */
export interface ReportCertificate {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  trustAnchor: boolean;
  revocation?: {
    status: RevocationEntry['status'];
    source?: 'crl' | 'ocsp';
    revokedAt?: string;
    reason?: string;
    note?: string;
    crl?: { issuer: string; thisUpdate: string; nextUpdate?: string; number?: string; sha256: string; delta?: boolean };
    ocsp?: { responder: string; thisUpdate: string; nextUpdate?: string };
  };
}

/** A reported certificate path. */
export interface ReportChain {
  ok: boolean;
  code?: ErrorCode;
  /** The control time the path was checked at. */
  controlTime: string;
  /** True for a validation in the past (at a proven time). */
  past: boolean;
  path: ReportCertificate[];
  problems: { code: ErrorCode; depth: number; message: string }[];
}

/** One check of the validation process. */
export interface ReportCheck {
  name: 'identification-of-signing-certificate' | 'cryptographic-verification' | 'x509-certificate-validation' | 'signature-timestamps' | 'past-certificate-validation' | 'cryptographic-constraints';
  result: 'passed' | 'failed' | 'indeterminate' | 'not-applicable';
  code?: ErrorCode;
}

/** A reported time-stamp. */
export interface ReportTimestamp {
  type: 'signature-timestamp' | 'archive-timestamp';
  indication: Indication;
  subIndication?: SubIndication;
  code?: ErrorCode;
  genTime?: string;
  serialNumber?: string;
  policy?: string;
  tsa?: string;
  sha256: string;
  problems: { code: ErrorCode; message: string }[];
  chain?: ReportChain;
  pastChain?: ReportChain;
}

/** The report on one signer. */
export interface ReportSignature {
  id: string;
  file: string;
  signerIndex: number;
  indication: Indication;
  subIndication?: SubIndication;
  code?: ErrorCode;
  format: SignerVerdict['cades']['level'];
  signer?: { subject: string; issuer: string; serialNumber: string; sha256: string };
  /** The signing-time attribute: the signer's own claim. */
  claimedSigningTime?: string;
  validationTime: string;
  bestSignatureTime: string;
  poe?: { time: string; origin: string; tsa?: string };
  digestAlgorithm: string;
  signatureAlgorithm: string;
  /** SHA-256 of the SignerInfo's signature value (identifies the signature). */
  signatureValueSha256: string;
  weakAlgorithms: string[];
  checks: ReportCheck[];
  chain?: ReportChain;
  pastChain?: ReportChain;
  timestamps: ReportTimestamp[];
  problems: { code: ErrorCode; message: string }[];
}

/** A whole report. */
export interface ValidationReport {
  reportVersion: number;
  generator: string;
  validationTime: string;
  policy: { name: string; revocation: 'require' | 'skip'; initialPolicySet: string[]; requireExplicitPolicy: boolean; timestampsMustBeValid: true };
  documents: { file: string; contentDigests: Record<string, string>; detached: boolean; indication: Indication; subIndication?: SubIndication; code?: ErrorCode; error?: { code: ErrorCode; message: string } }[];
  signatures: ReportSignature[];
}

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

function reportCertificate(c: X509Cert, anchor: boolean, rev: RevocationEntry | undefined): ReportCertificate {
  const out: ReportCertificate = {
    subject: c.subject, issuer: c.issuer, serialNumber: c.serialNumberHex, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), sha256: sha256(c.der), trustAnchor: anchor,
  };
  if (rev !== undefined) {
    out.revocation = { status: rev.status };
    if (rev.source !== undefined) out.revocation.source = rev.source;
    if (rev.revokedAt !== undefined) out.revocation.revokedAt = rev.revokedAt.toISOString();
    if (rev.reason !== undefined) out.revocation.reason = rev.reason;
    if (rev.note !== undefined) out.revocation.note = rev.note;
    if (rev.crl !== undefined) {
      out.revocation.crl = { issuer: rev.crl.issuer, thisUpdate: rev.crl.thisUpdate.toISOString(), sha256: rev.crl.sha256 };
      if (rev.crl.nextUpdate !== undefined) out.revocation.crl.nextUpdate = rev.crl.nextUpdate.toISOString();
      if (rev.crl.number !== undefined) out.revocation.crl.number = rev.crl.number;
      if (rev.crl.delta === true) out.revocation.crl.delta = true;
    }
    if (rev.ocsp !== undefined) {
      out.revocation.ocsp = { responder: rev.ocsp.responder, thisUpdate: rev.ocsp.thisUpdate.toISOString() };
      if (rev.ocsp.nextUpdate !== undefined) out.revocation.ocsp.nextUpdate = rev.ocsp.nextUpdate.toISOString();
    }
  }
  return out;
}

/** A path verdict as reported. */
export function reportChain(v: ChainVerdict, anchors: readonly X509Cert[]): ReportChain {
  const out: ReportChain = {
    ok: v.ok,
    controlTime: v.checkedAt.toISOString(),
    past: v.past,
    path: v.path.map((c, depth) => reportCertificate(c, depth === v.path.length - 1 && anchors.some((a) => a.equals(c)), v.revocation.find((r) => r.depth === depth))),
    problems: v.problems.map((p) => ({ code: p.code, depth: p.depth, message: p.message })),
  };
  if (v.code !== undefined) out.code = v.code;
  return out;
}

function reportTimestamp(t: TimestampVerdict, anchors: readonly X509Cert[]): ReportTimestamp {
  const out: ReportTimestamp = {
    type: 'signature-timestamp', indication: t.indication, sha256: t.token !== undefined ? sha256(t.token) : '',
    problems: t.problems.map((p) => ({ code: p.code, message: p.message })),
  };
  if (t.subIndication !== undefined) out.subIndication = t.subIndication;
  if (t.code !== undefined) out.code = t.code;
  if (t.genTime !== undefined) out.genTime = t.genTime.toISOString();
  if (t.serialNumber !== undefined) out.serialNumber = t.serialNumber;
  if (t.policy !== undefined) out.policy = t.policy;
  if (t.tsa !== undefined) out.tsa = t.tsa.subject;
  if (t.chain !== undefined) out.chain = reportChain(t.chain, anchors);
  if (t.pastChain !== undefined) out.pastChain = reportChain(t.pastChain, anchors);
  return out;
}

const CRYPTO_CODES = new Set<ErrorCode>(['CONTENT_MISMATCH', 'CONTENT_TAMPERED', 'SIGNATURE_INVALID', 'UNSUPPORTED_ALGORITHM']);

function checksOf(s: SignerVerdict): ReportCheck[] {
  const codes = s.problems.map((p) => p.code);
  const first = (set: (c: ErrorCode) => boolean): ErrorCode | undefined => codes.find(set);
  const check = (name: ReportCheck['name'], result: ReportCheck['result'], code?: ErrorCode): ReportCheck => (code === undefined ? { name, result } : { name, result, code });
  const ident = first((c) => c === 'SIGNER_CERT_MISSING' || c === 'SIGNING_CERT_MISMATCH');
  const cryptoCode = first((c) => CRYPTO_CODES.has(c));
  const weak = first((c) => c === 'WEAK_ALGORITHM');
  const tsFailed = s.timestamps.find((t) => !t.ok);
  const out: ReportCheck[] = [
    check('identification-of-signing-certificate', ident === undefined ? 'passed' : 'indeterminate', ident),
    check('cryptographic-verification', s.signer === undefined ? 'not-applicable' : cryptoCode === undefined ? 'passed' : cryptoCode === 'UNSUPPORTED_ALGORITHM' ? 'indeterminate' : 'failed', cryptoCode),
    check('x509-certificate-validation', s.chain === undefined ? 'not-applicable' : s.chain.ok ? 'passed' : 'indeterminate', s.chain?.code),
    check('signature-timestamps', s.timestamps.length === 0 ? 'not-applicable' : tsFailed === undefined ? 'passed' : 'indeterminate', tsFailed?.code),
    check('past-certificate-validation', s.pastChain === undefined ? 'not-applicable' : s.pastChain.ok ? 'passed' : 'indeterminate', s.pastChain?.code),
    check('cryptographic-constraints', weak === undefined ? 'passed' : 'indeterminate', weak),
  ];
  return out;
}

/** The report on one signer of `file`. */
export function reportSignature(file: string, index: number, s: SignerVerdict, anchors: readonly X509Cert[]): ReportSignature {
  const out: ReportSignature = {
    id: `S-${sha256(Buffer.concat([Buffer.from(s.signatureValue), Buffer.from(`\0${file}\0${index}`)])).slice(0, 16).toUpperCase()}`,
    file,
    signerIndex: index,
    indication: s.indication,
    format: s.cades.level,
    validationTime: s.validationTime.toISOString(),
    bestSignatureTime: s.bestSignatureTime.toISOString(),
    digestAlgorithm: s.digestAlgorithm,
    signatureAlgorithm: s.signatureAlgorithm,
    signatureValueSha256: sha256(s.signatureValue),
    weakAlgorithms: s.weakAlgorithms,
    checks: checksOf(s),
    timestamps: [
      ...s.timestamps.map((t) => reportTimestamp(t, anchors)),
      ...(s.archiveTimestamps ?? []).flatMap((a) => (a.timestamp !== undefined ? [{ ...reportTimestamp(a.timestamp, anchors), type: 'archive-timestamp' as const }] : [])),
    ],
    problems: s.problems.map((p) => ({ code: p.code, message: p.message })),
  };
  if (s.subIndication !== undefined) out.subIndication = s.subIndication;
  if (s.code !== undefined) out.code = s.code;
  if (s.signer !== undefined) out.signer = { subject: s.signer.subject, issuer: s.signer.issuer, serialNumber: s.signer.serialNumberHex, sha256: sha256(s.signer.der) };
  if (s.signingTime !== undefined) out.claimedSigningTime = s.signingTime.toISOString();
  if (s.poe !== undefined) out.poe = { time: s.poe.time.toISOString(), origin: s.poe.origin, ...(s.poe.tsa !== undefined ? { tsa: s.poe.tsa } : {}) };
  if (s.chain !== undefined) out.chain = reportChain(s.chain, anchors);
  if (s.pastChain !== undefined) out.pastChain = reportChain(s.pastChain, anchors);
  return out;
}

/** What {@link buildValidationReport} reports on: each file's verdict, or the error that stopped it. */
export interface ReportInput {
  file: string;
  verdict?: SignatureVerdict;
  error?: { code: ErrorCode; message: string };
}

/** Options of {@link buildValidationReport}. */
export interface BuildReportOptions {
  trustAnchors: readonly X509Cert[];
  validationTime: Date;
  revocation?: 'require' | 'skip';
  policy?: PolicySettings;
  /** Names the program (`scelle 0.1.0`). */
  generator?: string;
}

/** Builds the report of one `verify` run. */
export function buildValidationReport(inputs: readonly ReportInput[], options: BuildReportOptions): ValidationReport {
  const signatures: ReportSignature[] = [];
  const documents: ValidationReport['documents'] = [];
  for (const input of inputs) {
    if (input.verdict === undefined) {
      documents.push({ file: input.file, contentDigests: {}, detached: false, indication: 'INDETERMINATE', subIndication: 'FORMAT_FAILURE', ...(input.error !== undefined ? { code: input.error.code, error: input.error } : {}) });
      continue;
    }
    const v = input.verdict;
    const doc: ValidationReport['documents'][number] = { file: input.file, contentDigests: v.contentDigests, detached: v.detached, indication: v.indication };
    if (v.subIndication !== undefined) doc.subIndication = v.subIndication;
    if (v.code !== undefined) doc.code = v.code;
    documents.push(doc);
    v.signers.forEach((s, i) => signatures.push(reportSignature(input.file, i, s, options.trustAnchors)));
  }
  return {
    reportVersion: REPORT_VERSION,
    generator: options.generator ?? 'scelle',
    validationTime: options.validationTime.toISOString(),
    policy: {
      name: 'scelle-default',
      revocation: options.revocation ?? 'require',
      initialPolicySet: options.policy?.initialPolicySet ?? ['2.5.29.32.0'],
      requireExplicitPolicy: options.policy?.requireExplicitPolicy === true,
      timestampsMustBeValid: true,
    },
    documents,
    signatures,
  };
}
