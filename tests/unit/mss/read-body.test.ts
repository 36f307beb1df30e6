/**
 * `mss read` shows what the practitioner opened the message for (its text, or the text of its HTML,
 * made safe for a terminal), says plainly when nothing proves the sender, and refuses unsigned
 * messages with --require-signature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeMessage } from '../../../src/mss/compose.js';
import { readMessage } from '../../../src/mss/read.js';
import { parseMimeEntity } from '../../../src/mss/mime.js';
import { sanitizeText } from '../../../src/mss/body.js';
import { formatPem } from '../../../src/crypto/pem.js';
import { createMssFixture, type MssFixture } from '../../helpers/mss-fixtures.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { scelle } from '../../helpers/cli.js';

let f: MssFixture;
const { dir, cleanup } = makeTempDir('scelle-mss-body-');
const p = (n: string): string => join(dir, n);
beforeAll(async () => {
  f = await createMssFixture();
  writeFileSync(p('root.pem'), formatPem('CERTIFICATE', f.pki.root));
  writeFileSync(p('crl.pem'), f.crlPem);
});
afterAll(cleanup);

const pdf = new Uint8Array(Buffer.from('%PDF-1.4\n% ordonnance\n%%EOF\n'));
const text = 'Chère consœur,\nvoici l’ordonnance de Mme Dupré.\nBien confraternellement.\n';

/** A hand-written message (CRLF). */
function eml(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

describe('the text of the message', () => {
  it('a plain-text message: the text is in the verdict and on the terminal; its sender is NOT proven (never "every check passed")', async () => {
    const msg = await composeMessage({ from: f.praticien.email, to: [f.confrere.email], subject: 'Ordonnance', text, attachments: [{ fileName: 'ordonnance.pdf', content: pdf }] });
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls });
    expect(r).toMatchObject({ ok: true, status: 'not-proven', senderProven: false, text, textSource: 'plain', hasHtml: false });
    expect(r.attachments[0]).toMatchObject({ fileName: 'ordonnance.pdf', integrity: 'not-signed' });
    writeFileSync(p('plain.eml'), msg.raw);
    for (const [lang, notProven, everyCheck] of [['fr', /expéditeur NON PROUVÉ : le message n’est pas signé/, /toutes les vérifications sont bonnes/], ['en', /sender NOT PROVEN: the message is not signed/, /every check passed/]] as const) {
      const cli = scelle(['mss', 'read', p('plain.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--lang', lang]);
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(notProven);
      expect(cli.stdout).not.toMatch(everyCheck);
      expect(cli.stdout).toContain('  | Chère consœur,');
      expect(cli.stdout).toContain('  | voici l’ordonnance de Mme Dupré.');
    }
    const json = scelle(['mss', 'read', p('plain.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--json']).json();
    expect(json.messages[0]).toMatchObject({ ok: true, status: 'not-proven', senderProven: false, text, textSource: 'plain' });
  });

  it('a signed message whose checks pass is "verified", its attachments covered by the signature', async () => {
    const msg = await composeMessage({ from: f.praticien.email, to: [f.confrere.email], subject: 'Ordonnance', text, attachments: [{ fileName: 'ordonnance.pdf', content: pdf }], sign: { signer: f.praticien.sign, chain: f.praticien.chain } });
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls });
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ status: 'verified', senderProven: true, text });
    expect(r.attachments[0]!.integrity).toBe('signed');
    writeFileSync(p('signed.eml'), msg.raw);
    const cli = scelle(['mss', 'read', p('signed.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--lang', 'fr']);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/expéditeur VÉRIFIÉ/);
    expect(cli.stdout).toMatch(/couverte par la signature valide/);
  });

  it('an HTML-only body is shown as text: no markup, no script, links with their real target; escape sequences never reach the terminal', async () => {
    const html = '<html><head><style>p{color:red}</style><script>alert("x")</script></head><body><p>Résultat <b>normal</b>.</p>'
      + '<p><a href="https://evil.example/phish">https://www.ameli.fr</a></p><p>fin\u001b[31mROUGE\u001b[0m \u202eetouq\u202c</p></body></html>';
    const raw = eml([
      'From: labo@demo.mssante.fr', 'To: confrere@demo.mssante.fr', 'Subject: =?UTF-8?Q?R=C3=A9sultat?=', 'Message-ID: <html-1@demo.mssante.fr>', 'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', html, '',
    ]);
    const r = await readMessage(raw, { trustAnchors: [f.root], crls: f.crls });
    expect(r.textSource).toBe('html');
    expect(r.hasHtml).toBe(true);
    expect(r.text).toMatch(/Résultat NORMAL\.|Résultat normal\./);
    expect(r.text).not.toMatch(/alert|color:red|<p>/);
    expect(r.text).toContain('evil.example/phish');
    const shown = sanitizeText(r.text!).text;
    expect(shown).not.toMatch(/[\u001b\u202e\u202c]/);
    writeFileSync(p('html.eml'), raw);
    const cli = scelle(['mss', 'read', p('html.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--lang', 'fr']);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/texte du message \(extrait de son HTML/);
    expect(cli.stdout).toContain('evil.example/phish');
    expect(cli.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(cli.stdout).toContain('finROUGE');
    expect(cli.stdout).not.toContain('[31m');
  });

  it('multipart/alternative: the text/plain part is what is shown', async () => {
    const raw = eml([
      'From: a@demo.mssante.fr', 'To: b@demo.mssante.fr', 'Subject: alt', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="b1"', '',
      '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'version texte', '--b1', 'Content-Type: text/html; charset=utf-8', '', '<p>version <i>html</i></p>', '--b1--', '',
    ]);
    const r = await readMessage(raw, { trustAnchors: [] });
    expect(r.text?.trim()).toBe('version texte');
    expect(r.textSource).toBe('plain');
    expect(r.hasHtml).toBe(true);
  });

  it('a body part without header fields is text/plain (as mail clients read it); the message itself must start with header fields', async () => {
    const raw = eml([
      'From: a@demo.mssante.fr', 'To: b@demo.mssante.fr', 'Subject: sans en-tete', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b2"', '',
      '--b2', 'Bonjour,', 'voici le compte rendu: à lire.', '--b2--', '',
    ]);
    const e = parseMimeEntity(raw);
    expect(e.parts[0]).toMatchObject({ headerless: true, contentType: { mediaType: 'text/plain' } });
    const r = await readMessage(raw, { trustAnchors: [] });
    expect(r.text).toBe('Bonjour,\nvoici le compte rendu: à lire.');
    // a part whose first line looks like a header field but whose block is not one is text too
    const raw2 = eml([
      'From: a@demo.mssante.fr', 'To: b@demo.mssante.fr', 'Subject: x', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b3"', '',
      '--b3', 'Objet: rendez-vous', 'Bonjour Docteur', '--b3--', '',
    ]);
    expect(parseMimeEntity(raw2).parts[0]!.headerless).toBe(true);
    expect(() => parseMimeEntity(Buffer.from('Bonjour,\r\nceci n’est pas un message\r\n'))).toThrow(/does not start with header fields/);
  });
});

