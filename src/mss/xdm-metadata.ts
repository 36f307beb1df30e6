/**
 * METADATA.XML of an IHE XDM package: an ebRIM 3.0 `lcm:SubmitObjectsRequest` (IHE ITI TF-3
 * §4.2.3 "Metadata attributes", §4.2.5 "Metadata vocabulary") with one DocumentEntry
 * (`rim:ExtrinsicObject`) per document, one SubmissionSet (`rim:RegistryPackage`) and a HasMember
 * association per document.
 *
 * For a CDA R2 document the entry is filled from the CDA header, as the ANS CI-SIS annex "Lien
 * entre l'en-tête CDA et les métadonnées XDS" maps them: typeCode ← code, uniqueId ← id
 * (`root^extension`), title ← title, creationTime ← effectiveTime (UTC), confidentialityCode,
 * languageCode, serviceStart/StopTime ← documentationOf/serviceEvent/effectiveTime,
 * practiceSettingCode, healthcareFacilityTypeCode, patientId / sourcePatientId ← the INS (or the
 * first patient id) as CX `ID^^^&OID&ISO^NH`, sourcePatientInfo (PID-5, PID-7, PID-8),
 * authorPerson / authorSpecialty / authorInstitution ← author, legalAuthenticator, and formatCode
 * for a structuration-minimale body (PDF or text in nonXMLBody, ITI TF-3 "XDS-SD").
 */
import { randomUUID } from 'node:crypto';
import { escapeXml } from './xml.js';
import { tsToDtm, type CdaCode, type CdaHeader, type CdaId, type CdaName } from './cda.js';

/** ebRIM / XDS identifiers (ITI TF-3 §4.2.5, Tables 4.2.5-1 and 4.2.5-2). */
export const XDS = {
  documentEntryType: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  submissionSetNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  docAuthor: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  docClassCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  docConfidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  docFormatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  docHealthcareFacilityTypeCode: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  docPracticeSettingCode: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  docTypeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  docUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  docPatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  ssAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  ssUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  ssSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  ssPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  hasMember: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
  approved: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
};

/** OID of the RPPS in French national identifiers (ANS): authors as `8RPPS^NAME^GIVEN^^^^^^&1.2.250.1.71.4.2.1&ISO`. */
export const RPPS_AUTHORITY = '1.2.250.1.71.4.2.1';
/** The extension slot for SHA-256 (ITI TF-3 §4.2.3.1.7: extra slots are named `urn:…`). */
export const SHA256_SLOT = 'urn:scelle:sha256';
/** The extension slot for the file name the sender gave (the title of a CDA is not a file name). */
export const FILE_NAME_SLOT = 'urn:scelle:fileName';

/** formatCode of structuration-minimale CDA bodies and plain documents (IHE XDS-SD, codingScheme 1.3.6.1.4.1.19376.1.2.3). */
export const FORMAT_CODE: Readonly<Record<string, string>> = {
  'application/pdf': 'urn:ihe:iti:xds-sd:pdf:2008',
  'text/plain': 'urn:ihe:iti:xds-sd:text:2008',
};
const FORMAT_CODING_SCHEME = '1.3.6.1.4.1.19376.1.2.3';

/** A signing practitioner, when the document is not a CDA (or its header names no author). */
export interface XdmAuthor {
  familyName?: string;
  givenName?: string;
  idNat?: string;
  email?: string;
}

/** One document as METADATA.XML describes it. */
export interface EntryInput {
  entryUUID: string;
  uniqueId: string;
  fileName: string;
  mimeType: string;
  uri: string;
  size: number;
  sha1: string;
  sha256: string;
  cda?: CdaHeader;
}

