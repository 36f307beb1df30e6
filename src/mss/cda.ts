/**
 * The header of a CDA R2 document (HL7 CDA R2, ANSI/HL7 CDA R2-2005; French profile: ANS CI-SIS
 * "Volet Structuration minimale des documents de santé", IG ansforge/IG-document-core, the
 * `fr-core-clinical-document` profile): what an MSSanté message and its IHE XDM metadata carry
 * about a document.
 *
 * Read: ClinicalDocument/id, code (the document type, from which X-MSS-CODECDA is taken: Référentiel
 * socle MSSanté #2 ECO.2.4.1), title, effectiveTime, confidentialityCode, languageCode, setId,
 * versionNumber, recordTarget/patientRole (ids, the INS among them, and the identity traits:
 * birth family name, first given name, sex, birth date), author (time, id, name, profession),
 * legalAuthenticator, documentationOf/serviceEvent (effective time, practice setting),
 * componentOf/…/healthCareFacility/code, and the body kind (nonXMLBody media type or structuredBody).
 *
 * INS (Identifiant National de Santé, référentiel INS of the ANS): a patient id whose root is one of
 * {@link INS_OIDS}. It is *qualified* for X-MSS-INS (ECO.2.4.2) when the INS number, its OID and
 * the four identity traits are all in the header; an INS-NIR must also have a valid control key.
 *
 * The parser is src/mss/xml.ts (no DTD, no entities, bounded), so a hostile document cannot expand.
 */
import { ScelleError, isScelleError } from '../errors.js';
import { descendants, parseXml, type XmlElement } from './xml.js';

/** OIDs of the INS (ANS, Référentiel INS): INS-NIR, INS-NIA, and the test / demonstration INS-NIR. */
export const INS_OIDS: Readonly<Record<string, string>> = {
  '1.2.250.1.213.1.4.8': 'INS-NIR',
  '1.2.250.1.213.1.4.9': 'INS-NIA',
  '1.2.250.1.213.1.4.10': 'INS-NIR de test',
  '1.2.250.1.213.1.4.11': 'INS-NIR de démonstration',
};

/** The namespace of CDA R2. */
export const CDA_NAMESPACE = 'urn:hl7-org:v3';

/** A coded value (HL7 CE/CD). */
export interface CdaCode {
  code: string;
  codeSystem?: string;
  displayName?: string;
}

/** An instance identifier (HL7 II). */
export interface CdaId {
  root: string;
  extension?: string;
}

/** A person's name as the header gives it. */
export interface CdaName {
  /** Birth family name (`family qualifier="BR"`), else the first family name. */
  family?: string;
  /** Given names in order (the first is the "premier prénom"). */
  given: string[];
  prefix?: string;
}

/** The patient (recordTarget). */
export interface CdaPatient {
  ids: CdaId[];
  name: CdaName;
  /** `M`, `F`, `U`. */
  gender?: string;
  /** HL7 TS as written (`19880514`). */
  birthTime?: string;
  /** The INS among `ids`, when there is one. */
  ins?: { id: CdaId; kind: string; qualified: boolean; reasons: string[] };
}

/** An author of the document. */
export interface CdaAuthor {
  time?: string;
  id?: CdaId;
  name?: CdaName;
  /** Profession / specialty (assignedAuthor/code). */
  code?: CdaCode;
  organization?: string;
}

/** What {@link parseCdaHeader} reads. */
export interface CdaHeader {
  id: CdaId;
  code: CdaCode;
  title: string;
  /** HL7 TS as written. */
  effectiveTime: string;
  confidentiality?: CdaCode;
  languageCode?: string;
  setId?: CdaId;
  versionNumber?: string;
  templateIds: string[];
  patient: CdaPatient;
  authors: CdaAuthor[];
  legalAuthenticator?: { time?: string; id?: CdaId; name?: CdaName };
  serviceEvent?: { low?: string; high?: string; practiceSetting?: CdaCode };
  healthcareFacilityType?: CdaCode;
  /** `structured`, or the media type of a nonXMLBody (`application/pdf`). */
  body: string;
}

const bad = (file: string, detail: string): ScelleError =>
  new ScelleError('CDA_INVALID', `${file} is not a usable CDA R2 document: ${detail}`, { params: { file, detail } });

