/**
 * S/MIME interop both ways: `openssl smime` / `openssl cms` and gpgsm accept the messages scelle
 * writes (signed, enveloped, signed then enveloped), and scelle reads what they write
 * (multipart/signed, opaque -nodetach, -encrypt EnvelopedData, cms AuthEnvelopedData, gpgsm
 * detached signatures and encryption wrapped in MIME the way mail clients do).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { formatPem } from '../../src/crypto/pem.js';
import { composeMessage } from '../../src/mss/compose.js';
import { readMessage } from '../../src/mss/read.js';
import { parseMimeEntity, decodeBody } from '../../src/mss/mime.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { createGpgsmHome, gpgsmVerify, type GpgsmHome } from '../helpers/gpgsm.js';
import { createMssFixture, type MssFixture } from '../helpers/mss-fixtures.js';
import { makeTempDir } from '../helpers/tmp.js';
import { scelle } from '../helpers/cli.js';

const enabled = havePeers('openssl', 'gpgsm');

describe.skipIf(!enabled)('S/MIME interop with openssl and gpgsm', () => {
  let f: MssFixture;
  let dir: string;
  let cleanup: () => void;
  let gpg: GpgsmHome;
  const p = (n: string): string => join(dir, n);
  const subject = 'Résultats d’analyses — Mme Élodie Dupré';
  const pdf = Buffer.from('%PDF-1.4\n% résultats\n%%EOF\n');

  beforeAll(async () => {
    f = await createMssFixture();
    ({ dir, cleanup } = makeTempDir('scelle-mss-ossl-'));
    const pem = (der: Uint8Array): string => formatPem('CERTIFICATE', der);
    writeFileSync(p('root.pem'), pem(f.pki.root));
    writeFileSync(p('ca.pem'), pem(f.pki.ca));
    const keyPem = (k: { export: (o: object) => string | Buffer }): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const who of ['praticien', 'confrere'] as const) {
      writeFileSync(p(`${who}-sig.pem`), pem(f.pki[who].certificates[0]!));
      writeFileSync(p(`${who}-sig.key`), keyPem(f.pki[who].keys[0]!), { mode: 0o600 });
      writeFileSync(p(`${who}-enc.pem`), pem(f.pki[who].certificates[1]!));
      writeFileSync(p(`${who}-enc.key`), keyPem(f.pki[who].keys[1]!), { mode: 0o600 });
    }
    gpg = createGpgsmHome(p('root.pem'));
    // gpgsm gets confrere's encryption key and praticien's signature key, each in a legacy p12 (gpgsm 2.2 reads no PBES2).
    const importKey = (cert: string, key: string, name: string): void => {
      const env = { ...process.env, SCELLE_TEST_P12_PASS: 'gpgsm-test-passphrase' };
      runPeer('openssl', ['pkcs12', '-export', '-in', p(cert), '-inkey', p(key), '-certfile', p('ca.pem'), '-out', p(name), '-passout', 'env:SCELLE_TEST_P12_PASS',
        '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'], { env });
      const r = spawnSync('gpgsm', ['--homedir', gpg.home, '--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--import', p(name)], { env: gpg.env, input: 'gpgsm-test-passphrase\n', encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`gpgsm --import: ${r.stderr}`);
    };
    importKey('confrere-enc.pem', 'confrere-enc.key', 'confrere-enc.p12');
    importKey('praticien-sig.pem', 'praticien-sig.key', 'praticien-sig.p12');
  });
  afterAll(() => {
    gpg?.cleanup();
    cleanup?.();
  });

  const gpgsm = (args: string[], input?: string | Buffer): { status: number; stdout: Buffer; stderr: string } => {
    const r = spawnSync('gpgsm', ['--homedir', gpg.home, '--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--disable-crl-checks', ...args], { env: gpg.env, input: input ?? 'gpgsm-test-passphrase\n' });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
  };

  const compose = async (opts: { sign?: boolean; encrypt?: boolean; cbc?: boolean }): Promise<Buffer> => Buffer.from((await composeMessage({
    from: f.praticien.email, to: [f.confrere.email], subject, text: 'Bonjour,\nles résultats sont en pièce jointe.\n',
    attachments: [{ fileName: 'résultats été.pdf', content: pdf }],
    ...(opts.sign ? { sign: { signer: f.praticien.sign, chain: f.praticien.chain } } : {}),
    ...(opts.encrypt ? { encrypt: { recipients: [f.confrere.encrypt.certificate], cipher: opts.cbc ? 'aes-256-cbc' as const : 'aes-256-gcm' as const } } : {}),
  })).raw);

  describe('peers accept what scelle writes', () => {
    it('openssl smime -verify accepts a signed message (micalg sha-256, chain to the demo root)', async () => {
      writeFileSync(p('signed.eml'), await compose({ sign: true }));
      const r = tryPeer('openssl', ['smime', '-verify', '-in', p('signed.eml'), '-CAfile', p('root.pem'), '-out', p('signed.out')]);
      expect(r.stderr).toMatch(/Verification successful/);
      expect(r.status).toBe(0);
      expect(readFileSync(p('signed.out'), 'latin1')).toMatch(/filename\*0\*=utf-8''r%C3%A9sultats/);
      expect(readFileSync(p('signed.eml'), 'latin1')).toMatch(/micalg=sha-256/);
      // one altered byte in the signed part: openssl refuses
      const tampered = readFileSync(p('signed.eml'), 'latin1').replace('Content-Type: multipart/mixed', 'Content-Type: multipart/mixeD');
      writeFileSync(p('tampered.eml'), tampered, 'latin1');
      expect(tryPeer('openssl', ['smime', '-verify', '-in', p('tampered.eml'), '-CAfile', p('root.pem'), '-out', '/dev/null']).status).not.toBe(0);
    });

    // AES-GCM messages use RSAES-OAEP (RFC 8551 §2.3), which `openssl smime` (the PKCS#7 API) and
    // gpgsm 2.2 do not know: they read the --cbc compatibility mode (EnvelopedData, RSAES-PKCS1-v1_5).
    it('openssl smime -decrypt opens EnvelopedData (--cbc) and openssl smime -verify accepts the signed content inside', async () => {
      writeFileSync(p('cbc.eml'), await compose({ sign: true, encrypt: true, cbc: true }));
      expect(readFileSync(p('cbc.eml'), 'latin1')).toMatch(/smime-type=enveloped-data/);
      runPeer('openssl', ['smime', '-decrypt', '-in', p('cbc.eml'), '-recip', p('confrere-enc.pem'), '-inkey', p('confrere-enc.key'), '-out', p('cbc.inner')]);
      const v = tryPeer('openssl', ['smime', '-verify', '-in', p('cbc.inner'), '-CAfile', p('root.pem'), '-out', '/dev/null']);
      expect(v.stderr).toMatch(/Verification successful/);
    });

    it('gpgsm --decrypt opens an encrypted message (--cbc) and verifies the signature inside', async () => {
      const msg = parseMimeEntity(await compose({ sign: true, encrypt: true, cbc: true }));
      writeFileSync(p('g-enc.p7m'), decodeBody(msg));
      const d = gpgsm(['--decrypt', '--output', p('g-dec.txt'), p('g-enc.p7m')]);
      expect(d.status, d.stderr).toBe(0);
      const inner = parseMimeEntity(readFileSync(p('g-dec.txt')));
      writeFileSync(p('g-part.txt'), inner.parts[0]!.raw);
      writeFileSync(p('g-part.p7s'), decodeBody(inner.parts[1]!));
      const v = gpgsmVerify(gpg, p('g-part.p7s'), p('g-part.txt'));
      expect(v.stderr).toMatch(/Good signature/);
    });

    it('openssl cms -decrypt opens AuthEnvelopedData (AES-256-GCM, RSA-OAEP) and the signature inside verifies', async () => {

      writeFileSync(p('gcm.eml'), await compose({ sign: true, encrypt: true }));
      expect(readFileSync(p('gcm.eml'), 'latin1')).toMatch(/smime-type=authEnveloped-data/);
      runPeer('openssl', ['cms', '-decrypt', '-in', p('gcm.eml'), '-inform', 'SMIME', '-recip', p('confrere-enc.pem'), '-inkey', p('confrere-enc.key'), '-out', p('gcm.inner')]);
      const v2 = tryPeer('openssl', ['cms', '-verify', '-in', p('gcm.inner'), '-inform', 'SMIME', '-CAfile', p('root.pem'), '-out', '/dev/null']);
      expect(v2.stderr).toMatch(/Verification successful/);
    });

    it('gpgsm verifies the detached signature over the signed part', async () => {
      const msg = parseMimeEntity(await compose({ sign: true }));
      const signed = msg.parts[0]!;
      writeFileSync(p('part.txt'), signed.raw);
      writeFileSync(p('part.p7s'), decodeBody(msg.parts[1]!));
      const v = gpgsmVerify(gpg, p('part.p7s'), p('part.txt'));
      expect(v.stderr).toMatch(/Good signature/);
      expect(v.status).toBe(0);
    });
  });

  describe('scelle reads what peers write', () => {
    const entity = (): string => 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nBonjour, voici les résultats.\n';
    const readOk = async (file: string, expected: { layers: string[]; signed?: boolean }): Promise<Awaited<ReturnType<typeof readMessage>>> => {
      const r = await readMessage(readFileSync(p(file)), { trustAnchors: [f.root], crls: f.crls, identity: f.confrere.identity, name: file });
      expect(r.problems, JSON.stringify(r.problems)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.layers).toEqual(expected.layers);
      if (expected.signed) expect(r.signature).toMatchObject({ ok: true, fromMatches: true, signer: { rpps: '10101234567' } });
      expect(r.text).toContain('Bonjour, voici les résultats.');
      return r;
    };
    const signArgs = ['-signer', 'praticien-sig.pem', '-inkey', 'praticien-sig.key', '-certfile', 'ca.pem', '-from', 'praticien@demo.mssante.fr', '-to', 'confrere@demo.mssante.fr', '-subject', 'analyses'];
    const inDir = (args: string[]): string[] => args.map((a) => (/\.(pem|key|txt|eml)$/.test(a) ? p(a) : a));

    it('openssl smime -sign (multipart/signed, LF line ends)', async () => {
      writeFileSync(p('in.txt'), entity());
      runPeer('openssl', inDir(['smime', '-sign', '-in', 'in.txt', ...signArgs, '-out', 'os-signed.eml']));
      const r = await readOk('os-signed.eml', { layers: ['multipart-signed'], signed: true });
      expect(r.signature!.micalg).toBe('sha-256');
    });

    it('openssl smime -sign without -text: the signed part has no header fields and is read as text/plain, signature valid', async () => {
      writeFileSync(p('bare.txt'), 'Bonjour, voici les résultats.\nCordialement,\nDr Durand\n');
      runPeer('openssl', inDir(['smime', '-sign', '-in', 'bare.txt', ...signArgs, '-out', 'os-bare.eml']));
      const r = await readOk('os-bare.eml', { layers: ['multipart-signed'], signed: true });
      expect(r.textSource).toBe('headerless');
      expect(r.text).toBe('Bonjour, voici les résultats.\nCordialement,\nDr Durand\n');
      expect(r.status).toBe('verified');
      // the same through the CLI: the text is on the terminal, the sender verified
      writeFileSync(p('crl.pem'), f.crlPem);
      const cli = scelle(['mss', 'read', p('os-bare.eml'), '--trust', p('root.pem'), '--crl', p('crl.pem'), '--lang', 'fr']);
      expect(cli.status, cli.stdout + cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(/expéditeur VÉRIFIÉ/);
      expect(cli.stdout).toContain('  | Bonjour, voici les résultats.');
    });

    it('openssl smime -sign -nodetach (opaque signed-data)', async () => {
      runPeer('openssl', inDir(['smime', '-sign', '-nodetach', '-in', 'in.txt', ...signArgs, '-out', 'os-opaque.eml']));
      await readOk('os-opaque.eml', { layers: ['signed-data'], signed: true });
    });

    it('openssl smime -encrypt -aes256 (EnvelopedData), and sign then encrypt', async () => {
      runPeer('openssl', inDir(['smime', '-encrypt', '-aes256', '-in', 'in.txt', '-from', 'praticien@demo.mssante.fr', '-to', 'confrere@demo.mssante.fr', '-subject', 'analyses', '-out', 'os-enc.eml', 'confrere-enc.pem']));
      const r = await readOk('os-enc.eml', { layers: ['enveloped-data'] });
      expect(r.encryption).toMatchObject({ ok: true, cipher: 'aes-256-cbc', authenticated: false });

      runPeer('openssl', inDir(['smime', '-sign', '-in', 'in.txt', ...signArgs.slice(0, 6), '-out', 'os-signed-entity.txt']));
      runPeer('openssl', inDir(['smime', '-encrypt', '-aes256', '-in', 'os-signed-entity.txt', '-from', 'praticien@demo.mssante.fr', '-to', 'confrere@demo.mssante.fr', '-subject', 'analyses', '-out', 'os-sign-enc.eml', 'confrere-enc.pem']));
      await readOk('os-sign-enc.eml', { layers: ['enveloped-data', 'multipart-signed'], signed: true });
    });

    it('openssl cms -encrypt -aes-256-gcm (AuthEnvelopedData, S/MIME output)', async () => {
      runPeer('openssl', inDir(['cms', '-encrypt', '-aes-256-gcm', '-in', 'in.txt', '-from', 'praticien@demo.mssante.fr', '-to', 'confrere@demo.mssante.fr', '-subject', 'analyses', '-out', 'os-gcm.eml', 'confrere-enc.pem']));
      const r = await readOk('os-gcm.eml', { layers: ['authEnveloped-data'] });
      expect(r.encryption).toMatchObject({ ok: true, cipher: 'aes-256-gcm', authenticated: true });
    });

    it('gpgsm --detach-sign and --encrypt, wrapped in MIME as a mail client does', async () => {
      const inner = Buffer.from(entity().replace(/\n/g, '\r\n').replace('8bit', 'quoted-printable').replace('résultats', 'r=C3=A9sultats'), 'latin1');
      writeFileSync(p('g-inner.txt'), inner);
      const sig = gpgsm(['--detach-sign', '--local-user', 'praticien@demo.mssante.fr', '--include-certs', '-1', p('g-inner.txt')]);
      expect(sig.status, sig.stderr).toBe(0);
      const b = 'gpgsm-boundary-1';
      const signedEntity = Buffer.concat([
        Buffer.from(`Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${b}"\r\n\r\n--${b}\r\n`),
        inner,
        Buffer.from(`\r\n--${b}\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\n\r\n${sig.stdout.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--${b}--\r\n`),
      ]);
      const head = 'From: praticien@demo.mssante.fr\r\nTo: confrere@demo.mssante.fr\r\nSubject: analyses\r\nMessage-ID: <gpgsm-1@demo.mssante.fr>\r\nMIME-Version: 1.0\r\n';
      writeFileSync(p('g-signed.eml'), Buffer.concat([Buffer.from(head), signedEntity]));
      await readOk('g-signed.eml', { layers: ['multipart-signed'], signed: true });

      writeFileSync(p('g-signed-entity.txt'), signedEntity);
      const enc = gpgsm(['--encrypt', '--recipient', 'confrere@demo.mssante.fr', p('g-signed-entity.txt')]);
      expect(enc.status, enc.stderr).toBe(0);
      writeFileSync(p('g-enc.eml'), `${head}Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n\r\n${enc.stdout.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`);
      await readOk('g-enc.eml', { layers: ['enveloped-data', 'multipart-signed'], signed: true });
    });
  });
});
