/**
 * --trust-igc-sante (Référentiel socle MSSanté #2 ECO.1.1.10: IGC-Santé is the only authority a
 * client accepts): signatures are checked against the configured IGC-Santé store only, and a signer
 * outside it is NOT_IGC_SANTE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeMessage } from '../../../src/mss/compose.js';
import { readMessage } from '../../../src/mss/read.js';
import { formatPem } from '../../../src/crypto/pem.js';
import { createMssFixture, type MssFixture } from '../../helpers/mss-fixtures.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { scelle } from '../../helpers/cli.js';

let f: MssFixture;
let other: MssFixture;
const { dir, cleanup } = makeTempDir('scelle-mss-igc-');
const p = (n: string): string => join(dir, n);
beforeAll(async () => {
  [f, other] = await Promise.all([createMssFixture(), createMssFixture()]);
  mkdirSync(p('igc'), { recursive: true });
  writeFileSync(p('igc/racine.pem'), formatPem('CERTIFICATE', f.pki.root));
  writeFileSync(p('autre-racine.pem'), formatPem('CERTIFICATE', other.pki.root));
  writeFileSync(p('crl.pem'), f.crlPem + other.crlPem);
  const signed = async (who: MssFixture): Promise<Uint8Array> => (await composeMessage({
    from: who.praticien.email, to: [who.confrere.email], subject: 'CR', text: 'Bonjour\n', attachments: [{ fileName: 'cr.pdf', content: Buffer.from('%PDF-1.4\n') }],
    sign: { signer: who.praticien.sign, chain: who.praticien.chain },
  })).raw;
  writeFileSync(p('igc.eml'), await signed(f));
  writeFileSync(p('outside.eml'), await signed(other));
}, 60_000);
afterAll(cleanup);

describe('--trust-igc-sante', () => {
  it('the library: a signer outside the store is NOT_IGC_SANTE, first; inside it, verified', async () => {
    const outside = await readMessage(readFileSync(p('outside.eml')), { trustAnchors: [f.root], crls: [...f.crls, ...other.crls], trustScope: 'igc-sante' });
    expect(outside.problems[0]!.code).toBe('NOT_IGC_SANTE');
    expect(outside.problems.map((x) => x.code)).toContain('CHAIN_UNTRUSTED');
    const inside = await readMessage(readFileSync(p('igc.eml')), { trustAnchors: [f.root], crls: f.crls, trustScope: 'igc-sante' });
    expect(inside.status).toBe('verified');
  });

  it('the CLI: the store from --igc-sante-store, SCELLE_IGC_SANTE_STORE or ~/.config/scelle/igc-sante; outside it exit 3 and nothing saved', () => {
    const ok = scelle(['mss', 'read', p('igc.eml'), '--trust-igc-sante', '--igc-sante-store', p('igc'), '--crl', p('crl.pem'), '--json']);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.json().messages[0].status).toBe('verified');
    const out = scelle(['mss', 'read', p('outside.eml'), '--trust-igc-sante', '--crl', p('crl.pem'), '--save-dir', p('never'), '--json'], { env: { SCELLE_IGC_SANTE_STORE: p('igc') } });
    expect(out.status).toBe(3);
    expect(out.json().messages[0].problems[0].code).toBe('NOT_IGC_SANTE');
    expect(out.json().messages[0].saved).toEqual([]);
    mkdirSync(p('home/.config/scelle/igc-sante'), { recursive: true });
    writeFileSync(p('home/.config/scelle/igc-sante/racine.pem'), formatPem('CERTIFICATE', f.pki.root));
    const home = scelle(['mss', 'read', p('igc.eml'), '--trust-igc-sante', '--crl', p('crl.pem'), '--lang', 'fr'], { env: { HOME: p('home') } });
    expect(home.status, home.stdout + home.stderr).toBe(0);
    const fr = scelle(['mss', 'read', p('outside.eml'), '--trust-igc-sante', '--crl', p('crl.pem'), '--lang', 'fr'], { env: { HOME: p('home') } });
    expect(fr.status).toBe(3);
    expect(fr.stdout).toMatch(/\[NOT_IGC_SANTE\] le certificat ne remonte pas au magasin de confiance IGC-Santé/);
  });

  it('usage: --trust with --trust-igc-sante, or no store at all, is exit 2 with a way out', () => {
    const both = scelle(['mss', 'read', p('igc.eml'), '--trust-igc-sante', '--igc-sante-store', p('igc'), '--trust', p('autre-racine.pem'), '--json']);
    expect(both.status).toBe(2);
    expect(both.json().error.message).toMatch(/leave out --trust/);
    const none = scelle(['mss', 'read', p('igc.eml'), '--trust-igc-sante', '--json'], { env: { HOME: p('nowhere') } });
    expect(none.status).toBe(2);
    expect(none.json().error.message).toMatch(/no IGC-Santé trust store at .*nowhere\/\.config\/scelle\/igc-sante/);
  });
});
