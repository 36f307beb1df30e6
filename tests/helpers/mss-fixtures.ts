/** Demo PKI identities for the messaging tests: the practitioner and the colleague, loaded from their p12. */
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate, type Identity, type IdentityEntry } from '../../src/crypto/identity.js';
import { parseCertificates, type X509Cert } from '../../src/crypto/x509/certificate.js';
import { parseCrls, type Crl } from '../../src/crypto/x509/crl.js';
import { formatPem } from '../../src/crypto/pem.js';

export interface MssParty {
  identity: Identity;
  sign: IdentityEntry;
  encrypt: IdentityEntry;
  /** The CA chain without the root. */
  chain: X509Cert[];
  email: string;
}

export interface MssFixture {
  pki: DemoPki;
  root: X509Cert;
  ca: X509Cert;
  praticien: MssParty;
  confrere: MssParty;
  /** The demo PKI's CRLs ("personnes" CA and root): every signature check gets them (revocation data is required). */
  crls: Crl[];
  /** The same CRLs as PEM, for `--crl`. */
  crlPem: string;
}

function party(pki: DemoPki, who: 'praticien' | 'confrere'): MssParty {
  const d = pki[who];
  const identity = loadPkcs12Identity(d.p12, d.password, { name: `${who}.p12` });
  return {
    identity,
    sign: selectCertificate(identity, 'sign').entry,
    encrypt: selectCertificate(identity, 'encrypt').entry,
    chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()),
    email: d.email!,
  };
}

export async function createMssFixture(pki?: DemoPki): Promise<MssFixture> {
  const p = pki ?? (await createDemoPki());
  return {
    pki: p,
    root: parseCertificates(p.root)[0]!,
    ca: parseCertificates(p.ca)[0]!,
    praticien: party(p, 'praticien'),
    confrere: party(p, 'confrere'),
    crls: [...parseCrls(p.crl), ...parseCrls(p.rootCrl)],
    crlPem: formatPem('X509 CRL', p.crl) + formatPem('X509 CRL', p.rootCrl),
  };
}

/** Options of {@link demoCda}. */
export interface DemoCdaOptions {
  /** Document type (LOINC). Default 11488-4 "Compte rendu de consultation". */
  code?: string;
  displayName?: string;
  title?: string;
  /** The patient's INS (INS-NIR de test by default: 279035121518989, a valid key); null for none. */
  ins?: { root: string; extension: string } | null;
  /** Leave out the birth family name (the INS is then not qualified). */
  noBirthName?: boolean;
  patientFamily?: string;
  patientGiven?: string;
  /** The PDF carried in nonXMLBody (structuration minimale). */
  pdf?: Uint8Array;
  /** ClinicalDocument/id/@extension. */
  idExtension?: string;
}

/**
 * A CDA R2 "compte rendu" in the French structuration-minimale profile (CI-SIS): header with id,
 * code, title, effectiveTime, confidentiality, recordTarget (INS-NIR de test and the four identity
 * traits), author (RPPS), legalAuthenticator, documentationOf/serviceEvent, componentOf, and the
 * PDF in nonXMLBody. Generated here so that each test can vary one field.
 */