export function slot(name: string, values: string[]): string {
  return `<rim:Slot name="${escapeXml(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${escapeXml(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;
}

export function localized(value: string): string {
  return `<rim:Name><rim:LocalizedString charset="UTF-8" xml:lang="fr-FR" value="${escapeXml(value)}"/></rim:Name>`;
}

export function externalId(scheme: string, object: string, value: string, label: string): string {
  return `<rim:ExternalIdentifier id="urn:uuid:${randomUUID()}" identificationScheme="${scheme}" registryObject="${object}" value="${escapeXml(value)}">${localized(label)}</rim:ExternalIdentifier>`;
}

/** A coded classification (ITI TF-3 §4.2.3.1.2): nodeRepresentation = code, slot codingScheme, name = display name. */
function codeClassification(scheme: string, object: string, c: CdaCode): string {
  return `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="${escapeXml(c.code)}">${c.codeSystem ? slot('codingScheme', [c.codeSystem]) : ''}${localized(c.displayName ?? c.code)}</rim:Classification>`;
}

/** DTM (HL7 v2) in UTC, to the second: `20261123081603`. */
export function dtm(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** XCN (HL7 v2): `ID^FAMILY^GIVEN^^^PREFIX^^^&OID&ISO`. */
export function xcn(id: CdaId | undefined, name: CdaName | undefined): string {
  return `${id?.extension ?? ''}^${name?.family ?? ''}^${name?.given[0] ?? ''}^^^${name?.prefix ?? ''}^^^${id ? `&${id.root}&ISO` : ''}`;
}

/** CX (HL7 v2) of a patient id: `ID^^^&OID&ISO^NH` (the INS with its assigning authority). */
export function patientCx(id: CdaId): string {
  return `${id.extension ?? ''}^^^&${id.root}&ISO^NH`;
}

/** The XDS uniqueId of a CDA document: its id as `root^extension` (ITI TF-3 §4.2.3.2.26). */
export function cdaUniqueId(id: CdaId): string {
  return id.extension ? `${id.root}^${id.extension}` : id.root;
}

/** The patient id a CDA's metadata carries: the INS, else the first patient id. */
export function cdaPatientId(cda: CdaHeader): CdaId | undefined {
  return cda.patient.ins?.id ?? cda.patient.ids[0];
}

function authorClassification(scheme: string, object: string, author: XdmAuthor | undefined, cda: CdaHeader | undefined): string {
  const a = cda?.authors[0];
  if (a?.id || a?.name) {
    const slots = [
      slot('authorPerson', [xcn(a.id, a.name)]),
      a.organization ? slot('authorInstitution', [a.organization]) : '',
      a.code ? slot('authorSpecialty', [`${a.code.code}^${a.code.displayName ?? ''}^${a.code.codeSystem ?? ''}`]) : '',
    ].join('');
    return `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="">${slots}</rim:Classification>`;
  }
  if (author === undefined) return '';
  const id = author.idNat ? { root: RPPS_AUTHORITY, extension: author.idNat } : undefined;
  const person = xcn(id, { ...(author.familyName ? { family: author.familyName } : {}), given: author.givenName ? [author.givenName] : [] });
  return `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="">${slot('authorPerson', [person])}${author.email ? slot('authorTelecommunication', [`^^Internet^${author.email}`]) : ''}</rim:Classification>`;
}

function cdaSlots(cda: CdaHeader): string[] {
  const p = cda.patient;
  const pid = cdaPatientId(cda);
  const info = [
    ...(pid ? [`PID-3|${patientCx(pid)}`] : []),
    `PID-5|${p.name.family ?? ''}^${p.name.given[0] ?? ''}^^^^^L`,
    ...(p.birthTime ? [`PID-7|${p.birthTime.slice(0, 8)}`] : []),
    ...(p.gender ? [`PID-8|${p.gender}`] : []),
  ];
  const time = (ts: string | undefined): string | undefined => (ts ? tsToDtm(ts) : undefined);
  return [
    ...(time(cda.serviceEvent?.low) ? [slot('serviceStartTime', [time(cda.serviceEvent!.low)!])] : []),
    ...(time(cda.serviceEvent?.high) ? [slot('serviceStopTime', [time(cda.serviceEvent!.high)!])] : []),
    ...(pid ? [slot('sourcePatientId', [patientCx(pid)])] : []),
    slot('sourcePatientInfo', info),
    ...(cda.legalAuthenticator?.id || cda.legalAuthenticator?.name ? [slot('legalAuthenticator', [xcn(cda.legalAuthenticator.id, cda.legalAuthenticator.name)])] : []),
  ];
}

function cdaClassifications(d: EntryInput, cda: CdaHeader): string[] {
  const o = d.entryUUID;
  const format = FORMAT_CODE[cda.body];
  return [
    codeClassification(XDS.docTypeCode, o, cda.code),
    ...(cda.confidentiality ? [codeClassification(XDS.docConfidentialityCode, o, cda.confidentiality)] : []),
    ...(format ? [codeClassification(XDS.docFormatCode, o, { code: format, codeSystem: FORMAT_CODING_SCHEME })] : []),
    ...(cda.healthcareFacilityType ? [codeClassification(XDS.docHealthcareFacilityTypeCode, o, cda.healthcareFacilityType)] : []),
    ...(cda.serviceEvent?.practiceSetting ? [codeClassification(XDS.docPracticeSettingCode, o, cda.serviceEvent.practiceSetting)] : []),
  ];
}

/** One `rim:ExtrinsicObject` (DocumentEntry). */
export function documentEntry(d: EntryInput, options: { now: Date; author?: XdmAuthor; patientId?: string }): string {
  const cda = d.cda;
  const created = cda ? tsToDtm(cda.effectiveTime) ?? dtm(options.now) : dtm(options.now);
  const pid = cda && cdaPatientId(cda) ? patientCx(cdaPatientId(cda)!) : options.patientId;
  const language = cda?.languageCode ?? 'fr-FR';
  return [
    `<rim:ExtrinsicObject id="${d.entryUUID}" mimeType="${escapeXml(d.mimeType)}" objectType="${XDS.documentEntryType}" status="${XDS.approved}">`,
    slot('creationTime', [created]),
    slot('hash', [d.sha1]),
    slot('size', [String(d.size)]),
    slot('URI', [d.uri]),
    slot('languageCode', [language]),
    ...(cda ? cdaSlots(cda) : []),
    slot(SHA256_SLOT, [d.sha256]),
    slot(FILE_NAME_SLOT, [d.fileName]),
    localized(cda ? cda.title : d.fileName),
    authorClassification(XDS.docAuthor, d.entryUUID, options.author, cda),
    ...(cda ? cdaClassifications(d, cda) : []),
    !cda && FORMAT_CODE[d.mimeType] ? codeClassification(XDS.docFormatCode, d.entryUUID, { code: FORMAT_CODE[d.mimeType]!, codeSystem: FORMAT_CODING_SCHEME }) : '',
    pid ? externalId(XDS.docPatientId, d.entryUUID, pid, 'XDSDocumentEntry.patientId') : '',
    externalId(XDS.docUniqueId, d.entryUUID, cda ? cdaUniqueId(cda.id) : d.uniqueId, 'XDSDocumentEntry.uniqueId'),
    '</rim:ExtrinsicObject>',
  ].filter((s) => s !== '').join('\n');
}

/** The `rim:RegistryPackage` (SubmissionSet), its classification and the HasMember associations. */
export function submissionSet(ss: { id: string; uniqueId: string; sourceId: string; now: Date; title?: string; recipients?: string[]; author?: XdmAuthor; patientId?: string; firstCda?: CdaHeader }, entries: string[]): string {
  return [
    `<rim:RegistryPackage id="${ss.id}" objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage" status="${XDS.approved}">`,
    slot('submissionTime', [dtm(ss.now)]),
    ...(ss.recipients && ss.recipients.length > 0 ? [slot('intendedRecipient', ss.recipients.map((r) => `||^^Internet^${r}`))] : []),
    ...(ss.title ? [localized(ss.title)] : []),
    authorClassification(XDS.ssAuthor, ss.id, ss.author, ss.firstCda),
    externalId(XDS.ssUniqueId, ss.id, ss.uniqueId, 'XDSSubmissionSet.uniqueId'),
    externalId(XDS.ssSourceId, ss.id, ss.sourceId, 'XDSSubmissionSet.sourceId'),
    ...(ss.patientId ? [externalId(XDS.ssPatientId, ss.id, ss.patientId, 'XDSSubmissionSet.patientId')] : []),
    '</rim:RegistryPackage>',
    `<rim:Classification id="urn:uuid:${randomUUID()}" classifiedObject="${ss.id}" classificationNode="${XDS.submissionSetNode}"/>`,
    ...entries.map((e) => `<rim:Association id="urn:uuid:${randomUUID()}" associationType="${XDS.hasMember}" sourceObject="${ss.id}" targetObject="${e}">${slot('SubmissionSetStatus', ['Original'])}</rim:Association>`),
  ].filter((s) => s !== '').join('\n');
}
