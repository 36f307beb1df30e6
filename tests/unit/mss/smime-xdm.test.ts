import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeMessage } from '../../../src/mss/compose.js';
import { readMessage } from '../../../src/mss/read.js';
import { buildXdmPackage, checkXdmPackage } from '../../../src/mss/xdm.js';
import { buildMdn, readReceiptRequest } from '../../../src/mss/mdn.js';
import { ZipWriter } from '../../../src/crypto/zip/writer.js';
import { formatPem } from '../../../src/crypto/pem.js';
import { createMssFixture, type MssFixture } from '../../helpers/mss-fixtures.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { scelle } from '../../helpers/cli.js';

let f: MssFixture;
const { dir, cleanup } = makeTempDir('scelle-mss-unit-');
beforeAll(async () => {
  f = await createMssFixture();
});
afterAll(cleanup);

const pdf = new Uint8Array(Buffer.from('%PDF-1.4\n% compte rendu\n%%EOF\n'));
const base = () => ({ from: f.praticien.email, to: [f.confrere.email], subject: 'Compte rendu — Mme Dupré', text: 'Bonjour,\nci-joint.\n', attachments: [{ fileName: 'compte-rendu.pdf', content: pdf }] });

describe('S/MIME layers', () => {
  it('signed + encrypted + XDM reads back with every check green', async () => {
    const msg = await composeMessage({ ...base(), xdm: true, requestReceipt: true, sign: { signer: f.praticien.sign, chain: f.praticien.chain }, encrypt: { recipients: [f.confrere.encrypt.certificate] } });
    expect(msg.layers).toEqual(['authEnveloped-data', 'signed']);
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls, identity: f.confrere.identity });
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, messageId: msg.messageId, receiptRequestedBy: f.praticien.email, layers: ['authEnveloped-data', 'multipart-signed'] });
    expect(r.signature).toMatchObject({ ok: true, chainOk: true, fromMatches: true, micalg: 'sha-256', signer: { name: 'CLAIRE DURAND', rpps: '10101234567' } });
    expect(r.xdm?.documents[0]).toMatchObject({ ok: true, title: 'compte-rendu.pdf', path: 'IHE_XDM/SUBSET01/DOC00001.PDF' });
  });

  it('a tampered body is CONTENT_TAMPERED; `scelle mss read` exits 3', async () => {
    const msg = await composeMessage({ ...base(), sign: { signer: f.praticien.sign, chain: f.praticien.chain } });
    const text = Buffer.from(msg.raw).toString('latin1');
    const tampered = Buffer.from(text.replace('filename=compte-rendu.pdf', 'filename=compte-rendX.pdf').replace('filename="compte-rendu.pdf"', 'filename="compte-rendX.pdf"'), 'latin1');
    expect(tampered.equals(Buffer.from(msg.raw))).toBe(false);
    const r = await readMessage(tampered, { trustAnchors: [f.root], crls: f.crls });
    expect(r.ok, JSON.stringify({ ...r, signature: { ...r.signature, verdict: r.signature?.verdict.signers[0]?.problems } })).toBe(false);
    expect(r.signature?.code).toBe('CONTENT_TAMPERED');
    expect(r.problems[0]?.message).toMatch(/altered after it was signed/);
    writeFileSync(join(dir, 'tampered.eml'), tampered);
    writeFileSync(join(dir, 'root.pem'), formatPem('CERTIFICATE', f.pki.root));
    writeFileSync(join(dir, 'crl.pem'), f.crlPem);
    const cli = scelle(['mss', 'read', join(dir, 'tampered.eml'), '--trust', join(dir, 'root.pem'), '--crl', join(dir, 'crl.pem'), '--json']);
    expect(cli.status).toBe(3);
    expect(cli.json().messages[0].signature.code).toBe('CONTENT_TAMPERED');
    // an altered signature value (the last bytes of the SignedData) is SIGNATURE_INVALID
    const sigEnd = text.lastIndexOf('\r\n------=_scelle_signed_');
    let at = sigEnd - 100;
    while (!/[A-Za-z0-9]/.test(text[at]!)) at--;
    const flipped = Buffer.from(text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1), 'latin1');
    const r2 = await readMessage(flipped, { trustAnchors: [f.root], crls: f.crls });
    expect(r2.ok).toBe(false);
    expect(r2.problems[0]?.code).toBe('SIGNATURE_INVALID');
  });

  it('the From address must be in the signer’s certificate', async () => {
    const msg = await composeMessage({ ...base(), from: 'usurpateur@demo.mssante.fr', sign: { signer: f.praticien.sign, chain: f.praticien.chain } });
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls });
    expect(r.ok).toBe(false);
    expect(r.signature?.fromMatches).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['SENDER_MISMATCH']);
  });

  it('a message for someone else is NOT_A_RECIPIENT; an untrusted signer fails its chain', async () => {
    const msg = await composeMessage({ ...base(), sign: { signer: f.praticien.sign, chain: f.praticien.chain }, encrypt: { recipients: [f.confrere.encrypt.certificate], cipher: 'aes-256-cbc' } });
    const r = await readMessage(msg.raw, { trustAnchors: [f.root], crls: f.crls, identity: f.praticien.identity });
    expect(r.problems.map((p) => p.code)).toEqual(['NOT_A_RECIPIENT']);
    const other = await createMssFixture();
    const r2 = await readMessage(msg.raw, { trustAnchors: [other.root], crls: [...f.crls, ...other.crls], identity: f.confrere.identity });
    expect(r2.encryption).toMatchObject({ ok: true, smimeType: 'enveloped-data', cipher: 'aes-256-cbc', authenticated: false });
    expect(r2.signature?.chainOk).toBe(false);
    expect(r2.ok).toBe(false);
  }, 60_000);

  it('plain attachments outside MSSanté are refused; encryption needs recipients', async () => {
    await expect(composeMessage({ ...base(), to: ['docteur@gmail.com'] })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(composeMessage({ ...base(), subject: 'a\r\nBcc: x@y.fr' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('IHE XDM', () => {
  it('METADATA.XML carries SHA-1 hash, size, URI and SHA-256 per document', async () => {
    const pkg = await buildXdmPackage({ documents: [{ fileName: 'cr.pdf', content: pdf }, { fileName: 'cda.xml', content: Buffer.from('<ClinicalDocument/>') }], recipients: ['confrere@demo.mssante.fr'], title: 'Été' });
    expect(pkg.metadata).toContain('urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1');
    expect(pkg.metadata).toContain(`<rim:Slot name="hash"><rim:ValueList><rim:Value>${pkg.documents[0]!.sha1}</rim:Value>`);
    expect(pkg.metadata).toContain(`<rim:Slot name="size"><rim:ValueList><rim:Value>${pdf.length}</rim:Value>`);
    expect(pkg.documents.map((d) => d.uri)).toEqual(['DOC00001.PDF', 'DOC00002.XML']);
    const r = await checkXdmPackage(pkg.zip);
    expect(r.ok).toBe(true);
    expect(r.submissionSet?.intendedRecipients).toEqual(['confrere@demo.mssante.fr']);
  });

  async function repack(files: Record<string, Uint8Array | string>): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    const w = new ZipWriter(async (c) => { chunks.push(Uint8Array.from(c)); }, { level: 6 });
    for (const [name, content] of Object.entries(files)) await w.addBytes({ name, mtime: new Date() }, typeof content === 'string' ? Buffer.from(content) : content);
    await w.finish();
    return Buffer.concat(chunks);
  }

  it('a document that does not match its metadata is named: XDM_MISMATCH', async () => {
    const pkg = await buildXdmPackage({ documents: [{ fileName: 'compte-rendu été.pdf', content: pdf }] });
    const altered = Uint8Array.from(pdf);
    altered[5] = 0x39;
    const zip = await repack({ 'IHE_XDM/SUBSET01/METADATA.XML': pkg.metadata, 'IHE_XDM/SUBSET01/DOC00001.PDF': altered });
    const r = await checkXdmPackage(zip);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['XDM_MISMATCH', 'XDM_MISMATCH']);
    expect(r.problems[0]!.message).toMatch(/document "DOC00001\.PDF" \(compte-rendu été\.pdf\): SHA-1 [0-9a-f]{40}, METADATA\.XML says [0-9a-f]{40}/);
    expect(r.problems[1]!.message).toMatch(/SHA-256/);
    // missing file, extra file, wrong size
    const zip2 = await repack({ 'IHE_XDM/SUBSET01/METADATA.XML': pkg.metadata.replace(`<rim:Value>${pdf.length}</rim:Value>`, '<rim:Value>1</rim:Value>'), 'IHE_XDM/SUBSET01/DOC00001.PDF': pdf, 'IHE_XDM/SUBSET01/EXTRA.EXE': 'MZ' });
    const r2 = await checkXdmPackage(zip2);
    const all = r2.problems.map((p) => p.message).join('\n');
    expect(all).toMatch(/size 30 bytes, METADATA.XML says 1/);
    expect(all).toMatch(/EXTRA\.EXE" is in the package but not described/);
    const zip3 = await repack({ 'IHE_XDM/SUBSET01/METADATA.XML': pkg.metadata });
    expect((await checkXdmPackage(zip3)).problems[0]!.message).toMatch(/DOC00001\.PDF.*missing from the package/);
  });

  it('hostile metadata: DOCTYPE/entities refused, URI climbing out refused', async () => {
    const evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>';
    const r = await checkXdmPackage(await repack({ 'IHE_XDM/SUBSET01/METADATA.XML': evil }));
    expect(r.problems[0]).toMatchObject({ code: 'XDM_MISMATCH' });
    expect(r.problems[0]!.message).toMatch(/document type declarations are refused/);
    const pkg = await buildXdmPackage({ documents: [{ fileName: 'cr.pdf', content: pdf }] });
    const climbing = pkg.metadata.replace('<rim:Value>DOC00001.PDF</rim:Value>', '<rim:Value>../../README.TXT</rim:Value>');
    const r2 = await checkXdmPackage(await repack({ 'IHE_XDM/SUBSET01/METADATA.XML': climbing, 'README.TXT': 'x' }));
    expect(r2.problems.map((p) => p.code)).toContain('UNSAFE_PATH');
  });

  it('a message whose XDM package was altered fails its read with XDM_MISMATCH (exit 3 in the CLI)', async () => {
    const pkg = await buildXdmPackage({ documents: [{ fileName: 'cr.pdf', content: pdf }] });
    const zip = await repack({ 'IHE_XDM/SUBSET01/METADATA.XML': pkg.metadata, 'IHE_XDM/SUBSET01/DOC00001.PDF': Buffer.from('%PDF-forged') });
    const msg = await composeMessage({ ...base(), attachments: [{ fileName: 'IHE_XDM.zip', content: zip, contentType: 'application/zip' }], sign: { signer: f.praticien.sign, chain: f.praticien.chain } });
    writeFileSync(join(dir, 'xdm.eml'), msg.raw);
    writeFileSync(join(dir, 'root.pem'), formatPem('CERTIFICATE', f.pki.root));
    writeFileSync(join(dir, 'crl.pem'), f.crlPem);
    const cli = scelle(['mss', 'read', join(dir, 'xdm.eml'), '--trust', join(dir, 'root.pem'), '--crl', join(dir, 'crl.pem'), '--save-dir', join(dir, 'out'), '--lang', 'fr']);
    expect(cli.status).toBe(3);
    expect(cli.stdout).toMatch(/XDM_MISMATCH/);
    expect(cli.stdout).toMatch(/pièces jointes NON enregistrées/);
  });
});

describe('MDN (RFC 8098)', () => {
  it('ack of a received message names its Message-ID; read recognises it', async () => {
    const msg = await composeMessage({ ...base(), requestReceipt: true });
    const req = await readReceiptRequest(msg.raw);
    expect(req).toMatchObject({ notifyTo: f.praticien.email, originalMessageId: msg.messageId, subject: 'Compte rendu — Mme Dupré', recipients: [f.confrere.email] });
    const mdn = await buildMdn({ request: req, from: f.confrere.email, sign: { signer: f.confrere.sign, chain: f.confrere.chain } });
    const raw = Buffer.from(mdn.raw).toString('latin1');
    expect(raw.slice(0, raw.indexOf('\r\n\r\n'))).not.toMatch(/Disposition-Notification-To/i);
    expect(raw).toMatch(/Content-Type: message\/rfc822/);
    expect(raw).toMatch(/In-Reply-To: <[^>]+>/);
    const r = await readMessage(mdn.raw, { trustAnchors: [f.root], crls: f.crls });
    expect(r).toMatchObject({ ok: true, kind: 'mdn', subject: 'Accusé de lecture : Compte rendu — Mme Dupré' });
    expect(r.mdn).toMatchObject({ originalMessageId: msg.messageId, finalRecipient: f.confrere.email, disposition: { actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' } });
    expect(r.attachments).toEqual([]);
    const noReceipt = await readReceiptRequest((await composeMessage({ ...base() })).raw);
    expect(noReceipt.notifyTo).toBeUndefined();
    await expect(buildMdn({ request: noReceipt, from: f.confrere.email })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
