/**
 * `scelle sign` refuses a certificate that would make invalid signatures (expired, not yet valid,
 * revoked now), and with a TSA down reports each signature written but not timestamped, with the
 * command that adds the timestamp later — which then works.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { scelle, scelleAsync } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createDemoPki, writeDemoPki } from '../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate } from '../../src/crypto/identity.js';
import { createTimeStampAuthority } from '../../src/timestamp/tsa.js';
import { startTsaServer, type TsaServer } from '../../src/timestamp/server.js';
import { openSerialState, type SerialState } from '../../src/timestamp/serial-state.js';

const tmp = makeTempDir('scelle-sign-safety-');
const f = (n: string): string => join(tmp.dir, n);
const YEAR = 365.25 * 86_400_000;
const passwords = (dir: string): Record<string, string> =>
  Object.fromEntries(readFileSync(join(dir, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));

/** A demo PKI made at `now` into `dir`; returns the p12 passwords. */
async function pkiAt(dir: string, now: Date): Promise<Record<string, string>> {
  await writeDemoPki(await createDemoPki({ now }), dir);
  return passwords(dir);
}

/** A loopback port nothing listens on: a TSA that is down. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let pw: Record<string, string> = {};
const current = f('pki');
const sign = (files: string[], p12: string, password: string, extra: string[] = [], lang = 'C.UTF-8') =>
  scelle(['sign', ...files, '--identity', p12, ...extra], { env: { SCELLE_PASSWORD: password, LANG: lang, TZ: 'Europe/Paris' } });

beforeAll(async () => {
  pw = await pkiAt(current, new Date());
  writeFileSync(f('lettre.txt'), 'Certificat médical : apte au sport.\n');
  writeFileSync(f('ordonnance.txt'), 'Amoxicilline 1 g, 6 jours.\n');
});
afterAll(() => tmp.cleanup());

describe('scelle sign refuses a certificate verify would reject', () => {
  it('an expired certificate: exit 3, SIGNER_CERT_INVALID/CERT_EXPIRED, French message with the date, nothing written', async () => {
    const old = f('pki-old');
    const opw = await pkiAt(old, new Date(Date.now() - 4 * YEAR)); // practitioner certificates last 3 years
    const r = sign([f('lettre.txt'), '--json'], join(old, 'praticien.p12'), opw['praticien.p12']!, [], 'fr_FR.UTF-8');
    expect(r.status, r.stderr).toBe(3);
    const doc = r.json();
    expect(doc.error).toMatchObject({ code: 'SIGNER_CERT_INVALID' });
    expect(doc.error.localized).toMatch(/^votre certificat de signature \(.+\) a expiré le \d{1,2} \S+ \d{4} à \d{2}:\d{2} : une signature faite maintenant serait invalide ; rien n’a été signé$/);
    expect(r.stderr).toContain('scelle: erreur : votre certificat de signature');
    expect(r.stderr).toContain('conseil : renouvelez le certificat');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(f('lettre.txt.p7s'))).toBe(false);
  });

  it('a certificate not yet valid: exit 3, CERT_NOT_YET_VALID', async () => {
    const future = f('pki-future');
    const fpw = await pkiAt(future, new Date(Date.now() + 3 * 86_400_000)); // valid from tomorrow + 1
    const r = sign([f('lettre.txt'), '--json'], join(future, 'praticien.p12'), fpw['praticien.p12']!);
    expect(r.status).toBe(3);
    expect(r.json().error.code).toBe('SIGNER_CERT_INVALID');
    expect(r.json().error.message).toMatch(/is not valid before/);
    expect(existsSync(f('lettre.txt.p7s'))).toBe(false);
  });

  it('a revoked certificate is refused when --crl says so, with its own message', () => {
    const r = sign([f('lettre.txt'), '--crl', join(current, 'crl.pem')], join(current, 'revoque.p12'), pw['revoque.p12']!, [], 'fr_FR.UTF-8');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/votre certificat de signature \(.+\) est révoqué : une signature faite maintenant serait invalide/);
    expect(existsSync(f('lettre.txt.p7s'))).toBe(false);
  });

  it('asked to check revocation, a CRL that does not cover the certificate refuses (fail closed)', async () => {
    const other = f('pki-other');
    await pkiAt(other, new Date());
    const r = sign([f('lettre.txt'), '--crl', join(other, 'crl.pem'), '--json'], join(current, 'praticien.p12'), pw['praticien.p12']!);
    expect(r.status).toBe(3);
    expect(r.json().error.message).toMatch(/revocation status .* cannot be established/);
    expect(r.json().error.hint).toMatch(/up-to-date CRL/);
  });

  it('a valid certificate with a CRL that says good signs (exit 0)', () => {
    const r = sign([f('lettre.txt'), '--crl', join(current, 'crl.pem'), '--json'], join(current, 'praticien.p12'), pw['praticien.p12']!);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(f('lettre.txt.p7s'))).toBe(true);
    const v = scelle(['verify', f('lettre.txt.p7s'), '--trust', join(current, 'trust.pem'), '--crl', join(current, 'crl.pem'), '--json']);
    expect(v.status, v.stdout).toBe(0);
  });
});

describe('scelle sign --tsa with the TSA down', () => {
  let state: SerialState;
  let server: TsaServer | undefined;
  afterAll(async () => {
    await server?.close();
    await state?.close();
  });

  it('writes every signature, reports each as not timestamped with the command that adds it later (exit 1)', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/tsa`;
    const files = [f('ordonnance.txt'), f('lettre.txt')];
    const r = sign([...files, '--tsa', url, '--json'], join(current, 'praticien.p12'), pw['praticien.p12']!);
    expect(r.status, r.stderr).toBe(1);
    const doc = r.json();
    expect(doc).toMatchObject({ ok: false, signed: 2, failed: 0, notTimestamped: 2 });
    for (const [i, file] of files.entries()) {
      expect(doc.results[i]).toMatchObject({ file, ok: false, signed: true, timestamped: false, signature: `${file}.p7s`, error: { code: 'TSA_UNAVAILABLE' } });
      expect(doc.results[i].addTimestampLater).toBe(`scelle timestamp ${file}.p7s --tsa ${url}`);
      expect(existsSync(`${file}.p7s`)).toBe(true);
    }
    // in text, in French: each file named, with the command
    const fr = sign([f('ordonnance.txt'), '--tsa', url], join(current, 'praticien.p12'), pw['praticien.p12']!, [], 'fr_FR.UTF-8');
    expect(fr.status).toBe(1);
    expect(fr.stdout).toContain(`signé mais NON horodaté : ${f('ordonnance.txt')}.p7s — [TSA_UNAVAILABLE]`);
    expect(fr.stdout).toContain(`ajoutez l’horodatage plus tard avec : scelle timestamp ${f('ordonnance.txt')}.p7s --tsa ${url}`);
    expect(fr.stderr).toMatch(/1 signature\(s\) écrite\(s\) sans horodatage \(CAdES-B\)/);

    // the signatures are valid CAdES-B; once a TSA answers, the command given adds the timestamp
    const before = scelle(['verify', `${files[1]}.p7s`, '--trust', join(current, 'trust.pem'), '--crl', join(current, 'crl.pem'), '--json']);
    expect(before.status, before.stdout).toBe(0);
    state = await openSerialState(f('tsa-state'));
    const tsaId = loadPkcs12Identity(readFileSync(join(current, 'tsa.p12')), pw['tsa.p12']!, { name: 'tsa.p12' });
    const tsa = createTimeStampAuthority({ signer: selectCertificate(tsaId, 'tsa').entry, chain: tsaId.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()), state });
    server = await startTsaServer({ tsa, host: '127.0.0.1', port: 0 });
    const later = (doc.results[1].addTimestampLater as string).replace(url, server.url).split(' ').slice(1);
    const t = await scelleAsync(later);
    expect(t.status, t.stderr + t.stdout).toBe(0);
    const after = scelle(['verify', `${files[1]}.p7s`, '--trust', join(current, 'trust.pem'), '--crl', join(current, 'crl.pem'), '--json']);
    expect(after.status, after.stdout).toBe(0);
    expect(JSON.stringify(after.json())).toMatch(/CAdES-T/);
  });
});
