/**
 * Structured documents (Référentiel socle MSSanté #2 ECO.2.4.1–2.4.3, ECO.2.2.8; CI-SIS CDA header →
 * XDS metadata): `--cda` packs a CDA R2 document into IHE_XDM.zip with the metadata of its header,
 * the message carries X-MSS-CODECDA / X-MSS-INS, and reading compares both with the documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeMessage } from '../../../src/mss/compose.js';
import { readMessage } from '../../../src/mss/read.js';
import { parseCdaHeader, tsToDtm, validNirKey } from '../../../src/mss/cda.js';
import { buildXdmPackage, checkXdmPackage } from '../../../src/mss/xdm.js';
import { mssHeadersFor } from '../../../src/mss/mss-headers.js';
import { ZipWriter } from '../../../src/crypto/zip/writer.js';
import { ZipReader } from '../../../src/crypto/zip/reader.js';
import { formatPem } from '../../../src/crypto/pem.js';
import { isScelleError } from '../../../src/errors.js';
import { createMssFixture, demoCda, type MssFixture } from '../../helpers/mss-fixtures.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { scelle } from '../../helpers/cli.js';

let f: MssFixture;
const { dir, cleanup } = makeTempDir('scelle-mss-cda-');
const p = (n: string): string => join(dir, n);
beforeAll(async () => {
  f = await createMssFixture();
  writeFileSync(p('root.pem'), formatPem('CERTIFICATE', f.pki.root));
  writeFileSync(p('crl.pem'), f.crlPem);
  writeFileSync(p('praticien.p12'), f.pki.praticien.p12);
  writeFileSync(p('praticien.pass'), `${f.pki.praticien.password}\n`);
});
afterAll(cleanup);

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const pdf = utf8('%PDF-1.4\n% compte rendu de consultation\n%%EOF\n');
const base = () => ({ from: f.praticien.email, to: [f.confrere.email], subject: 'Compte rendu — Mme Pat-Trois', text: 'Chère consœur,\nci-joint le compte rendu.\n' });

describe('the CDA header', () => {
  it('reads what the metadata need; the INS-NIR with its OID and the four traits is qualified', () => {
    const h = parseCdaHeader(demoCda(), 'cr.xml');
    expect(h).toMatchObject({
      id: { root: '2.25.299792458314159265358979', extension: 'CR-2026-0042' },
      code: { code: '11488-4', codeSystem: '2.16.840.1.113883.6.1' },
      title: 'Compte rendu de consultation — échographie', effectiveTime: '20261123091500+0100',
      confidentiality: { code: 'N' }, languageCode: 'fr-FR', body: 'application/pdf',
      patient: { name: { family: 'PAT-TROIS', given: ['DOMINIQUE'] }, gender: 'F', birthTime: '19790328', ins: { kind: 'INS-NIR de test', qualified: true } },
      authors: [{ id: { extension: '810101234567' }, name: { family: 'DURAND', given: ['CLAIRE'], prefix: 'Dr' } }],
      serviceEvent: { low: '20261123090000+0100', practiceSetting: { code: 'AMBULATOIRE' } },
      healthcareFacilityType: { code: 'SA07' },
    });
    expect(tsToDtm('20261123091500+0100')).toBe('20261123081500');
    expect(tsToDtm('20261123')).toBe('20261123');
  });

  it.each([
    ['279035121518989', true], ['279035121518988', false], ['170017510112313', false],
    ['1850399999903', false], ['185032A99999932', false],
  ])('NIR %s has a valid key: %s', (nir, ok) => {
    expect(validNirKey(nir)).toBe(ok);
  });

  it('a Corsican NIR (2A/2B) is keyed as 19/18', () => {
    const body = '18503' + '2A' + '123456';
    const key = 97n - (BigInt(body.replace('2A', '19')) % 97n);
    expect(validNirKey(`${body}${String(key).padStart(2, '0')}`)).toBe(true);
  });

  it('not qualified: no birth family name, a wrong key; no INS at all', () => {
    expect(parseCdaHeader(demoCda({ noBirthName: true })).patient.ins).toMatchObject({ qualified: true });
    const noBr = parseCdaHeader(demoCda({ noBirthName: true }).replace('<family qualifier="SP">PAT-TROIS</family>', ''));
    expect(noBr.patient.ins).toMatchObject({ qualified: false, reasons: ['no birth family name'] });
    const badKey = parseCdaHeader(demoCda({ ins: { root: '1.2.250.1.213.1.4.8', extension: '279035121518988' } }));
    expect(badKey.patient.ins).toMatchObject({ kind: 'INS-NIR', qualified: false });
    expect(badKey.patient.ins!.reasons[0]).toMatch(/wrong control key/);
    expect(parseCdaHeader(demoCda({ ins: null })).patient.ins).toBeUndefined();
  });

  it.each([
    ['not XML', 'ceci n’est pas du XML'],
    ['another root', '<?xml version="1.0"?><Bundle xmlns="urn:hl7-org:v3"/>'],
    ['no namespace', '<ClinicalDocument><id root="1"/></ClinicalDocument>'],
    ['no code', demoCda().replace(/<code code="11488-4"[^>]*\/>/, '')],
    ['a DTD', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>${demoCda().replace(/^<\?xml[^>]*\?>/, '')}`],
  ])('%s: CDA_INVALID', (_what, xml) => {
    let code = '';
    try {
      parseCdaHeader(xml, 'x.xml');
    } catch (e) {
      code = isScelleError(e) ? e.code : String(e);
    }
    expect(code).toBe('CDA_INVALID');
  });
});

describe('X-MSS header fields (ECO.2.4.1, 2.4.2, 2.4.3, 2.2.8)', () => {
  it('CODECDA per CDA (comma-separated), INS O/N, NIL when given, none of the CDA ones without a CDA', () => {
    const a = parseCdaHeader(demoCda());
    const b = parseCdaHeader(demoCda({ code: '11502-2', ins: null }));
    expect(mssHeadersFor([a, b], { recipients: ['x@demo.mssante.fr'], nil: 'DEV935997' })).toEqual({ 'X-MSS-CODECDA': '11488-4,11502-2', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV935997' });
    expect(mssHeadersFor([b], { recipients: ['x@demo.mssante.fr'] })).toEqual({ 'X-MSS-CODECDA': '11502-2', 'X-MSS-INS': 'N' });
    expect(mssHeadersFor([], { recipients: ['x@demo.mssante.fr'] })).toEqual({});
    expect(mssHeadersFor([], { recipients: ['279035121518989@patient.mssante.fr'], blockPatientReply: true })).toEqual({ 'X-MSS-MES': 'FIN' });
    expect(() => mssHeadersFor([], { recipients: ['x@demo.mssante.fr'], blockPatientReply: true })).toThrow(/Mon espace santé/);
    expect(() => mssHeadersFor([], { recipients: [], nil: 'a b' })).toThrow(/printable/);
  });
});

describe('sending a CDA and reading it back', () => {
  it('the XDM METADATA carries the CDA header; the message the X-MSS fields; read checks both, with the text and the PDF beside', async () => {
    const msg = await composeMessage({ ...base(), cda: [{ fileName: 'CR-consultation.xml', content: utf8(demoCda()) }], attachments: [{ fileName: 'compte-rendu.pdf', content: pdf }], sign: { signer: f.praticien.sign, chain: f.praticien.chain }, requestReceipt: true });
    expect(msg.mssHeaders).toEqual({ 'X-MSS-CODECDA': '11488-4', 'X-MSS-INS': 'O' });
    const raw = Buffer.from(msg.raw).toString('latin1');
    expect(raw).toMatch(/^X-MSS-CODECDA: 11488-4\r$/m);
    expect(raw).toMatch(/^X-MSS-INS: O\r$/m);
    const md = msg.xdm!.metadata;
    expect(md).toContain('classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" classifiedObject=');
    expect(md).toMatch(/nodeRepresentation="11488-4"><rim:Slot name="codingScheme"><rim:ValueList><rim:Value>2\.16\.840\.1\.113883\.6\.1</);
    expect(md).toContain('value="279035121518989^^^&amp;1.2.250.1.213.1.4.10&amp;ISO^NH"');
    expect(md).toContain('value="2.25.299792458314159265358979^CR-2026-0042"');
    expect(md).toContain('<rim:Slot name="creationTime"><rim:ValueList><rim:Value>20261123081500</rim:Value>');
    expect(md).toContain('<rim:Value>PID-5|PAT-TROIS^DOMINIQUE^^^^^L</rim:Value>');
    expect(md).toContain('<rim:Value>810101234567^DURAND^CLAIRE^^^Dr^^^&amp;1.2.250.1.71.4.2.1&amp;ISO</rim:Value>');
    expect(md).toContain('nodeRepresentation="urn:ihe:iti:xds-sd:pdf:2008"');
    expect(md).toContain('mimeType="text/xml"');
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls });
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('verified');
    expect(r.text).toBe('Chère consœur,\nci-joint le compte rendu.\n');
    expect(r.attachments.map((a) => a.fileName)).toEqual(['IHE_XDM.zip', 'compte-rendu.pdf']);
    expect(r.mss).toMatchObject({ ok: true, received: { codeCda: ['11488-4'], ins: 'O' }, expected: { codeCda: ['11488-4'], ins: 'O' }, signed: false });
    expect(r.xdm!.documents[0]).toMatchObject({ ok: true, fileName: 'CR-consultation.xml', title: 'Compte rendu de consultation — échographie', declared: { typeCode: '11488-4' }, cda: { code: { code: '11488-4' } } });
  });

  it('an altered header field is MSS_HEADER_MISMATCH; a header field without a CDA too; and X-MSS-INS must be O/N as the documents say', async () => {
    const msg = await composeMessage({ ...base(), cda: [{ fileName: 'cr.xml', content: utf8(demoCda()) }], sign: { signer: f.praticien.sign, chain: f.praticien.chain } });
    const raw = Buffer.from(msg.raw).toString('latin1');
    const altered = Buffer.from(raw.replace('X-MSS-CODECDA: 11488-4', 'X-MSS-CODECDA: 11502-2'), 'latin1');
    const r = await readMessage(altered, { trustAnchors: [f.root], crls: f.crls });
    // the outer header is outside the signature: the signature still holds, the header check does not
    expect(r.signature?.ok).toBe(true);
    expect(r.problems.map((x) => x.code)).toEqual(['MSS_HEADER_MISMATCH']);
    expect(r.problems[0]!.message).toMatch(/X-MSS-CODECDA says 11502-2, the CDA document\(s\) of the XDM archive are of code 11488-4/);
    const insFlipped = await readMessage(Buffer.from(raw.replace('X-MSS-INS: O', 'X-MSS-INS: N'), 'latin1'), { trustAnchors: [f.root], crls: f.crls });
    expect(insFlipped.problems[0]!.message).toMatch(/X-MSS-INS says N, the CDA document\(s\) carry a qualified INS \(O\)/);
    const dropped = await readMessage(Buffer.from(raw.replace(/X-MSS-CODECDA: 11488-4\r\n/, ''), 'latin1'), { trustAnchors: [f.root], crls: f.crls });
    expect(dropped.problems[0]!.message).toMatch(/X-MSS-CODECDA is missing/);
    const plain = await composeMessage({ ...base() });
    const forged = Buffer.concat([Buffer.from('X-MSS-CODECDA: 11488-4\r\nX-MSS-INS: O\r\n'), Buffer.from(plain.raw)]);
    const r2 = await readMessage(forged, { trustAnchors: [f.root], crls: f.crls });
    expect(r2.problems.map((x) => x.message)).toEqual([expect.stringMatching(/X-MSS-CODECDA: 11488-4 is set, but the message carries no CDA/), expect.stringMatching(/X-MSS-INS: O is set, but the message carries no CDA/)]);
  });

  it('a CDA whose bytes changed in the package, or whose metadata contradict its header, is XDM_MISMATCH', async () => {
    const xdm = await buildXdmPackage({ documents: [{ fileName: 'cr.xml', content: utf8(demoCda()), cda: parseCdaHeader(demoCda()) }] });
    const rewrite = async (edit: (name: string, bytes: Buffer) => Buffer): Promise<Uint8Array> => {
      writeFileSync(p('orig.zip'), xdm.zip);
      const reader = await ZipReader.open(p('orig.zip'));
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
        await w.addBytes({ name: e.name, mtime: new Date() }, edit(e.name, Buffer.concat(parts)));
      }
      await w.finish();
      await reader.close();
      return Buffer.concat(chunks);
    };
    const cdaChanged = await rewrite((n, b) => (n.endsWith('.XML') && !n.endsWith('METADATA.XML') ? Buffer.from(b.toString('utf8').replace('DOMINIQUE', 'DOMINIQUF'), 'utf8') : b));
    const r1 = await checkXdmPackage(cdaChanged, { tempDir: dir });
    expect(r1.ok).toBe(false);
    expect(r1.problems.map((x) => x.message).join('\n')).toMatch(/SHA-1 [0-9a-f]{40}, METADATA.XML says/);
    const typeChanged = await rewrite((n, b) => (n.endsWith('METADATA.XML') ? Buffer.from(b.toString('utf8').replace('nodeRepresentation="11488-4"', 'nodeRepresentation="11502-2"'), 'utf8') : b));
    const r2 = await checkXdmPackage(typeChanged, { tempDir: dir });
    expect(r2.problems.map((x) => x.message)).toEqual([expect.stringMatching(/typeCode: METADATA.XML says 11502-2, the CDA header says 11488-4/)]);
    const patientChanged = await rewrite((n, b) => (n.endsWith('METADATA.XML') ? Buffer.from(b.toString('utf8').replaceAll('279035121518989^^^', '279035121518990^^^'), 'utf8') : b));
    const r3 = await checkXdmPackage(patientChanged, { tempDir: dir });
    expect(r3.problems.map((x) => x.message)).toEqual([expect.stringMatching(/patientId: METADATA.XML says 279035121518990\^\^\^&1\.2\.250\.1\.213\.1\.4\.10&ISO\^NH, the CDA header says 279035121518989/)]);
  });

  it('two CDA documents of two patients are refused; two of one patient give X-MSS-CODECDA a,b', async () => {
    await expect(composeMessage({ ...base(), cda: [{ fileName: 'a.xml', content: utf8(demoCda()) }, { fileName: 'b.xml', content: utf8(demoCda({ ins: { root: '1.2.250.1.213.1.4.10', extension: '170017510112388' } })) }] })).rejects.toMatchObject({ code: 'USAGE' });
    const two = await composeMessage({ ...base(), cda: [{ fileName: 'a.xml', content: utf8(demoCda()) }, { fileName: 'b.xml', content: utf8(demoCda({ code: '11502-2', idExtension: 'LAB-1' })) }] });
    expect(two.mssHeaders).toEqual({ 'X-MSS-CODECDA': '11488-4,11502-2', 'X-MSS-INS': 'O' });
    const r = await readMessage(two.raw, { trustAnchors: [] });
    expect(r.problems).toEqual([]);
    expect(r.xdm!.documents.map((d) => d.cda?.code.code)).toEqual(['11488-4', '11502-2']);
  });
});

describe('scelle mss send --cda / mss read', () => {
  it('writes the message with the X-MSS fields; read shows the CDA, the INS, the header check and the text (French)', () => {
    writeFileSync(p('cr.xml'), demoCda());
    writeFileSync(p('cr.pdf'), pdf);
    writeFileSync(p('body.txt'), 'Chère consœur,\nvoici le compte rendu.\n');
    const sent = scelle(['mss', 'send', '--from', f.praticien.email, '--to', f.confrere.email, '--subject', 'Compte rendu', '--body', p('body.txt'),
      '--cda', p('cr.xml'), '--attach', p('cr.pdf'), '--nil', 'DEV935997', '--sign', '--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'), '--out', p('cda.eml'), '--json']);
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.json().mssHeaders).toEqual({ 'X-MSS-CODECDA': '11488-4', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV935997' });
    expect(readFileSync(p('cda.eml'), 'latin1')).toMatch(/^X-MSS-NIL: DEV935997\r$/m);
    const read = scelle(['mss', 'read', p('cda.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--lang', 'fr']);
    expect(read.status, read.stdout + read.stderr).toBe(0);
    expect(read.stdout).toMatch(/expéditeur VÉRIFIÉ/);
    expect(read.stdout).toMatch(/CDA 11488-4 \(Compte rendu de consultation\) ; patient PAT-TROIS DOMINIQUE, né\(e\) le 28\/03\/1979 ; INS qualifiée \(INS-NIR de test\)/);
    expect(read.stdout).toMatch(/En-têtes MSSanté : X-MSS-CODECDA=11488-4, X-MSS-INS=O, X-MSS-NIL=DEV935997 — conformes aux documents/);
    expect(read.stdout).toContain('  | voici le compte rendu.');
    const json = scelle(['mss', 'read', p('cda.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--json']).json().messages[0];
    expect(json.mss).toMatchObject({ ok: true, received: { nil: 'DEV935997' } });
    expect(json.xdm.documents[0].cda).toMatchObject({ code: { code: '11488-4' }, patient: { ins: { qualified: true } } });
  });

  it('a file that is not a CDA: CDA_INVALID, exit 1, nothing written', () => {
    writeFileSync(p('not-cda.xml'), '<html><body>compte rendu</body></html>');
    const r = scelle(['mss', 'send', '--from', f.praticien.email, '--to', f.confrere.email, '--subject', 'x', '--cda', p('not-cda.xml'), '--out', p('never.eml'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json().error.code).toBe('CDA_INVALID');
    expect(() => readFileSync(p('never.eml'))).toThrow();
    const fr = scelle(['mss', 'send', '--from', f.praticien.email, '--to', f.confrere.email, '--subject', 'x', '--cda', p('not-cda.xml'), '--out', p('never.eml'), '--lang', 'fr']);
    expect(fr.stderr).toMatch(/le document CDA .*not-cda\.xml est inutilisable/);
  });
});
