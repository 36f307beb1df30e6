/**
 * `scelle verify` on the proof-of-existence cases of tests/unit/validation/poe-matrix.test.ts, as a
 * practitioner and a script see them: exit codes, --json indications and codes, French plain words,
 * and `--report` (JSON checked against docs/validation-report.schema.json, ETSI TS 119 102-2 XML
 * checked by xmllint against the ETSI schema, every VOReference resolved).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, scelle } from '../helpers/cli.js';
import { havePeers, tryPeer } from '../helpers/peers.js';
import { createPoeFixture, type PoeFixture } from '../helpers/poe-fixture.js';
import { makeTempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
const XSD = join(REPO, 'test-vectors', 'etsi-119102-2', '1910202xmlSchema.xsd');

let tmp: { dir: string; cleanup: () => void };
let fx: PoeFixture;
const f = (n: string): string => join(tmp.dir, n);
const letter = new TextEncoder().encode('Cher confrère, je vous adresse M. T. pour avis.\n');

beforeAll(async () => {
  tmp = makeTempDir('scelle-verify-poe-');
  fx = createPoeFixture();
  fx.writeFiles(tmp.dir);
  writeFileSync(f('lettre.txt'), letter);
  const ago = new Date(fx.now.getTime() - 30 * DAY);
  writeFileSync(f('a-antidatee.p7s'), await fx.sign(fx.expired, letter, ago));
  writeFileSync(f('b-faussaire.p7s'), await fx.timestamp(await fx.sign(fx.expired, letter, ago), fx.rogueTsa, ago));
  writeFileSync(f('c-horodatee.p7s'), await fx.timestamp(await fx.sign(fx.expired, letter, ago), fx.tsa, ago));
  writeFileSync(f('d-revoquee.p7s'), await fx.sign(fx.revoked, letter, fx.now));
  writeFileSync(f('e-valide.p7s'), await fx.sign(fx.valid, letter, fx.now));
});
afterAll(() => tmp.cleanup());

const verify = (sig: string, ...extra: string[]) => scelle(['verify', f(sig), '--content', f('lettre.txt'), '--trust', f('root.pem'), ...extra]);
const signer = (r: ReturnType<typeof scelle>) => r.json().results[0].signers[0];

describe('scelle verify: proofs of existence', () => {
  it('(a) expired certificate, backdated signing-time: exit 3, INDETERMINATE / OUT_OF_BOUNDS_NO_POE, CERT_EXPIRED', () => {
    const r = verify('a-antidatee.p7s', '--crl', f('crl.pem'), '--json');
    expect(r.status).toBe(3);
    expect(signer(r)).toMatchObject({ ok: false, code: 'CERT_EXPIRED', indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(signer(r).validatedAt).toBe(signer(r).validationTime);
  });

  it('(a) in French: plain words, the claimed time shown as a claim, local dates', () => {
    const r = verify('a-antidatee.p7s', '--crl', f('crl.pem'));
    const fr = scelle(['verify', f('a-antidatee.p7s'), '--content', f('lettre.txt'), '--trust', f('root.pem'), '--crl', f('crl.pem')], { env: { LANG: 'fr_FR.UTF-8', TZ: 'Europe/Paris' } });
    expect(r.status).toBe(3);
    expect(fr.status).toBe(3);
    expect(fr.stdout).toContain('Signature INDÉTERMINÉE (INDETERMINATE / OUT_OF_BOUNDS_NO_POE) [CERT_EXPIRED]');
    expect(fr.stdout).toContain('Le certificat du signataire a expiré, et rien ne prouve que la signature a été faite pendant sa validité.');
    expect(fr.stdout).toMatch(/Heure de signature déclarée par le signataire : \d{1,2} [a-zéû]+ \d{4} à \d\d:\d\d:\d\d \(déclaration du signataire, pas une preuve\)/);
    expect(r.stdout).toContain("The signer’s certificate has expired, and nothing proves the signature was made while it was valid.");
  });

  it('(b) a rogue TSA: exit 3, still OUT_OF_BOUNDS_NO_POE, the token named (CHAIN_UNTRUSTED) and shown as proving nothing', () => {
    const r = verify('b-faussaire.p7s', '--crl', f('crl.pem'), '--json');
    expect(r.status).toBe(3);
    const s = signer(r);
    expect(s).toMatchObject({ code: 'CERT_EXPIRED', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(s.timestamps[0]).toMatchObject({ ok: false, code: 'CHAIN_UNTRUSTED' });
    expect(s.poe).toBeUndefined();
    const fr = verify('b-faussaire.p7s', '--crl', f('crl.pem'), '--lang', 'fr');
    expect(fr.stdout).toMatch(/Horodatage : .* — CN=HORODATAGE FAUSSAIRE.* — ne prouve rien \[CHAIN_UNTRUSTED\]/);
  });

  it('(c) a genuine time-stamp from before the expiry: exit 0, TOTAL-PASSED, the proof of existence named', () => {
    const r = verify('c-horodatee.p7s', '--crl', f('crl.pem'), '--crl', f('crl-old.pem'), '--json');
    expect(r.status, r.stdout).toBe(0);
    const s = signer(r);
    expect(s).toMatchObject({ ok: true, indication: 'TOTAL-PASSED' });
    expect(s.poe).toMatchObject({ origin: 'signature-timestamp' });
    expect(s.validatedAt).toBe(s.poe.time);
    expect(s.pastChain.ok).toBe(true);
    const fr = verify('c-horodatee.p7s', '--crl', f('crl.pem'), '--crl', f('crl-old.pem'), '--lang', 'fr');
    expect(fr.stdout).toContain('Signature VALIDE (TOTAL-PASSED)');
    expect(fr.stdout).toMatch(/Existence prouvée le : .* \(horodatage de la signature, CN=HORODATAGE POE/);
    expect(fr.stdout).toMatch(/Certificat vérifié au .*, date prouvée par l’horodatage de la signature : valide/);
  });

  it('(d) an old CRL beside a newer one, in either order: exit 3, CERT_REVOKED', () => {
    for (const order of [[f('crl-old.pem'), f('crl-new.pem')], [f('crl-new.pem'), f('crl-old.pem')]]) {
      const r = verify('d-revoquee.p7s', '--crl', order[0]!, '--crl', order[1]!, '--json');
      expect(r.status).toBe(3);
      expect(signer(r)).toMatchObject({ code: 'CERT_REVOKED', subIndication: 'REVOKED_NO_POE' });
    }
  });

  it('revocation unavailable (no --crl, offline): exit 3, INDETERMINATE / TRY_LATER, never valid; the hint says --crl or --online', () => {
    const r = verify('e-valide.p7s', '--json');
    expect(r.status).toBe(3);
    expect(signer(r)).toMatchObject({ ok: false, code: 'REVOCATION_UNAVAILABLE', indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
    const fr = verify('e-valide.p7s', '--lang', 'fr');
    expect(fr.stdout).toContain('donnez les listes de révocation des autorités avec --crl, ou vérifiez en ligne avec --online');
    expect(verify('e-valide.p7s', '--crl', f('crl.pem')).status).toBe(0);
  });

  it('--policy: the certificate must be valid for the given policy (explicit), else POLICY_CONSTRAINTS_FAILED', () => {
    const r = verify('e-valide.p7s', '--crl', f('crl.pem'), '--policy', '1.2.250.1.71.4.2.1', '--json');
    expect(r.status).toBe(3);
    expect(signer(r)).toMatchObject({ code: 'POLICY_CONSTRAINTS_FAILED', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' });
  });
});

describe('scelle verify --report', () => {
  const files = ['a-antidatee.p7s', 'b-faussaire.p7s', 'c-horodatee.p7s', 'd-revoquee.p7s'];
  // Several signatures: each one's content is the file named like it without .p7s.
  beforeAll(() => {
    for (const s of files) writeFileSync(f(s.replace(/\.p7s$/, '')), letter);
  });
  const run = (format: 'json' | 'etsi', out: string) => scelle(['verify', ...files.map(f), '--trust', f('root.pem'), '--crl', f('crl.pem'), '--crl', f('crl-old.pem'),
    '--report', f(out), '--report-format', format]);

  it('JSON: valid against docs/validation-report.schema.json, one entry per signer with its checks, chain, revocation data and proof', () => {
    const r = run('json', 'rapport.json');
    expect(r.status).toBe(3);
    const report = JSON.parse(readFileSync(f('rapport.json'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO, 'docs', 'validation-report.schema.json'), 'utf8')));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.signatures).toHaveLength(4);
    const byFile = (name: string) => report.signatures.find((s: { file: string }) => s.file.endsWith(name));
    expect(byFile('a-antidatee.p7s')).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE', code: 'CERT_EXPIRED' });
    const c = byFile('c-horodatee.p7s');
    expect(c).toMatchObject({ indication: 'TOTAL-PASSED', poe: { origin: 'signature-timestamp' }, format: 'CAdES-T' });
    expect(c.pastChain.past).toBe(true);
    expect(c.pastChain.path[0].revocation).toMatchObject({ status: 'good', source: 'crl', crl: { number: '01' } });
    expect(c.checks).toEqual(expect.arrayContaining([{ name: 'past-certificate-validation', result: 'passed' }, { name: 'x509-certificate-validation', result: 'indeterminate', code: 'CERT_EXPIRED' }]));
    expect(c.timestamps[0].chain.path.map((p: { subject: string }) => p.subject)[0]).toContain('HORODATAGE POE');
    expect(byFile('b-faussaire.p7s').timestamps[0]).toMatchObject({ code: 'CHAIN_UNTRUSTED', indication: 'INDETERMINATE' });
  });

  it.skipIf(!havePeers('xmllint'))('ETSI TS 119 102-2 XML: valid against the ETSI schema (xmllint), every VOReference resolves', () => {
    const r = run('etsi', 'rapport.xml');
    expect(r.status).toBe(3);
    const xml = readFileSync(f('rapport.xml'), 'utf8');
    const lint = tryPeer('xmllint', ['--nonet', '--noout', '--schema', XSD, f('rapport.xml')]);
    expect(lint.status, lint.stderr).toBe(0);
    expect(lint.stderr).toContain('validates');
    const ids = new Set([...xml.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
    const refs = [...xml.matchAll(/VOReference="([^"]+)"/g)].flatMap((m) => m[1]!.split(/\s+/));
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(ids.has(ref), ref).toBe(true);
    expect(xml.match(/<SignatureValidationReport>/g)).toHaveLength(4);
    expect(xml).toContain('<MainIndication>urn:etsi:019102:mainindication:total-passed</MainIndication>');
    expect(xml).toContain('<SubIndication>urn:etsi:019102:subindication:OUT_OF_BOUNDS_NO_POE</SubIndication>');
    expect(xml).toContain('<ObjectType>urn:etsi:019102:validationObject:timestamp</ObjectType>');
  });
});
