/** Real `scelle` invocations: stdout, stderr and exit codes of pki demo, cert show/verify, identity. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers, runPeer } from '../helpers/peers.js';

const tmp = makeTempDir('scelle-cli-');
const pki = join(tmp.dir, 'pki');
let passwords: Record<string, string> = {};
const passFile = (name: string): string => {
  const f = join(tmp.dir, `${name}.pass`);
  writeFileSync(f, `${passwords[`${name}.p12`]}\n`, { mode: 0o600 });
  return f;
};

beforeAll(() => {
  const r = scelle(['pki', 'demo', '--out', pki]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  passwords = Object.fromEntries(readFileSync(join(pki, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
});
afterAll(() => tmp.cleanup());

describe('scelle pki demo', () => {
  it('writes the files CLI.md names, PASSWORDS.txt private and one line per p12', () => {
    for (const f of ['root.pem', 'ca.pem', 'trust.pem', 'praticien.p12', 'confrere.p12', 'tsa.p12', 'crl.pem', 'PASSWORDS.txt']) {
      expect(existsSync(join(pki, f)), f).toBe(true);
    }
    expect(statSync(join(pki, 'PASSWORDS.txt')).mode & 0o777).toBe(0o600);
    expect(Object.keys(passwords).sort()).toEqual(['confrere.p12', 'praticien.p12', 'revoque.p12', 'tsa.p12']);
    for (const p of Object.values(passwords)) expect(p.length).toBeGreaterThanOrEqual(12);
  });

  it('refuses to overwrite an existing PKI without --force (exit 2)', () => {
    const r = scelle(['pki', 'demo', '--out', pki]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--force');
  });

  it('--json: the files written, the practitioners with their address and RPPS, who is revoked', () => {
    const dir = join(tmp.dir, 'pki-json');
    const r = scelle(['pki', 'demo', '--out', dir, '--json']);
    expect(r.status, r.stdout).toBe(0);
    const j = r.json();
    expect(j).toMatchObject({ ok: true, dir, revoked: ['revoque'] });
    expect(j.files.map((x: { file: string }) => x.file).sort()).toEqual(readdirSync(dir).sort());
    expect(j.identities).toEqual([
      { name: 'praticien', email: 'praticien@demo.mssante.fr', rpps: '10101234567', p12: 'praticien.p12' },
      { name: 'confrere', email: expect.stringMatching(/@demo\.mssante\.fr$/), rpps: expect.stringMatching(/^\d{11}$/), p12: 'confrere.p12' },
      { name: 'revoque', email: expect.stringMatching(/@demo\.mssante\.fr$/), rpps: expect.stringMatching(/^\d{11}$/), p12: 'revoque.p12' },
    ]);
  });

  it.runIf(havePeers('openssl'))('openssl reads the p12 with its password and fails with another', () => {
    const out = runPeer('openssl', ['pkcs12', '-in', join(pki, 'praticien.p12'), '-nodes', '-passin', `file:${passFile('praticien')}`]);
    expect(out.match(/BEGIN PRIVATE KEY/g)).toHaveLength(2);
    expect(out.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThanOrEqual(3);
    const wrong = join(tmp.dir, 'wrong.pass');
    writeFileSync(wrong, 'Pas-le-bon-mot-de-passe-1\n');
    expect(() => runPeer('openssl', ['pkcs12', '-in', join(pki, 'praticien.p12'), '-nodes', '-passin', `file:${wrong}`])).toThrow();
  });

  it.runIf(havePeers('openssl'))('certificates carry the IGC-Santé-like subject, MSSanté e-mail and profile key usages', () => {
    const text = runPeer('openssl', ['x509', '-in', join(pki, 'praticien.pem'), '-noout', '-text']);
    expect(text).toMatch(/CN\s*=\s*810101234567/);
    expect(text).toContain('email:praticien@demo.mssante.fr');
    expect(text).toMatch(/Key Usage: critical\s+Non Repudiation/);
    const root = runPeer('openssl', ['x509', '-in', join(pki, 'root.pem'), '-noout', '-subject']);
    expect(root).toContain('DEMO');
  });
});

describe('scelle cert show', () => {
  it('--json on the demo practitioner prints the RPPS as its own field', () => {
    const r = scelle(['cert', 'show', '--json', join(pki, 'praticien.pem')]);
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc.ok).toBe(true);
    const first = doc.certificates[0];
    expect(first.rpps).toBe('10101234567');
    expect(first.holder.idNat).toMatchObject({ kind: 'RPPS', kindDigit: '8', number: '10101234567' });
    expect(first.holder.profession).toBe('Médecin');
    expect(first.email).toBe('praticien@demo.mssante.fr');
    expect(first.keyUsage).toEqual(['nonRepudiation']);
    expect(first.roles).toEqual(['signature']);
    expect(first.sha256Fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.runIf(havePeers('openssl'))('the fingerprint is the one openssl computes', () => {
    const r = scelle(['cert', 'show', '--json', join(pki, 'praticien.pem')]);
    const ours = r.json().certificates[0].sha256Fingerprint;
    const theirs = runPeer('openssl', ['x509', '-in', join(pki, 'praticien.pem'), '-noout', '-fingerprint', '-sha256']);
    expect(theirs.trim().split('=')[1]).toBe(ours);
  });

  it('shows a p12 in human terms, in French, with the password from a file', () => {
    const r = scelle(['cert', 'show', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien')], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Titulaire');
    expect(r.stdout).toContain('CLAIRE DURAND');
    expect(r.stdout).toContain('RPPS 10101234567');
    expect(r.stdout).toContain('Médecin (10)');
    expect(r.stdout).toContain('praticien@demo.mssante.fr');
    expect(r.stdout).toMatch(/Clé privée\s+oui/);
  });

  it('takes the password from SCELLE_PASSWORD', () => {
    const r = scelle(['cert', 'show', '--json', join(pki, 'praticien.p12')], { env: { SCELLE_PASSWORD: passwords['praticien.p12']! } });
    expect(r.status).toBe(0);
    const certs = r.json().certificates;
    expect(certs.filter((c: { hasPrivateKey: boolean }) => c.hasPrivateKey)).toHaveLength(2);
  });

  it('a wrong password: exit 12, a French message under LANG=fr_FR.UTF-8, no password printed', () => {
    const wrong = join(tmp.dir, 'wrong.pass');
    writeFileSync(wrong, 'Mauvais-Mot-De-Passe-42\n');
    const r = scelle(['cert', 'show', join(pki, 'praticien.p12'), '--pass-file', wrong], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(12);
    expect(r.stderr).toContain('scelle: erreur : mot de passe incorrect pour');
    expect(r.stderr).toContain('praticien.p12');
    expect(r.stdout + r.stderr).not.toContain('Mauvais-Mot-De-Passe-42');
    expect(r.stdout + r.stderr).not.toContain(passwords['praticien.p12']);
  });

  it('a wrong password in English with --json: code WRONG_PASSWORD on stdout, exit 12', () => {
    const r = scelle(['cert', 'show', '--json', join(pki, 'praticien.p12')], { env: { SCELLE_PASSWORD: 'Secret-Not-This-One-9' } });
    expect(r.status).toBe(12);
    expect(r.json().error.code).toBe('WRONG_PASSWORD');
    expect(r.stderr).toContain('scelle: error: wrong password');
    expect(r.stdout + r.stderr).not.toContain('Secret-Not-This-One-9');
  });

  it('no password and no terminal: PASSWORD_REQUIRED, exit 2', () => {
    const r = scelle(['cert', 'show', '--json', join(pki, 'praticien.p12')]);
    expect(r.status).toBe(2);
    expect(r.json().error.code).toBe('PASSWORD_REQUIRED');
  });

  it('a missing file: FILE_NOT_FOUND, exit 1', () => {
    const r = scelle(['cert', 'show', '--json', join(tmp.dir, 'absent.pem')]);
    expect(r.status).toBe(1);
    expect(r.json().error.code).toBe('FILE_NOT_FOUND');
  });

  it('a damaged file: a clear error, not a crash', () => {
    const bad = join(tmp.dir, 'bad.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n');
    const r = scelle(['cert', 'show', '--json', bad]);
    expect(r.status).toBe(1);
    expect(r.json().error.code).toBe('MALFORMED_PEM');
    const garbage = join(tmp.dir, 'garbage.der');
    writeFileSync(garbage, Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01]));
    const g = scelle(['cert', 'show', '--json', garbage]);
    expect(g.status).toBe(1);
    expect(g.json().error.code).toBe('MALFORMED_ASN1');
  });
});

describe('scelle cert verify', () => {
  const trust = (): string => join(pki, 'trust.pem');
  it('--at takes ISO-8601 in the local zone; 01/02/2031 is refused in French with examples (DATE_INVALID, exit 2)', () => {
    const bad = scelle(['cert', 'verify', join(pki, 'praticien.pem'), '--trust', trust(), '--crl', join(pki, 'crl.pem'), '--at', '01/02/2031'], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--at : « 01/02/2031 » n’est pas une date reconnue');
    expect(bad.stderr).toContain('2031-02-01T14:30 (heure locale)');
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
    const json = scelle(['cert', 'verify', join(pki, 'praticien.pem'), '--trust', trust(), '--crl', join(pki, 'crl.pem'), '--at', '2031/02/01', '--json']);
    expect(json.json().error.code).toBe('DATE_INVALID');
    const local = scelle(['cert', 'verify', join(pki, 'praticien.pem'), '--trust', trust(), '--crl', join(pki, 'crl.pem'), '--at', new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(local.stdout).toMatch(/Vérifié au \d{1,2} \S+ \d{4} à 00:00:00/);
  });

  it('the practitioner chain is valid for signature with the CRL (exit 0)', () => {
    const r = scelle(['cert', 'verify', join(pki, 'praticien.pem'), '--trust', trust(), '--crl', join(pki, 'crl.pem'), '--purpose', 'sign']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('VALID');
  });

  it('the revoked identity: exit 3, CERT_REVOKED', () => {
    const r = scelle(['cert', 'verify', '--json', join(pki, 'revoque.pem'), '--trust', trust(), '--crl', join(pki, 'crl.pem'), '--purpose', 'sign']);
    expect(r.status).toBe(3);
    const doc = r.json();
    expect(doc.valid).toBe(false);
    expect(doc.code).toBe('CERT_REVOKED');
  });

  it('the encryption certificate is not fit for signature by key usage from a p12 pick, but the signature one is', () => {
    const r = scelle(['cert', 'verify', '--json', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--trust', trust(), '--crl', join(pki, 'crl.pem'), '--purpose', 'encrypt']);
    expect(r.status).toBe(0);
    expect(r.json().path).toHaveLength(3);
  });

  it('far in the future the certificate has expired: exit 3 CERT_EXPIRED', () => {
    const r = scelle(['cert', 'verify', '--json', join(pki, 'praticien.pem'), '--trust', trust(), '--at', '2090-01-01T00:00:00Z']);
    expect(r.status).toBe(3);
    expect(r.json().code).toBe('CERT_EXPIRED');
  });

  it('without the right trust anchor: exit 3 CHAIN_UNTRUSTED', () => {
    const other = makeTempDir('scelle-other-');
    try {
      expect(scelle(['pki', 'demo', '--out', other.dir]).status).toBe(0);
      const u = scelle(['cert', 'verify', '--json', join(pki, 'praticien.pem'), '--trust', join(other.dir, 'trust.pem')]);
      expect(u.status).toBe(3);
      expect(u.json().code).toBe('CHAIN_UNTRUSTED');
    } finally {
      other.cleanup();
    }
  });

  it('without --trust: usage error, exit 2', () => {
    const r = scelle(['cert', 'verify', join(pki, 'praticien.pem')]);
    expect(r.status).toBe(2);
  });
});

describe('scelle identity', () => {
  it('show picks the non-repudiation certificate for signing and says why', () => {
    const r = scelle(['identity', 'show', '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--json']);
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc.entries).toHaveLength(2);
    expect(doc.picked.sign.reason).toBe('nonRepudiation');
    expect(doc.picked.encrypt.reason).toBe('keyEncipherment');
    expect(doc.picked.sign.fingerprint).not.toBe(doc.picked.encrypt.fingerprint);
  });

  it('check signs with the picked key and verifies with its certificate (French text)', () => {
    const r = scelle(['identity', 'check', '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--lang', 'fr']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('choisi pour la signature');
    expect(r.stderr).toContain('non-répudiation');
    expect(r.stdout).toContain('la clé signe');
  });

  it('two identity sources at once: usage error, exit 2', () => {
    const r = scelle(['identity', 'show', '--identity', join(pki, 'praticien.p12'), '--pkcs11', '/nonexistent.so']);
    expect(r.status).toBe(2);
  });
});

describe('scelle shell', () => {
  it('--help prints the exit-code table', () => {
    const r = scelle(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Exit codes');
    expect(r.stdout).toMatch(/12\s+wrong key, password or PIN/);
  });
  it('--help in French', () => {
    const r = scelle(['--help'], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.stdout).toContain('Codes de sortie');
  });
  it('an unknown option is a usage error, exit 2', () => {
    const r = scelle(['cert', 'show', '--no-such-option']);
    expect(r.status).toBe(2);
  });
  it('a password given as a flag value is not accepted', () => {
    const r = scelle(['cert', 'show', join(pki, 'praticien.p12'), '--password', 'x']);
    expect(r.status).toBe(2);
  });
});
