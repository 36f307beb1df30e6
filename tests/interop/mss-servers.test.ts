/**
 * `scelle mss` against real servers on loopback: Postfix (submission STARTTLS, implicit TLS, and a
 * listener that requires a client certificate) delivering over LMTP into Dovecot (IMAPS), all with
 * certificates from the demo PKI (tests/helpers/mailservers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCertificate } from '../../src/crypto/cert-builder.js';
import { formatPem } from '../../src/crypto/pem.js';
import { parseCertificates } from '../../src/crypto/x509/certificate.js';
import { parseMailUrl } from '../../src/mss/transport.js';
import { sendMessage } from '../../src/mss/smtp.js';
import { composeMessage } from '../../src/mss/compose.js';
import { isScelleError } from '../../src/errors.js';
import { startMailServers, haveMailServers, type MailServers } from '../helpers/mailservers.js';
import { createMssFixture, demoCda, tamperXdmCda, type MssFixture } from '../helpers/mss-fixtures.js';
import { makeTempDir } from '../helpers/tmp.js';
import { scelle } from '../helpers/cli.js';

const enabled = haveMailServers() || process.env.CI === 'true';

describe.skipIf(!enabled)('mss with Postfix and Dovecot on loopback', () => {
  let f: MssFixture;
  let servers: MailServers;
  let dir: string;
  let cleanup: () => void;
  const p = (name: string): string => join(dir, name);
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% compte rendu de consultation — été 2026\n%%EOF\n');
  const cda = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>Compte rendu</title></ClinicalDocument>\n');

  beforeAll(async () => {
    f = await createMssFixture();
    servers = await startMailServers(f.pki);
    ({ dir, cleanup } = makeTempDir('scelle-mss-srv-'));
    writeFileSync(p('praticien.p12'), f.pki.praticien.p12);
    writeFileSync(p('praticien.pass'), `${f.pki.praticien.password}\n`);
    writeFileSync(p('confrere.p12'), f.pki.confrere.p12);
    writeFileSync(p('confrere.pass'), `${f.pki.confrere.password}\n`);
    writeFileSync(p('confrere.pem'), f.pki.confrere.certificates.map((c) => formatPem('CERTIFICATE', c)).join(''));
    writeFileSync(p('trust.pem'), formatPem('CERTIFICATE', f.pki.root));
    writeFileSync(p('crl.pem'), f.crlPem);
    writeFileSync(p('praticien.mailpass'), `${servers.users.praticien.password}\n`);
    writeFileSync(p('confrere.mailpass'), `${servers.users.confrere.password}\n`);
    writeFileSync(p('compte-rendu été.pdf'), pdf);
    writeFileSync(p('CR-consultation.xml'), cda);
    writeFileSync(p('body.txt'), 'Cher confrère,\nveuillez trouver ci-joint le compte rendu.\nBien confraternellement.\n');
  });
  afterAll(async () => {
    await servers?.stop();
    cleanup?.();
  });

  const sendArgs = (smtp: string, extra: string[] = []): string[] => [
    'mss', 'send', '--from', 'praticien@demo.mssante.fr', '--to', 'confrere@demo.mssante.fr',
    '--subject', 'Compte rendu — échographie de Mme Dupré', '--body', p('body.txt'),
    '--attach', p('compte-rendu été.pdf'), p('CR-consultation.xml'),
    '--xdm', '--sign', '--encrypt', '--to-cert', p('confrere.pem'),
    '--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'),
    '--trust', p('trust.pem'), '--smtp', smtp, '--json', ...extra,
  ];
  const readConfrere = (extra: string[] = []): ReturnType<typeof scelle> => scelle([
    'mss', 'read', '--imap', `imaps://confrere@demo.mssante.fr@localhost:${servers.ports.imaps}`,
    '--identity', p('confrere.p12'), '--pass-file', p('confrere.pass'), '--mail-pass-file', p('confrere.mailpass'),
    '--trust', p('trust.pem'), '--crl', p('crl.pem'), '--json', ...extra,
  ]);

  /** Sends with the CLI, waits for delivery, reads it back over IMAPS: every check green. */
  async function sendAndReadBack(smtp: string, extra: string[] = []): Promise<{ messageId: string; report: any; saveDir: string }> {
    const before = servers.mailbox('confrere').length;
    const sent = scelle(sendArgs(smtp, extra), { env: { SCELLE_MAIL_PASSWORD: servers.users.praticien.password } });
    expect(sent.status, sent.stderr + servers.logs().slice(-3000)).toBe(0);
    const out = sent.json();
    expect(out.layers).toEqual(['authEnveloped-data', 'signed']);
    await servers.waitForMail('confrere', before + 1);
    const saveDir = p(`saved-${before}`);
    const read = readConfrere(['--save-dir', saveDir]);
    expect(read.status, read.stdout + read.stderr).toBe(0);
    const doc = read.json();
    expect(doc.messages).toHaveLength(1);
    const m = doc.messages[0];
    expect(m.ok).toBe(true);
    expect(m.messageId).toBe(out.messageId);
    expect(m.subject).toBe('Compte rendu — échographie de Mme Dupré');
    expect(m.encryption).toMatchObject({ ok: true, smimeType: 'authEnveloped-data', cipher: 'aes-256-gcm', authenticated: true });
    expect(m.signature).toMatchObject({ ok: true, chainOk: true, fromMatches: true, micalg: 'sha-256', signer: { name: 'CLAIRE DURAND', rpps: '10101234567' } });
    expect(m.xdm.ok).toBe(true);
    expect(m.xdm.documents.map((d: any) => d.title).sort()).toEqual(['CR-consultation.xml', 'compte-rendu été.pdf']);
    expect(m.receiptRequestedBy).toBe('praticien@demo.mssante.fr');
    expect(m.problems).toEqual([]);
    // the documents were extracted under their own (accented) names, byte for byte
    expect(readFileSync(join(saveDir, 'compte-rendu été.pdf'))).toEqual(pdf);
    expect(readFileSync(join(saveDir, 'CR-consultation.xml'))).toEqual(cda);
    expect(readdirSync(saveDir)).toContain('IHE_XDM.zip');
    return { messageId: out.messageId, report: m, saveDir };
  }

  it('send --sign --encrypt --xdm through submission with STARTTLS, read back over IMAPS: every check green', async () => {
    await sendAndReadBack(`smtp://praticien@demo.mssante.fr@localhost:${servers.ports.submission}`);
    // read marked it seen: nothing new now
    const again = readConfrere();
    expect(again.status).toBe(0);
    expect(again.json().messages).toEqual([]);
  });

  it('send through implicit TLS (smtps), password from --mail-pass-file', async () => {
    await sendAndReadBack(`smtps://praticien@demo.mssante.fr@localhost:${servers.ports.smtps}`, ['--mail-pass-file', p('praticien.mailpass')]);
  });

  it('send through the listener that requires a client certificate, with the practitioner’s authentication certificate (no password)', async () => {
    const r = await sendAndReadBack(`smtps://localhost:${servers.ports.mtls}`);
    expect(r.report.signature.signer.rpps).toBe('10101234567');
    expect(servers.logs()).toMatch(/postfix\/mtls\/smtpd.*Client certificate verification|postfix\/mtls\/smtpd.*(Trusted|Verified) TLS connection/);
  });

  it('a CDA compte rendu sent with --cda through submission (STARTTLS) arrives with X-MSS-CODECDA / X-MSS-INS and an XDM whose METADATA matches its header; an altered CDA or header is reported', async () => {
    writeFileSync(p('cr-cda.xml'), demoCda());
    const before = servers.mailbox('confrere').length;
    const sent = scelle(['mss', 'send', '--from', 'praticien@demo.mssante.fr', '--to', 'confrere@demo.mssante.fr',
      '--subject', 'Compte rendu de consultation — Mme Pat-Trois', '--body', p('body.txt'), '--cda', p('cr-cda.xml'), '--attach', p('compte-rendu été.pdf'),
      '--sign', '--encrypt', '--to-cert', p('confrere.pem'), '--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'),
      '--trust', p('trust.pem'), '--smtp', `smtp://praticien@demo.mssante.fr@localhost:${servers.ports.submission}`, '--json'], { env: { SCELLE_MAIL_PASSWORD: servers.users.praticien.password, SCELLE_MSS_NIL: 'DEV935997' } });
    expect(sent.status, sent.stderr).toBe(0);
    const box = await servers.waitForMail('confrere', before + 1);
    const delivered = box[box.length - 1]!;
    // the operator sees the MSSanté fields in the clear (outer header), the documents stay encrypted
    expect(delivered.toString('latin1')).toMatch(/^X-MSS-CODECDA: 11488-4\r?$/m);
    expect(delivered.toString('latin1')).toMatch(/^X-MSS-INS: O\r?$/m);
    expect(delivered.toString('latin1')).toMatch(/^X-MSS-NIL: DEV935997\r?$/m);
    expect(delivered.toString('latin1')).not.toContain('ClinicalDocument');
    const read = readConfrere(['--save-dir', p('saved-cda')]);
    expect(read.status, read.stdout + read.stderr).toBe(0);
    const m = read.json().messages[0];
    expect(m).toMatchObject({ ok: true, status: 'verified', messageId: sent.json().messageId, text: 'Cher confrère,\nveuillez trouver ci-joint le compte rendu.\nBien confraternellement.\n' });
    expect(m.mss).toMatchObject({ ok: true, received: { codeCda: ['11488-4'], ins: 'O', nil: 'DEV935997' } });
    expect(m.xdm.documents[0]).toMatchObject({ ok: true, declared: { typeCode: '11488-4', patientId: '279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH' }, cda: { code: { code: '11488-4' }, patient: { ins: { qualified: true } } } });
    expect(m.attachments.map((a: any) => a.fileName)).toEqual(['IHE_XDM.zip', 'compte-rendu été.pdf']);
    expect(readFileSync(join(p('saved-cda'), 'cr-cda.xml'), 'utf8')).toBe(demoCda());
    // the header altered on the way: the message file from the mailbox, one field changed
    writeFileSync(p('altered-header.eml'), delivered.toString('latin1').replace('X-MSS-CODECDA: 11488-4', 'X-MSS-CODECDA: 34112-3'), 'latin1');
    const r = scelle(['mss', 'read', p('altered-header.eml'), '--identity', p('confrere.p12'), '--pass-file', p('confrere.pass'), '--trust', p('trust.pem'), '--crl', p('crl.pem'), '--json']);
    expect(r.status).toBe(3);
    expect(r.json().messages[0].problems.map((x: any) => x.code)).toEqual(['MSS_HEADER_MISMATCH']);
    // an altered CDA (a compte rendu sent without encryption, its XDM changed in the mailbox file): the signature and the XDM hashes both say so
    const plainBefore = servers.mailbox('confrere').length;
    const s2 = scelle(['mss', 'send', '--from', 'praticien@demo.mssante.fr', '--to', 'confrere@demo.mssante.fr', '--subject', 'CR', '--cda', p('cr-cda.xml'),
      '--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'), '--sign', '--trust', p('trust.pem'), '--smtp', `smtps://praticien@demo.mssante.fr@localhost:${servers.ports.smtps}`, '--json'], { env: { SCELLE_MAIL_PASSWORD: servers.users.praticien.password } });
    expect(s2.status, s2.stderr).toBe(0);
    const box2 = await servers.waitForMail('confrere', plainBefore + 1);
    const tampered = await tamperXdmCda(box2[box2.length - 1]!);
    writeFileSync(p('altered-cda.eml'), tampered);
    const r2 = scelle(['mss', 'read', p('altered-cda.eml'), '--trust', p('trust.pem'), '--crl', p('crl.pem'), '--json']);
    expect(r2.status).toBe(3);
    const codes = r2.json().messages[0].problems.map((x: any) => x.code);
    expect(codes).toContain('CONTENT_TAMPERED');
    expect(codes).toContain('XDM_MISMATCH');
    expect(readConfrere().status).toBe(0); // drain
  });

  it('read receipt round trip: ack → delivered → read links it to the sent Message-ID', async () => {
    const before = servers.mailbox('confrere').length;
    const sent = scelle(sendArgs(`smtp://praticien@demo.mssante.fr@localhost:${servers.ports.submission}`), { env: { SCELLE_MAIL_PASSWORD: servers.users.praticien.password } });
    expect(sent.status, sent.stderr).toBe(0);
    const messageId = sent.json().messageId;
    const box = await servers.waitForMail('confrere', before + 1);
    writeFileSync(p('received.eml'), box[box.length - 1]!);
    const praticienBefore = servers.mailbox('praticien').length;
    const ack = scelle(['mss', 'ack', p('received.eml'), '--sign', '--identity', p('confrere.p12'), '--pass-file', p('confrere.pass'),
      '--smtp', `smtp://confrere@demo.mssante.fr@localhost:${servers.ports.submission}`, '--mail-pass-file', p('confrere.mailpass'), '--trust', p('trust.pem'), '--json']);
    expect(ack.status, ack.stderr).toBe(0);
    expect(ack.json()).toMatchObject({ ok: true, originalMessageId: messageId, to: 'praticien@demo.mssante.fr', layers: ['signed'] });
    await servers.waitForMail('praticien', praticienBefore + 1);
    const read = scelle(['mss', 'read', '--imap', `imaps://praticien@demo.mssante.fr@localhost:${servers.ports.imaps}`,
      '--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'), '--mail-pass-file', p('praticien.mailpass'), '--trust', p('trust.pem'), '--crl', p('crl.pem'), '--json']);
    expect(read.status, read.stdout + read.stderr).toBe(0);
    const mdn = read.json().messages.find((m: any) => m.kind === 'mdn');
    expect(mdn).toBeDefined();
    expect(mdn.mdn.originalMessageId).toBe(messageId);
    expect(mdn.mdn.disposition).toMatchObject({ actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' });
    expect(mdn.signature).toMatchObject({ ok: true, fromMatches: true, signer: { rpps: '10107654321' } });
    expect(mdn.receipt).toMatchObject({ kind: 'mdn', originalMessageId: messageId, original: { messageId }, notes: [] });
    // drain confrere's copy of that message
    expect(readConfrere().status).toBe(0);
  });

  it('the volet’s receipts through the servers: an MDN processed/Error (three parts) and, when no receipt was asked, the error e-mail; mss read links both to the sent message', async () => {
    writeFileSync(p('cr-ack.xml'), demoCda());
    const submit = `smtp://praticien@demo.mssante.fr@localhost:${servers.ports.submission}`;
    const env = { SCELLE_MAIL_PASSWORD: servers.users.praticien.password };
    const send = (extra: string[]): string => {
      const r = scelle(['mss', 'send', '--from', 'praticien@demo.mssante.fr', '--to', 'confrere@demo.mssante.fr', '--subject', 'CR Mme Pat-Trois', '--cda', p('cr-ack.xml'),
        '--sign', '--encrypt', '--to-cert', p('confrere.pem'), '--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'), '--trust', p('trust.pem'),
        '--sent-log', p('envois.jsonl'), '--smtp', submit, '--json', ...extra], { env });
      expect(r.status, r.stderr).toBe(0);
      return r.json().messageId;
    };
    const before = servers.mailbox('confrere').length;
    const withReceipt = send([]);
    const withoutReceipt = send(['--no-receipt']);
    const box = await servers.waitForMail('confrere', before + 2);
    writeFileSync(p('with.eml'), box[box.length - 2]!);
    writeFileSync(p('without.eml'), box[box.length - 1]!);
    const praticienBefore = servers.mailbox('praticien').length;
    const ack = (file: string, code: string): any => {
      const r = scelle(['mss', 'ack', p(file), '--error', code, '--identity', p('confrere.p12'), '--pass-file', p('confrere.pass'),
        '--smtp', `smtp://confrere@demo.mssante.fr@localhost:${servers.ports.submission}`, '--mail-pass-file', p('confrere.mailpass'), '--trust', p('trust.pem'), '--crl', p('crl.pem'), '--json']);
      expect(r.status, r.stderr).toBe(0);
      return r.json();
    };
    expect(ack('with.eml', '902')).toMatchObject({ kind: 'mdn', originalMessageId: withReceipt, to: 'praticien@demo.mssante.fr' });
    expect(ack('without.eml', '903')).toMatchObject({ kind: 'integration-error', originalMessageId: withoutReceipt, to: 'praticien@demo.mssante.fr' });
    const praticienBox = await servers.waitForMail('praticien', praticienBefore + 2);
    // the MDN as delivered: multipart/report with exactly the volet's three parts
    const delivered = praticienBox.slice(-2).map((m) => m.toString('latin1'));
    const mdnRaw = delivered.find((m) => /report-type=disposition-notification/.test(m))!;
    expect(mdnRaw.match(/^Content-Type: (text\/plain|message\/disposition-notification|message\/rfc822)/gm)!.slice(0, 3)).toEqual(['Content-Type: text/plain', 'Content-Type: message/disposition-notification', 'Content-Type: message/rfc822']);
    const read = scelle(['mss', 'read', '--imap', `imaps://praticien@demo.mssante.fr@localhost:${servers.ports.imaps}`, '--sent-log', p('envois.jsonl'),
      '--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'), '--mail-pass-file', p('praticien.mailpass'), '--trust', p('trust.pem'), '--crl', p('crl.pem'), '--json']);
    expect(read.status, read.stdout + read.stderr).toBe(0);
    const messages = read.json().messages;
    const mdn = messages.find((m: any) => m.kind === 'mdn');
    expect(mdn).toMatchObject({ ok: true, receipt: { originalMessageId: withReceipt, original: { messageId: withReceipt }, error: { code: '902', label: 'Identifiant patient inconnu' }, notes: [] }, sent: { messageId: withReceipt, cdaCodes: ['11488-4'] } });
    expect(mdn.subject).toBe('[KO Intégration système !][902] XDM/1.0/DDM+Compte rendu de consultation — échographie PAT-TROIS DOMINIQUE 28/03/1979');
    const ko = messages.find((m: any) => m.kind === 'integration-error');
    expect(ko).toMatchObject({ ok: true, receipt: { originalMessageId: withoutReceipt, error: { code: '903' } }, sent: { messageId: withoutReceipt } });
    expect(ko.attachments.map((a: any) => a.fileName)).toEqual(['message_original.eml', 'IHE_XDM.zip']);
    expect(ko.mss).toMatchObject({ ok: true, received: { codeCda: ['11488-4'] } });
    expect(readConfrere().status).toBe(0); // drain
  });

  it('a server certificate that --trust does not cover is refused: TLS_UNTRUSTED, exit 3, nothing sent', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = buildCertificate({ subject: [{ type: 'CN', value: 'AUTRE RACINE' }], publicKey, signingKey: privateKey, notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] });
    writeFileSync(p('other-root.pem'), formatPem('CERTIFICATE', other));
    const before = servers.mailbox('confrere').length;
    // signed, not encrypted: --trust also checks the recipients' certificates, and here it trusts another root
    const args = sendArgs(`smtps://praticien@demo.mssante.fr@localhost:${servers.ports.smtps}`)
      .filter((a) => a !== '--encrypt' && a !== '--to-cert' && a !== p('confrere.pem'))
      .map((a) => (a === p('trust.pem') ? p('other-root.pem') : a));
    const r = scelle(args, { env: { SCELLE_MAIL_PASSWORD: servers.users.praticien.password } });
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.json().error.code).toBe('TLS_UNTRUSTED');
    expect(r.stderr).toMatch(/nothing was sent/);
    // STARTTLS: the same before any SMTP command that matters
    const s = scelle(args.map((a) => a.replace(`smtps://praticien@demo.mssante.fr@localhost:${servers.ports.smtps}`, `smtp://praticien@demo.mssante.fr@localhost:${servers.ports.submission}`)), { env: { SCELLE_MAIL_PASSWORD: servers.users.praticien.password } });
    expect(s.status).toBe(3);
    expect(s.json().error.code).toBe('TLS_UNTRUSTED');
    await new Promise((res) => setTimeout(res, 1500));
    expect(servers.mailbox('confrere').length).toBe(before);
    // IMAPS: same rule, no login is attempted
    const i = scelle(['mss', 'read', '--imap', `imaps://confrere@demo.mssante.fr@localhost:${servers.ports.imaps}`, '--mail-pass-file', p('confrere.mailpass'), '--trust', p('other-root.pem'), '--json']);
    expect(i.status).toBe(3);
    expect(i.json().error.code).toBe('TLS_UNTRUSTED');
  });

  it('an expired client certificate: a clear CERT_EXPIRED before connecting; the server’s own refusal is a clear AUTH_FAILED', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Date.now();
    const expired = buildCertificate({
      subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }, { type: 'CN', value: '810101234567' }],
      issuerCertificate: f.pki.ca, publicKey, signingKey: f.pki.caKey,
      notBefore: new Date(now - 400 * 86_400_000), notAfter: new Date(now - 30 * 86_400_000),
      keyUsage: ['digitalSignature', 'keyEncipherment'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'], emails: ['praticien@demo.mssante.fr'],
    });
    writeFileSync(p('expired.pem'), formatPem('CERTIFICATE', expired) + formatPem('CERTIFICATE', f.pki.ca));
    writeFileSync(p('expired.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const before = servers.mailbox('confrere').length;
    const r = scelle(['mss', 'send', '--from', 'praticien@demo.mssante.fr', '--to', 'confrere@demo.mssante.fr', '--subject', 'test',
      '--key', p('expired.key'), '--cert', p('expired.pem'), '--trust', p('trust.pem'), '--smtp', `smtps://localhost:${servers.ports.mtls}`, '--json']);
    expect(r.status).toBe(3);
    expect(r.json().error.code).toBe('CERT_EXPIRED');
    expect(r.stderr).toMatch(/authentication certificate .* expired on .*nothing was sent/);
    // Pretending the clock is inside the validity period: Postfix itself refuses the certificate.
    const msg = await composeMessage({ from: 'praticien@demo.mssante.fr', to: ['confrere@demo.mssante.fr'], subject: 'test' });
    const entry = { certificate: parseCertificates(expired)[0]!, key: { kind: 'software' as const, keyType: 'rsa', privateKey, sign: async () => new Uint8Array() }, roles: ['authentication' as const] };
    const e = await sendMessage(msg.raw, {
      url: parseMailUrl(`smtps://localhost:${servers.ports.mtls}`, 'smtp'), trustAnchors: [f.root], envelope: msg.envelope,
      clientCertificate: { entry, chain: [f.ca] }, clock: () => new Date(now - 100 * 86_400_000),
    }).catch((err: unknown) => err);
    // Postfix completes the handshake and refuses at the SMTP level (421 4.7.1 Client certificate not trusted).
    expect(isScelleError(e) ? e.code : String(e)).toBe('AUTH_FAILED');
    expect((e as Error).message).toMatch(/did not accept your TLS client certificate .*nothing was sent/);
    await new Promise((res) => setTimeout(res, 1000));
    expect(servers.mailbox('confrere').length).toBe(before);
  });

  it('a wrong mail password: AUTH_FAILED, exit 12, and the password is not echoed', () => {
    writeFileSync(p('wrong.mailpass'), 'Pas-le-bon-mot-de-passe-42\n');
    const args = sendArgs(`smtp://praticien@demo.mssante.fr@localhost:${servers.ports.submission}`, ['--mail-pass-file', p('wrong.mailpass')]);
    const r = scelle(args);
    expect(r.status).toBe(12);
    expect(r.json().error.code).toBe('AUTH_FAILED');
    expect(r.stdout + r.stderr).not.toContain('Pas-le-bon');
    const i = scelle(['mss', 'read', '--imap', `imaps://confrere@demo.mssante.fr@localhost:${servers.ports.imaps}`, '--mail-pass-file', p('wrong.mailpass'), '--trust', p('trust.pem'), '--json']);
    expect(i.status).toBe(12);
    expect(i.json().error.code).toBe('AUTH_FAILED');
  });
});
