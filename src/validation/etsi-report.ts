/**
 * The validation report as ETSI TS 119 102-2 XML (namespace `http://uri.etsi.org/19102/v1.2.1#`,
 * the V1.3.1 schema `1910202xmlSchema.xsd`): one SignatureValidationReport per signer, then the
 * SignatureValidationObjects it references — certificates (base64), CRLs (by SHA-256), time-stamp
 * tokens (base64, with their own validation report and the time they prove), the signed data (by
 * digest).
 *
 * Element order follows the schema's sequences. Identifiers are NCNames: a letter (S signature,
 * C certificate, R revocation data, T time-stamp, D signed data) and the SHA-256 of the object.
 * scelle's checks appear as ValidationConstraints identified by `urn:scelle:validation:check:<name>`
 * (the TS leaves these URIs to the validation policy), and every problem as an
 * AdditionalValidationReportData entry (`urn:scelle:validation:problem`, "CODE: message").
 */
import * as crypto from 'node:crypto';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { ChainVerdict } from '../crypto/x509/verify-chain.js';
import { indicationUri, subIndicationUri, type Indication, type SubIndication } from './indication.js';
import { reportSignature, type BuildReportOptions, type ReportCheck, type ReportInput } from './report.js';
import type { SignerVerdict } from './signer.js';
import type { TimestampVerdict } from './timestamp.js';

const NS = 'http://uri.etsi.org/19102/v1.2.1#';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** XML-DSig digest URIs (RFC 6931) by scelle's digest names. */
const DIGEST_URI: Readonly<Record<string, string>> = {
  'SHA-1': 'http://www.w3.org/2000/09/xmldsig#sha1',
  'SHA-224': 'http://www.w3.org/2001/04/xmldsig-more#sha224',
  'SHA-256': 'http://www.w3.org/2001/04/xmlenc#sha256',
  'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  'SHA-512': 'http://www.w3.org/2001/04/xmlenc#sha512',
  'SHA3-256': 'http://www.w3.org/2007/05/xmldsig-more#sha3-256',
  'SHA3-384': 'http://www.w3.org/2007/05/xmldsig-more#sha3-384',
  'SHA3-512': 'http://www.w3.org/2007/05/xmldsig-more#sha3-512',
};