describe('--require-signature', () => {
  it('an unsigned message: exit 3, NOT_SIGNED, nothing saved; without it the attachments are saved with a plain warning', async () => {
    const msg = await composeMessage({ from: f.praticien.email, to: [f.confrere.email], subject: 'Ordonnance', text, attachments: [{ fileName: 'ordonnance.pdf', content: pdf }] });
    writeFileSync(p('unsigned.eml'), msg.raw);
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls, requireSignature: true });
    expect(r).toMatchObject({ ok: false, status: 'negative' });
    expect(r.problems.map((x) => x.code)).toEqual(['NOT_SIGNED']);
    const cli = scelle(['mss', 'read', p('unsigned.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--require-signature', '--save-dir', p('refused'), '--json']);
    expect(cli.status).toBe(3);
    expect(cli.json().messages[0].problems[0].code).toBe('NOT_SIGNED');
    expect(existsSync(p('refused')) ? readdirSync(p('refused')) : []).toEqual([]);
    const fr = scelle(['mss', 'read', p('unsigned.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--require-signature', '--lang', 'fr']);
    expect(fr.status).toBe(3);
    expect(fr.stdout).toMatch(/\[NOT_SIGNED\] le message n’est pas signé/);
    const saved = scelle(['mss', 'read', p('unsigned.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--save-dir', p('kept'), '--lang', 'fr']);
    expect(saved.status, saved.stderr).toBe(0);
    expect(readdirSync(p('kept'))).toEqual(['ordonnance.pdf']);
    expect(saved.stdout).toMatch(/enregistrées bien que rien ne prouve qui les a envoyées/);
  });

  it('a signed message passes --require-signature', async () => {
    const msg = await composeMessage({ from: f.praticien.email, to: [f.confrere.email], subject: 'x', text, sign: { signer: f.praticien.sign, chain: f.praticien.chain } });
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls, requireSignature: true });
    expect(r).toMatchObject({ ok: true, status: 'verified' });
  });
});