export function demoCda(o: DemoCdaOptions = {}): string {
  const ins = o.ins === null ? undefined : o.ins ?? { root: '1.2.250.1.213.1.4.10', extension: '279035121518989' };
  const pdf = Buffer.from(o.pdf ?? Buffer.from('%PDF-1.4\n% compte rendu\n%%EOF\n')).toString('base64');
  const family = o.patientFamily ?? 'PAT-TROIS';
  const given = o.patientGiven ?? 'DOMINIQUE';
  return `<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <realmCode code="FR"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.2.8.2.1"/>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  <templateId root="1.3.6.1.4.1.19376.1.2.20"/>
  <id root="2.25.299792458314159265358979" extension="${o.idExtension ?? 'CR-2026-0042'}"/>
  <code code="${o.code ?? '11488-4'}" codeSystem="2.16.840.1.113883.6.1" displayName="${o.displayName ?? 'Compte rendu de consultation'}"/>
  <title>${o.title ?? 'Compte rendu de consultation — échographie'}</title>
  <effectiveTime value="20261123091500+0100"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25" displayName="Normal"/>
  <languageCode code="fr-FR"/>
  <setId root="2.25.299792458314159265358980"/>
  <versionNumber value="1"/>
  <recordTarget>
    <patientRole>
      ${ins ? `<id root="${ins.root}" extension="${ins.extension}"/>` : ''}
      <id root="1.2.250.1.213.1.4.2" extension="IPP-000123"/>
      <patient>
        <name>
          <given qualifier="BR">${given}</given>
          ${o.noBirthName ? `<family qualifier="SP">${family}</family>` : `<family qualifier="BR">${family}</family>`}
        </name>
        <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
        <birthTime value="19790328"/>
      </patient>
    </patientRole>
  </recordTarget>
  <author>
    <time value="20261123091500+0100"/>
    <assignedAuthor>
      <id root="1.2.250.1.71.4.2.1" extension="810101234567"/>
      <code code="SM26" displayName="Qualifié en médecine générale" codeSystem="1.2.250.1.213.2.28"/>
      <assignedPerson><name><prefix>Dr</prefix><given>CLAIRE</given><family>DURAND</family></name></assignedPerson>
      <representedOrganization><name>Cabinet du Dr Durand</name></representedOrganization>
    </assignedAuthor>
  </author>
  <custodian><assignedCustodian><representedCustodianOrganization><id root="1.2.250.1.71.4.2.2" extension="3123456789"/><name>Cabinet du Dr Durand</name></representedCustodianOrganization></assignedCustodian></custodian>
  <legalAuthenticator>
    <time value="20261123091500+0100"/>
    <signatureCode code="S"/>
    <assignedEntity><id root="1.2.250.1.71.4.2.1" extension="810101234567"/><assignedPerson><name><given>CLAIRE</given><family>DURAND</family></name></assignedPerson></assignedEntity>
  </legalAuthenticator>
  <documentationOf>
    <serviceEvent>
      <effectiveTime><low value="20261123090000+0100"/><high value="20261123091500+0100"/></effectiveTime>
      <performer typeCode="PRF"><assignedEntity><id root="1.2.250.1.71.4.2.1" extension="810101234567"/>
        <representedOrganization><standardIndustryClassCode code="AMBULATOIRE" displayName="Ambulatoire" codeSystem="1.2.250.1.213.1.1.4.9"/></representedOrganization>
      </assignedEntity></performer>
    </serviceEvent>
  </documentationOf>
  <componentOf><encompassingEncounter><effectiveTime value="20261123090000+0100"/>
    <location><healthCareFacility><code code="SA07" displayName="Cabinet individuel" codeSystem="1.2.250.1.71.4.2.4"/></healthCareFacility></location>
  </encompassingEncounter></componentOf>
  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">${pdf}</text></nonXMLBody></component>
</ClinicalDocument>
`;
}

/**
 * A received message whose IHE_XDM.zip had its CDA document changed (one letter of the patient's
 * given name) and re-zipped, METADATA.XML left as it was: what an attacker or a broken relay would
 * produce. The base64 part is replaced in place; everything else is byte for byte the original.
 */
export async function tamperXdmCda(raw: Uint8Array): Promise<Buffer> {
  const { parseMimeEntity, decodeBody, base64Lines } = await import('../../src/mss/mime.js');
  const { ZipReader } = await import('../../src/crypto/zip/reader.js');
  const { ZipWriter } = await import('../../src/crypto/zip/writer.js');
  const { mkdtempSync, writeFileSync: write, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join: joinPath } = await import('node:path');
  const find = (e: ReturnType<typeof parseMimeEntity>): ReturnType<typeof parseMimeEntity> | undefined =>
    /IHE_XDM\.zip/i.test(e.headers.map((h) => h.value).join(' ')) && e.parts.length === 0 ? e : e.parts.map(find).find((x) => x !== undefined);
  const part = find(parseMimeEntity(raw));
  if (!part) throw new Error('no IHE_XDM.zip part (is the message encrypted?)');
  const dir = mkdtempSync(joinPath(tmpdir(), 'scelle-tamper-'));
  try {
    write(joinPath(dir, 'x.zip'), decodeBody(part));
    const reader = await ZipReader.open(joinPath(dir, 'x.zip'));
    const chunks: Uint8Array[] = [];
    const w = new ZipWriter(async (c) => {
      chunks.push(Uint8Array.from(c));
    });
    for (const e of reader.entries) {
      if (e.directory) {
        await w.addDirectory({ name: e.name, mtime: new Date() });
        continue;
      }
      const parts: Uint8Array[] = [];
      for await (const c of reader.readEntry(e)) parts.push(Uint8Array.from(c));
      let bytes = Buffer.concat(parts);
      if (/DOC\d+\.XML$/.test(e.name)) bytes = Buffer.from(bytes.toString('utf8').replace('DOMINIQUE', 'DOMINIQUF'), 'utf8');
      await w.addBytes({ name: e.name, mtime: new Date() }, bytes);
    }
    await w.finish();
    await reader.close();
    const original = Buffer.from(part.body).toString('latin1');
    const replaced = base64Lines(Buffer.concat(chunks));
    const text = Buffer.from(raw).toString('latin1');
    if (!text.includes(original)) throw new Error('cannot locate the XDM part in the raw message');
    return Buffer.from(text.replace(original, replaced), 'latin1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
