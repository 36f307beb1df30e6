/**
 * Receipts and integration errors as the ANS volet defines them (struct-msg-mdn.md,
 * struct-email-standard.md, error-codes.md), and their link back to the sent message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeMessage } from '../../../src/mss/compose.js';
import { readMessage } from '../../../src/mss/read.js';
import { buildMdn, readReceiptRequest } from '../../../src/mss/mdn.js';
import { buildIntegrationErrorMail } from '../../../src/mss/error-mail.js';
import { integrationSubject, errorCodeOfSubject } from '../../../src/mss/integration-errors.js';
import { parseMimeEntity, decodeBody } from '../../../src/mss/mime.js';
import { formatPem } from '../../../src/crypto/pem.js';
import { createMssFixture, demoCda, type MssFixture } from '../../helpers/mss-fixtures.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { scelle } from '../../helpers/cli.js';

let f: MssFixture;
const { dir, cleanup } = makeTempDir('scelle-mss-rcpt-');
const p = (n: string): string => join(dir, n);
beforeAll(async () => {
  f = await createMssFixture();
  writeFileSync(p('root.pem'), formatPem('CERTIFICATE', f.pki.root));
  writeFileSync(p('crl.pem'), f.crlPem);
  for (const who of ['praticien', 'confrere'] as const) {
    writeFileSync(p(`${who}.p12`), f.pki[who].p12);
    writeFileSync(p(`${who}.pass`), `${f.pki[who].password}\n`);
  }
});
afterAll(cleanup);

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const pdf = utf8('%PDF-1.4\n% CR\n%%EOF\n');
const doc = { label: 'Compte rendu de consultation — échographie', family: 'Pat-Trois', given: 'DOMINIQUE', birthTime: '19790328' };

async function original(receipt: boolean) {
  return composeMessage({
    from: f.praticien.email, to: [f.confrere.email], subject: 'Compte rendu — Mme Pat-Trois', text: 'Bonjour,\n',
    cda: [{ fileName: 'cr.xml', content: utf8(demoCda()) }], attachments: [{ fileName: 'compte-rendu.pdf', content: pdf }], requestReceipt: receipt,
  });
}

describe('the MDN of the volet', () => {
  it('processed: exactly three parts (text/plain, message/disposition-notification, message/rfc822), the fields the volet asks for, its subject', async () => {
    const msg = await original(true);
    const request = await readReceiptRequest(msg.raw);
    const mdn = await buildMdn({ request, from: f.confrere.email, dispositionType: 'processed', document: doc });
    const entity = parseMimeEntity(mdn.raw);
    expect(entity.contentType).toMatchObject({ mediaType: 'multipart/report', params: { 'report-type': 'disposition-notification' } });
    expect(entity.parts.map((x) => x.contentType.mediaType)).toEqual(['text/plain', 'message/disposition-notification', 'message/rfc822']);
    const fields = Buffer.from(decodeBody(entity.parts[1]!)).toString('latin1');
    expect(fields).toContain(`Original-Message-ID: ${msg.messageId}`);
    expect(fields).toContain(`Original-Recipient: rfc822;${f.confrere.email}`);
    expect(fields).toContain(`Final-Recipient: rfc822;${f.confrere.email}`);
    expect(fields).toContain('Disposition: automatic-action/MDN-sent-automatically; processed\r\n');
    expect(fields).not.toContain('Error:');
    // the third part is the original, byte for byte
    expect(Buffer.compare(Buffer.from(decodeBody(entity.parts[2]!)), Buffer.from(msg.raw))).toBe(0);
    const r = await readMessage(mdn.raw, { trustAnchors: [] });
    expect(r.subject).toBe('XDM/1.0/DDM+Compte rendu de consultation — échographie PAT-TROIS DOMINIQUE 28/03/1979');
    expect(r).toMatchObject({ kind: 'mdn', ok: true, mdn: { disposition: { actionMode: 'automatic-action', sendingMode: 'mdn-sent-automatically', type: 'processed' } } });
    expect(r.receipt).toMatchObject({ kind: 'mdn', originalMessageId: msg.messageId, original: { messageId: msg.messageId, subject: 'Compte rendu — Mme Pat-Trois', to: [f.confrere.email] }, notes: [] });
    expect(r.receipt!.error).toBeUndefined();
    expect(r.attachments).toEqual([]);
  });

  it('processed/Error: code^label in Disposition (and the RFC 8098 Error field); the text names code and label; the subject starts with [KO Intégration système !][code]', async () => {
    const msg = await original(true);
    const mdn = await buildMdn({ request: await readReceiptRequest(msg.raw), from: f.confrere.email, error: { code: '902', label: 'Identifiant patient inconnu' }, document: doc, sign: { signer: f.confrere.sign, chain: f.confrere.chain } });
    const raw = Buffer.from(mdn.raw).toString('latin1');
    expect(raw).toContain('Disposition: automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant patient inconnu\r\n');
    expect(raw).toContain('Error: 902^Identifiant patient inconnu\r\n');
    const r = await readMessage(mdn.raw, { trustAnchors: [f.root], crls: f.crls });
    expect(r.subject).toBe('[KO Intégration système !][902] XDM/1.0/DDM+Compte rendu de consultation — échographie PAT-TROIS DOMINIQUE 28/03/1979');
    expect(r.text).toMatch(/n’a pas pu être intégré automatiquement dans le DPI pour la raison suivante : Identifiant patient inconnu \(erreur 902\^Identifiant patient inconnu\)/);
    expect(r).toMatchObject({ kind: 'mdn', status: 'verified' });
    expect(r.receipt).toMatchObject({ originalMessageId: msg.messageId, error: { code: '902', label: 'Identifiant patient inconnu', description: expect.stringMatching(/inconnu de l’application réceptrice/) } });
    expect(errorCodeOfSubject(r.subject)).toBe('902');
  });

  it('an 8-bit label goes ASCII in the machine part (message/disposition-notification stays US-ASCII)', async () => {
    const mdn = await buildMdn({ request: await readReceiptRequest((await original(true)).raw), from: f.confrere.email, error: { code: '904', label: 'L’INS transmis ne correspond pas' }, document: doc });
    expect(Buffer.from(mdn.raw).toString('latin1')).toContain("processed/Error: 904^L'INS transmis ne correspond pas");
  });

  it('an MDN that carries another message than the one it names is RECEIPT_MISMATCH', async () => {
    const msg = await original(true);
    const mdn = await buildMdn({ request: await readReceiptRequest(msg.raw), from: f.confrere.email, dispositionType: 'processed' });
    const forged = Buffer.from(Buffer.from(mdn.raw).toString('latin1').replace(`Original-Message-ID: ${msg.messageId}`, 'Original-Message-ID: <autre-message@demo.mssante.fr>'), 'latin1');
    const r = await readMessage(forged, { trustAnchors: [] });
    expect(r.problems.map((x) => x.code)).toEqual(['RECEIPT_MISMATCH']);
    expect(r.problems[0]!.message).toMatch(/says it answers <autre-message@demo.mssante.fr>, but the message it carries is </);
  });

  it('an MDN written as the volet’s illustrative example (five parts, no space after "Disposition:") is read, with a note on its parts', async () => {
    const b = 'EX-1';
    const orig = 'From: a@chb.mssante.fr\r\nTo: b@chb.mssante.fr\r\nSubject: XDM/1.0/DDM+ECHO\r\nMessage-ID: <orig-1@chb.mssante.fr>\r\n\r\ncorps\r\n';
    const raw = [
      'From: b@chb.mssante.fr', 'To: a@chb.mssante.fr', 'Message-ID: <mdn-1@chb.mssante.fr>',
      'Subject: [KO Intégration système !][902] XDM/1.0/DDM+ECHO MARTIN JEAN 01/02/1960'.replace('é', '=?UTF-8?Q?=C3=A9?=').replace('Int=?UTF-8?Q?=C3=A9?=gration', '=?UTF-8?Q?Int=C3=A9gration?='),
      'MIME-Version: 1.0', `Content-Type: multipart/report; report-type=disposition-notification; boundary="${b}"`, '',
      `--${b}`, 'Content-Type: text/plain; charset="UTF-8"', '', 'Le document n’a pas pu être intégré.', '',
      `--${b}`, 'Content-Type: message/disposition-notification', '',
      'Original-Recipient: rfc822;b@chb.mssante.fr', 'Final-Recipient: rfc822;b@chb.mssante.fr', 'Original-Message-ID: <orig-1@chb.mssante.fr>',
      'Disposition:automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant de patient inconnu^messageErrorCondition| E^Error^errorSeverity', '',
      `--${b}`, 'Content-Type: message/rfc822', '', orig,
      `--${b}`, 'Content-Type: application/zip; name="IHE_XDM.zip"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="IHE_XDM.zip"', '', 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', '',
      `--${b}`, 'Content-Type: application/pdf; name="cr.pdf"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="cr.pdf"', '', Buffer.from('%PDF-1.4\n').toString('base64'), '',
      `--${b}--`, '',
    ].join('\r\n');
    const r = await readMessage(Buffer.from(raw, 'utf8'), { trustAnchors: [] });
    expect(r.kind).toBe('mdn');
    expect(r.receipt).toMatchObject({ originalMessageId: '<orig-1@chb.mssante.fr>', original: { messageId: '<orig-1@chb.mssante.fr>' }, error: { code: '902', label: 'Identifiant de patient inconnu' } });
    expect(r.receipt!.notes.map((n) => n.code)).toEqual(['parts']);
    expect(r.attachments.map((a) => a.fileName)).toEqual(['IHE_XDM.zip', 'cr.pdf']);
  });
});

describe('the integration-error e-mail (no receipt was asked)', () => {
  it('multipart/mixed: text with code and label, the original as message/rfc822 (message_original.eml), its files again; read links it', async () => {
    const msg = await original(false);
    const request = await readReceiptRequest(msg.raw);
    expect(request.notifyTo).toBeUndefined();
    const opened = await readMessage(msg.raw, { trustAnchors: [] });
    const mail = await buildIntegrationErrorMail({
      request, from: f.confrere.email, error: { code: '903', label: 'INS non présent dans le document' }, document: doc,
      attachments: opened.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, content: a.content })),
      cda: opened.xdm!.documents.map((d) => d.cda!),
    });
    expect(Buffer.from(mail.raw).toString('latin1')).toMatch(/^X-MSS-CODECDA: 11488-4\r$/m);
    const entity = parseMimeEntity(mail.raw);
    expect(mail.envelope.to).toEqual([f.praticien.email]);
    expect(entity.contentType.mediaType).toBe('multipart/mixed');
    expect(entity.parts.map((x) => x.contentType.mediaType)).toEqual(['text/plain', 'message/rfc822', 'application/zip', 'application/pdf']);
    const r = await readMessage(mail.raw, { trustAnchors: [] });
    expect(r.subject).toBe(integrationSubject(doc, '903'));
    expect(r.subject).toMatch(/^\[KO Intégration système !\]\[903\] XDM\/1\.0\/DDM\+/);
    expect(r.text).toMatch(/Erreur détectée : INS non présent dans le document/);
    expect(r.text).toMatch(/Code d’erreur : 903/);
    expect(r).toMatchObject({ kind: 'integration-error', ok: true });
    expect(r.receipt).toMatchObject({ kind: 'integration-error', originalMessageId: msg.messageId, error: { code: '903', label: 'INS non présent dans le document' }, notes: [] });
    expect(r.attachments.map((a) => a.fileName)).toEqual(['message_original.eml', 'IHE_XDM.zip', 'compte-rendu.pdf']);
    expect(r.xdm?.ok).toBe(true);
  });
});

describe('scelle mss ack / read --sent-log', () => {
  it('send --sent-log, ack --processed and --error: read links each receipt to the sent message (French)', async () => {
    writeFileSync(p('cr.xml'), demoCda());
    const sent = scelle(['mss', 'send', '--from', f.praticien.email, '--to', f.confrere.email, '--subject', 'CR Mme Pat-Trois', '--cda', p('cr.xml'),
      '--sent-log', p('envois.jsonl'), '--out', p('orig.eml'), '--json']);
    expect(sent.status, sent.stderr).toBe(0);
    const id = sent.json().messageId;
    const line = JSON.parse(readFileSync(p('envois.jsonl'), 'utf8').trim());
    expect(line).toMatchObject({ v: 1, messageId: id, from: f.praticien.email, to: [f.confrere.email], subject: 'CR Mme Pat-Trois', receiptRequested: true, via: 'file', cdaCodes: ['11488-4'], files: ['cr.xml'] });

    const ok = scelle(['mss', 'ack', p('orig.eml'), '--processed', '--sign', '--identity', p('confrere.p12'), '--pass-file', p('confrere.pass'), '--out', p('mdn-ok.eml'), '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.json()).toMatchObject({ kind: 'mdn', originalMessageId: id, to: f.praticien.email, layers: ['signed'] });
    const ko = scelle(['mss', 'ack', p('orig.eml'), '--error', '902', '--out', p('mdn-ko.eml'), '--json']);
    expect(ko.status, ko.stderr).toBe(0);
    const readOk = scelle(['mss', 'read', p('mdn-ok.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--sent-log', p('envois.jsonl'), '--lang', 'fr']);
    expect(readOk.status, readOk.stdout + readOk.stderr).toBe(0);
    expect(readOk.stdout).toMatch(/Accusé \(MDN\) du message <[^>]+> : processed, par confrere@demo\.mssante\.fr/);
    expect(readOk.stdout).toMatch(/votre message envoyé le .* à confrere@demo\.mssante\.fr : « CR Mme Pat-Trois » \(registre des envois\)/);
    const readKo = scelle(['mss', 'read', p('mdn-ko.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--sent-log', p('envois.jsonl'), '--json']);
    expect(readKo.status).toBe(0);
    expect(readKo.json().messages[0]).toMatchObject({ kind: 'mdn', receipt: { originalMessageId: id, error: { code: '902', label: 'Identifiant patient inconnu' } }, sent: { messageId: id } });
    const fr = scelle(['mss', 'read', p('mdn-ko.eml'), '--trust', p('root.pem'), '--lang', 'fr']);
    expect(fr.stdout).toMatch(/ERREUR D’INTÉGRATION 902 : Identifiant patient inconnu \(Le patient pour lequel/);
  });

  it('no receipt asked: a plain ack is refused (RFC 8098 §2.1); --error sends the error e-mail to the sender; an unknown code needs its label', () => {
    const sent = scelle(['mss', 'send', '--from', f.praticien.email, '--to', f.confrere.email, '--subject', 'CR', '--cda', p('cr.xml'), '--no-receipt', '--out', p('noreceipt.eml')]);
    expect(sent.status, sent.stderr).toBe(0);
    const refused = scelle(['mss', 'ack', p('noreceipt.eml'), '--out', p('x.eml'), '--json']);
    expect(refused.status).toBe(2);
    expect(refused.json().error.message).toMatch(/asks for no receipt/);
    const ko = scelle(['mss', 'ack', p('noreceipt.eml'), '--error', '903', '--out', p('ko-mail.eml'), '--json']);
    expect(ko.status, ko.stderr).toBe(0);
    expect(ko.json()).toMatchObject({ kind: 'integration-error', to: f.praticien.email, error: { code: '903', label: 'INS non présent dans le document' } });
    const read = scelle(['mss', 'read', p('ko-mail.eml'), '--trust', p('root.pem'), '--json']);
    expect(read.json().messages[0]).toMatchObject({ kind: 'integration-error', subject: expect.stringMatching(/^\[KO Intégration système !\]\[903\] XDM\/1\.0\/DDM\+Compte rendu de consultation — échographie PAT-TROIS DOMINIQUE 28\/03\/1979$/) });
    const unknown = scelle(['mss', 'ack', p('noreceipt.eml'), '--error', '950', '--out', p('y.eml'), '--json']);
    expect(unknown.status).toBe(2);
    expect(unknown.json().error.message).toMatch(/--error-label/);
    const labelled = scelle(['mss', 'ack', p('noreceipt.eml'), '--error', '950', '--error-label', 'Document en double', '--out', p('z.eml'), '--json']);
    expect(labelled.status, labelled.stderr).toBe(0);
  });
});