const SIGNATURE_URI: Readonly<Record<string, string>> = {
  sha256WithRSAEncryption: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha384WithRSAEncryption: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  sha512WithRSAEncryption: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  sha1WithRSAEncryption: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  'ecdsa-with-SHA256': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  'ecdsa-with-SHA384': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384',
  'ecdsa-with-SHA512': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
  Ed25519: 'http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519',
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const sha = (b: Uint8Array): Buffer => crypto.createHash('sha256').update(b).digest();
const idOf = (prefix: string, b: Uint8Array): string => `${prefix}-${sha(b).toString('hex').toUpperCase()}`;
const time = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The ValidationObjects referenced so far, by id. */
class Objects {
  readonly xml = new Map<string, string>();

  certificate(c: X509Cert): string {
    const id = idOf('C', c.der);
    if (!this.xml.has(id)) {
      this.xml.set(id, `<ValidationObject id="${id}"><ObjectType>urn:etsi:019102:validationObject:certificate</ObjectType><ValidationObjectRepresentation><base64>${b64(c.der)}</base64></ValidationObjectRepresentation></ValidationObject>`);
    }
    return id;
  }

  crl(sha256Hex: string): string {
    const id = `R-${sha256Hex.toUpperCase()}`;
    if (!this.xml.has(id)) {
      this.xml.set(id, `<ValidationObject id="${id}"><ObjectType>urn:etsi:019102:validationObject:CRL</ObjectType><ValidationObjectRepresentation><DigestAlgAndValue><ds:DigestMethod Algorithm="${DIGEST_URI['SHA-256']}"/><ds:DigestValue>${Buffer.from(sha256Hex, 'hex').toString('base64')}</ds:DigestValue></DigestAlgAndValue></ValidationObjectRepresentation></ValidationObject>`);
    }
    return id;
  }

  signedData(digestName: string, hex: string): string {
    const id = `D-${hex.toUpperCase()}`;
    if (!this.xml.has(id)) {
      this.xml.set(id, `<ValidationObject id="${id}"><ObjectType>urn:etsi:019102:validationObject:signedData</ObjectType><ValidationObjectRepresentation><DigestAlgAndValue><ds:DigestMethod Algorithm="${DIGEST_URI[digestName] ?? `urn:scelle:digest:${esc(digestName)}`}"/><ds:DigestValue>${Buffer.from(hex, 'hex').toString('base64')}</ds:DigestValue></DigestAlgAndValue></ValidationObjectRepresentation></ValidationObject>`);
    }
    return id;
  }
}

function status(indication: Indication, sub: SubIndication | undefined, data = ''): string {
  return `<MainIndication>${indicationUri(indication)}</MainIndication>${sub !== undefined ? `<SubIndication>${subIndicationUri(sub)}</SubIndication>` : ''}${data}`;
}

/** CertificateChain, TrustAnchor and the revocation of a revoked certificate, for a path. */
function chainData(chain: ChainVerdict | undefined, anchors: readonly X509Cert[], objects: Objects): string {
  if (chain === undefined || chain.path.length === 0) return '';
  const path = chain.path;
  const last = path[path.length - 1]!;
  const anchored = anchors.some((a) => a.equals(last));
  const ids = path.map((c) => objects.certificate(c));
  const intermediates = ids.slice(1, anchored ? -1 : undefined);
  let out = anchored ? `<TrustAnchor VOReference="${ids[ids.length - 1]}"/>` : '';
  out += `<CertificateChain><SigningCertificate VOReference="${ids[0]}"/>${intermediates.map((i) => `<IntermediateCertificate VOReference="${i}"/>`).join('')}${anchored ? `<TrustAnchor VOReference="${ids[ids.length - 1]}"/>` : ''}</CertificateChain>`;
  const revoked = chain.revocation.find((r) => r.status === 'revoked' || (r.revokedAt !== undefined && r.note !== undefined));
  if (revoked?.revokedAt !== undefined) {
    out += `<RevocationStatusInformation><ValidationObjectId VOReference="${ids[revoked.depth]}"/><RevocationTime>${time(revoked.revokedAt)}</RevocationTime>${revoked.reason !== undefined ? `<RevocationReason>urn:etsi:019102:revocationReason:${esc(revoked.reason)}</RevocationReason>` : ''}${revoked.crl !== undefined ? `<RevocationObject VOReference="${objects.crl(revoked.crl.sha256)}"/>` : ''}</RevocationStatusInformation>`;
  }
  for (const r of chain.revocation) if (r.crl !== undefined) objects.crl(r.crl.sha256);
  return out;
}

function problemsData(problems: readonly { code: string; message: string }[]): string {
  if (problems.length === 0) return '';
  return `<AdditionalValidationReportData>${problems.map((p) => `<ReportData><Type>urn:scelle:validation:problem</Type><Value>${esc(`${p.code}: ${p.message}`)}</Value></ReportData>`).join('')}</AdditionalValidationReportData>`;
}

function constraint(c: ReportCheck): string {
  const main = c.result === 'not-applicable' ? undefined : c.result === 'passed' ? 'passed' : c.result === 'failed' ? 'failed' : 'indeterminate';
  const statusXml = main === undefined ? '' : `<ValidationStatus><MainIndication>urn:etsi:019102:mainindication:${main}</MainIndication></ValidationStatus>`;
  return `<ValidationConstraint><ValidationConstraintIdentifier>urn:scelle:validation:check:${c.name}</ValidationConstraintIdentifier><ConstraintStatus><Status>urn:etsi:019102:constraintStatus:${c.result === 'not-applicable' ? 'disabled' : 'applied'}</Status></ConstraintStatus>${statusXml}</ValidationConstraint>`;
}

function timestampObject(t: TimestampVerdict, signatureValue: Uint8Array, anchors: readonly X509Cert[], objects: Objects): string | undefined {
  if (t.token === undefined) return undefined;
  const id = idOf('T', t.token);
  if (objects.xml.has(id)) return id;
  // Indications of a validation object's report are passed / failed / indeterminate.
  const main = t.indication === 'TOTAL-PASSED' ? 'passed' : t.indication === 'TOTAL-FAILED' ? 'failed' : 'indeterminate';
  const signerInfo = t.tsa !== undefined ? `<SignerInformation><SignerCertificate VOReference="${objects.certificate(t.tsa.certificate)}"/><Signer>${esc(t.tsa.subject)}</Signer></SignerInformation>` : '';
  const data = chainData(t.pastChain ?? t.chain, anchors, objects) + problemsData(t.problems);
  const report = `<ValidationReport>${signerInfo}<SignatureValidationStatus><MainIndication>urn:etsi:019102:mainindication:${main}</MainIndication>${t.subIndication !== undefined ? `<SubIndication>${subIndicationUri(t.subIndication)}</SubIndication>` : ''}${data !== '' ? `<AssociatedValidationReportData>${data}</AssociatedValidationReportData>` : ''}</SignatureValidationStatus></ValidationReport>`;
  const provisioning = t.ok && t.genTime !== undefined
    ? `<POEProvisioning><POETime>${time(t.genTime)}</POETime><SignatureReference><DigestMethod>${DIGEST_URI['SHA-256']}</DigestMethod><DigestValue>${sha(signatureValue).toString('base64')}</DigestValue></SignatureReference></POEProvisioning>`
    : '';
  objects.xml.set(id, `<ValidationObject id="${id}"><ObjectType>urn:etsi:019102:validationObject:timestamp</ObjectType><ValidationObjectRepresentation><base64>${b64(t.token)}</base64></ValidationObjectRepresentation>${provisioning}${report}</ValidationObject>`);
  return id;
}

function signatureReport(file: string, index: number, s: SignerVerdict, contentDigests: Record<string, string>, options: BuildReportOptions, objects: Objects): string {
  const anchors = options.trustAnchors;
  const summary = reportSignature(file, index, s, anchors);
  // Unique per occurrence: the same signature value can appear in two files (a copy, a re-sent letter).
  const sigId = idOf('S', Buffer.concat([Buffer.from(s.signatureValue), Buffer.from(`\0${file}\0${index}`)]));
  const tsIds = s.timestamps.map((t) => timestampObject(t, s.signatureValue, anchors, objects));
  const poeTs = s.poe !== undefined ? s.timestamps.findIndex((t) => t.ok && t.genTime?.getTime() === s.poe!.time.getTime()) : -1;
  const poeRef = poeTs >= 0 && tsIds[poeTs] !== undefined ? `<POEObject VOReference="${tsIds[poeTs]}"/>` : '';
  const digestName = contentDigests['SHA-256'] !== undefined ? 'SHA-256' : Object.keys(contentDigests)[0];
  const docRef = digestName !== undefined ? objects.signedData(digestName, contentDigests[digestName]!) : undefined;
  const signerCert = s.signer !== undefined ? objects.certificate(s.signer) : undefined;

  let attrs = '';
  if (s.signingTime !== undefined) attrs += `<SigningTime Signed="true"><Time>${time(s.signingTime)}</Time></SigningTime>`;
  if (signerCert !== undefined && (s.cades.signingCertificateV2 || s.cades.signingCertificateV1)) attrs += `<SigningCertificate Signed="true"><AttributeObject VOReference="${signerCert}"/></SigningCertificate>`;
  s.timestamps.forEach((t, i) => {
    if (tsIds[i] !== undefined && t.genTime !== undefined) attrs += `<SignatureTimeStamp Signed="false"><AttributeObject VOReference="${tsIds[i]}"/><TimeStampValue>${time(t.genTime)}</TimeStampValue></SignatureTimeStamp>`;
  });

  const algorithm = SIGNATURE_URI[s.signatureAlgorithm] ?? `urn:scelle:algorithm:${esc(s.signatureAlgorithm)}`;
  const weak = s.problems.some((p) => p.code === 'WEAK_ALGORITHM');
  const data = chainData(s.pastChain ?? s.chain, anchors, objects)
    + `<CryptoInformation><ValidationObjectId VOReference="${sigId}"/><Algorithm>${algorithm}</Algorithm><SecureAlgorithm>${weak || s.weakAlgorithms.length > 0 ? 'false' : 'true'}</SecureAlgorithm></CryptoInformation>`
    + problemsData(s.problems);

  return `<SignatureValidationReport>`
    + `<SignatureIdentifier id="${sigId}"><ds:SignatureValue>${b64(s.signatureValue)}</ds:SignatureValue><HashOnly>false</HashOnly><DocHashOnly>false</DocHashOnly></SignatureIdentifier>`
    + `<ValidationConstraintsEvaluationReport>${summary.checks.map(constraint).join('')}</ValidationConstraintsEvaluationReport>`
    + `<ValidationTimeInfo><ValidationTime>${time(s.validationTime)}</ValidationTime><BestSignatureTime><POETime>${time(s.bestSignatureTime)}</POETime><TypeOfProof>urn:etsi:019102:poetype:validation</TypeOfProof>${poeRef}</BestSignatureTime></ValidationTimeInfo>`
    + (docRef !== undefined && digestName !== undefined
      ? `<SignersDocument><DigestAlgAndValue><ds:DigestMethod Algorithm="${DIGEST_URI[digestName] ?? `urn:scelle:digest:${esc(digestName)}`}"/><ds:DigestValue>${Buffer.from(contentDigests[digestName]!, 'hex').toString('base64')}</ds:DigestValue></DigestAlgAndValue><SignersDocumentRef VOReference="${docRef}"/></SignersDocument>`
      : '')
    + (attrs !== '' ? `<SignatureAttributes>${attrs}</SignatureAttributes>` : '')
    + (signerCert !== undefined ? `<SignerInformation><SignerCertificate VOReference="${signerCert}"/><Signer>${esc(s.signer!.subject)}</Signer></SignerInformation>` : '')
    + `<SignatureValidationProcess><SignatureValidationProcessID>urn:etsi:019102:validationprocess:${s.timestamps.length > 0 ? 'LTVM' : 'Basic'}</SignatureValidationProcessID></SignatureValidationProcess>`
    + `<SignatureValidationStatus>${status(s.indication, s.subIndication, `<AssociatedValidationReportData>${data}</AssociatedValidationReportData>`)}</SignatureValidationStatus>`
    + `</SignatureValidationReport>`;
}

/**
 * The ETSI TS 119 102-2 XML report of one `verify` run. A file that could not be read at all (not a
 * signature) gets a SignatureValidationReport of its own, INDETERMINATE / FORMAT_FAILURE.
 */
export function formatEtsiReport(inputs: readonly ReportInput[], options: BuildReportOptions): string {
  const objects = new Objects();
  const reports: string[] = [];
  for (const input of inputs) {
    if (input.verdict === undefined) {
      const msg = input.error !== undefined ? problemsData([input.error]) : '';
      reports.push(`<SignatureValidationReport><ValidationTimeInfo><ValidationTime>${time(options.validationTime)}</ValidationTime><BestSignatureTime><POETime>${time(options.validationTime)}</POETime><TypeOfProof>urn:etsi:019102:poetype:validation</TypeOfProof></BestSignatureTime></ValidationTimeInfo><SignatureValidationStatus>${status('INDETERMINATE', 'FORMAT_FAILURE', msg !== '' ? `<AssociatedValidationReportData>${msg}</AssociatedValidationReportData>` : '')}</SignatureValidationStatus></SignatureValidationReport>`);
      continue;
    }
    input.verdict.signers.forEach((s, i) => reports.push(signatureReport(input.file, i, s, input.verdict!.contentDigests, options, objects)));
  }
  if (reports.length === 0) {
    reports.push(`<SignatureValidationReport><SignatureValidationStatus>${status('INDETERMINATE', 'SIGNED_DATA_NOT_FOUND')}</SignatureValidationStatus></SignatureValidationReport>`);
  }
  const objectsXml = objects.xml.size > 0 ? `<SignatureValidationObjects>${[...objects.xml.values()].join('')}</SignatureValidationObjects>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ValidationReport xmlns="${NS}" xmlns:ds="${DS}">${reports.join('')}${objectsXml}</ValidationReport>\n`;
}