function child(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

function children(el: XmlElement | undefined, local: string): XmlElement[] {
  return el?.children.filter((c) => c.local === local) ?? [];
}

function idOf(el: XmlElement | undefined): CdaId | undefined {
  const root = el?.attributes.root;
  if (root === undefined || root === '') return undefined;
  return { root, ...(el!.attributes.extension ? { extension: el!.attributes.extension } : {}) };
}

function codeOf(el: XmlElement | undefined): CdaCode | undefined {
  const code = el?.attributes.code;
  if (code === undefined || code === '') return undefined;
  const a = el!.attributes;
  return { code, ...(a.codeSystem ? { codeSystem: a.codeSystem } : {}), ...(a.displayName ? { displayName: a.displayName } : {}) };
}

function nameOf(el: XmlElement | undefined): CdaName | undefined {
  if (el === undefined) return undefined;
  const families = children(el, 'family');
  const birth = families.find((f) => (f.attributes.qualifier ?? '').split(/\s+/).includes('BR')) ?? families[0];
  const given = children(el, 'given').map((g) => g.text.trim()).filter((g) => g !== '');
  const prefix = child(el, 'prefix')?.text.trim();
  return { ...(birth?.text.trim() ? { family: birth.text.trim() } : {}), given, ...(prefix ? { prefix } : {}) };
}

/**
 * Reads the header of a CDA R2 document.
 * @throws ScelleError CDA_INVALID (not XML, not a ClinicalDocument, no id, code, title,
 *   effectiveTime or recordTarget).
 */
export function parseCdaHeader(xml: Uint8Array | string, file = 'the CDA document'): CdaHeader {
  const text = typeof xml === 'string' ? xml : decodeXmlText(xml, file);
  let root: XmlElement;
  try {
    root = parseXml(text, file);
  } catch (e) {
    if (isScelleError(e)) throw bad(file, e.message.replace(/^.* is not well-formed XML: /, 'not well-formed XML: '));
    throw e;
  }
  if (root.local !== 'ClinicalDocument') throw bad(file, `its root element is <${root.name}>, not <ClinicalDocument>`);
  const ns = root.attributes[root.name.includes(':') ? `xmlns:${root.name.slice(0, root.name.indexOf(':'))}` : 'xmlns'];
  if (ns !== CDA_NAMESPACE) throw bad(file, `its namespace is ${ns ?? '(none)'}, not ${CDA_NAMESPACE}`);
  const id = idOf(child(root, 'id'));
  const code = codeOf(child(root, 'code'));
  const title = child(root, 'title')?.text.trim();
  const effectiveTime = child(root, 'effectiveTime')?.attributes.value;
  const patientRole = child(child(root, 'recordTarget'), 'patientRole');
  const missing = [!id && 'id', !code && 'code', !title && 'title', !effectiveTime && 'effectiveTime', !patientRole && 'recordTarget/patientRole'].filter(Boolean);
  if (missing.length > 0) throw bad(file, `its header lacks ${missing.join(', ')}`);
  return {
    id: id!, code: code!, title: title!, effectiveTime: effectiveTime!,
    ...optional('confidentiality', codeOf(child(root, 'confidentialityCode'))),
    ...optional('languageCode', child(root, 'languageCode')?.attributes.code),
    ...optional('setId', idOf(child(root, 'setId'))),
    ...optional('versionNumber', child(root, 'versionNumber')?.attributes.value),
    templateIds: children(root, 'templateId').map((t) => t.attributes.root ?? '').filter((r) => r !== ''),
    patient: patientOf(patientRole!),
    authors: children(root, 'author').map(authorOf),
    ...optional('legalAuthenticator', legalAuthenticatorOf(child(root, 'legalAuthenticator'))),
    ...optional('serviceEvent', serviceEventOf(child(child(root, 'documentationOf'), 'serviceEvent'))),
    ...optional('healthcareFacilityType', codeOf(child(child(child(child(child(root, 'componentOf'), 'encompassingEncounter'), 'location'), 'healthCareFacility'), 'code'))),
    body: bodyKind(root),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** XML bytes as text: UTF-8 (with or without BOM), the encoding CDA documents of the CI-SIS use. */
function decodeXmlText(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bad(file, 'it is not UTF-8 text');
  }
}

function patientOf(patientRole: XmlElement): CdaPatient {
  const patient = child(patientRole, 'patient');
  const ids = children(patientRole, 'id').map(idOf).filter((i): i is CdaId => i !== undefined);
  const out: CdaPatient = {
    ids,
    name: nameOf(child(patient, 'name')) ?? { given: [] },
    ...optional('gender', child(patient, 'administrativeGenderCode')?.attributes.code),
    ...optional('birthTime', child(patient, 'birthTime')?.attributes.value),
  };
  const ins = ids.find((i) => i.root in INS_OIDS);
  if (ins) out.ins = { id: ins, kind: INS_OIDS[ins.root]!, ...insQualification(ins, out) };
  return out;
}

/** ECO.2.4.2: the INS number with its OID and the four traits; an INS-NIR with a valid key. */
function insQualification(id: CdaId, p: CdaPatient): { qualified: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (!id.extension) reasons.push('the INS has no number (extension)');
  else if (INS_OIDS[id.root]!.startsWith('INS-NIR') && !validNirKey(id.extension)) reasons.push(`the INS-NIR ${id.extension} has a wrong control key`);
  if (!p.name.family) reasons.push('no birth family name');
  if (p.name.given.length === 0) reasons.push('no first given name');
  if (!p.gender || !/^[MFU]$/.test(p.gender)) reasons.push('no sex (administrativeGenderCode)');
  if (!p.birthTime || !/^\d{8}/.test(p.birthTime)) reasons.push('no birth date');
  return { qualified: reasons.length === 0, reasons };
}

/**
 * The control key of a NIR (15 characters: 13 + key): key = 97 − (number mod 97), Corsican
 * départements 2A / 2B counted as 19 / 18 (INSEE).
 */
export function validNirKey(nir: string): boolean {
  const m = /^([12378]\d{4}(?:\d{2}|2A|2B)\d{6})(\d{2})$/i.exec(nir.replace(/\s+/g, ''));
  if (!m) return false;
  const n = m[1]!.toUpperCase();
  const body = `${n.slice(0, 5)}${n.slice(5, 7) === '2A' ? '19' : n.slice(5, 7) === '2B' ? '18' : n.slice(5, 7)}${n.slice(7)}`;
  return 97n - (BigInt(body) % 97n) === BigInt(m[2]!);
}

function authorOf(author: XmlElement): CdaAuthor {
  const aa = child(author, 'assignedAuthor');
  return {
    ...optional('time', child(author, 'time')?.attributes.value),
    ...optional('id', idOf(child(aa, 'id'))),
    ...optional('name', nameOf(child(child(aa, 'assignedPerson'), 'name'))),
    ...optional('code', codeOf(child(aa, 'code'))),
    ...optional('organization', child(child(aa, 'representedOrganization'), 'name')?.text.trim() || undefined),
  };
}

function legalAuthenticatorOf(la: XmlElement | undefined): CdaHeader['legalAuthenticator'] {
  if (la === undefined) return undefined;
  const ae = child(la, 'assignedEntity');
  return { ...optional('time', child(la, 'time')?.attributes.value), ...optional('id', idOf(child(ae, 'id'))), ...optional('name', nameOf(child(child(ae, 'assignedPerson'), 'name'))) };
}

function serviceEventOf(se: XmlElement | undefined): CdaHeader['serviceEvent'] {
  if (se === undefined) return undefined;
  const et = child(se, 'effectiveTime');
  const setting = descendants(se, 'standardIndustryClassCode')[0];
  return {
    ...optional('low', child(et, 'low')?.attributes.value ?? et?.attributes.value),
    ...optional('high', child(et, 'high')?.attributes.value),
    ...optional('practiceSetting', codeOf(setting)),
  };
}

function bodyKind(root: XmlElement): string {
  const component = child(root, 'component');
  if (child(component, 'structuredBody')) return 'structured';
  const text = child(child(component, 'nonXMLBody'), 'text');
  return text?.attributes.mediaType ?? 'unknown';
}

/**
 * HL7 TS (`YYYYMMDDHHMMSS[.S][+-ZZZZ]`, shorter precisions allowed) as XDS DTM in UTC
 * (ITI TF-3 §4.2.3.1.7: times in metadata are UTC). A time without zone is taken as written.
 */
export function tsToDtm(ts: string): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(ts.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, zone] = m;
  if (zone === undefined || h === undefined) return [y, mo, d, h, mi, s].filter((x) => x !== undefined).join('');
  const sign = zone[0] === '-' ? -1 : 1;
  const offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const utc = Date.UTC(Number(y), Number(mo ?? '01') - 1, Number(d ?? '01'), Number(h), Number(mi ?? '0'), Number(s ?? '0')) - offsetMin * 60_000;
  const iso = new Date(utc).toISOString().replace(/[-:T]/g, '');
  return iso.slice(0, 8 + (h ? 2 : 0) + (mi ? 2 : 0) + (s ? 2 : 0));
}
