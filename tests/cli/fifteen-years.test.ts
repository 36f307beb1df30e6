/**
 * Fifteen years later, from the command line: an LTA signature and an evidence record made in 2010
 * still verify with `--at 2025-…`, when the signer's certificate (3 years) and the first TSA's
 * (5 years) have long expired — because the archive time-stamps and the renewal made while they
 * were valid prove, in chain, that the signature and its time-stamp existed before. Only today's
 * CRL of the CA is given; everything else comes from the files.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendSignature } from '../../src/archive/extend.js';
import { signDetached } from '../../src/crypto/cms/sign.js';
import { encodeRevocationValues } from '../../src/crypto/cms/validation-values.js';
import { formatPem } from '../../src/crypto/pem.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { addSignatureTimestamp } from '../../src/timestamp/cades-t.js';
import { evidenceRecordOf, renewChainTimestamp, timestampTree, withRenewedTimestamp } from '../../src/timestamp/ers/generate.js';
import { encodeEvidenceRecord } from '../../src/timestamp/ers/structure.js';
import { scelle } from '../helpers/cli.js';
import { at, clockedTsa, createLongTermPki, entryOf, type LongTermPki } from '../helpers/longterm-pki.js';
import { makeTempDir } from '../helpers/tmp.js';

const tmp = makeTempDir('scelle-15y-');
const f = (n: string): string => join(tmp.dir, n);
const letter = new TextEncoder().encode('Compte rendu de consultation du 1er juin 2010.\n');
const chunks = (): AsyncIterable<Uint8Array> => (async function* () {
  yield letter;
})();
let pki: LongTermPki;

beforeAll(async () => {
  pki = createLongTermPki();
  const clock = { now: at(0) };
  const tsa1 = await clockedTsa(pki, 'tsa1', clock);
  const tsa2 = await clockedTsa(pki, 'tsa2', clock);
  writeFileSync(f('lettre.txt'), letter);
  writeFileSync(f('trust.pem'), formatPem('CERTIFICATE', pki.root));
  writeFileSync(f('crl-2025.pem'), pki.crlDersAt(at(15)).map((d) => formatPem('X509 CRL', d)).join(''));

  // the signature: made and time-stamped in 2010, archived the next day, re-archived at year 2.5
  const signer = await entryOf(pki.signer.cert, pki.signer.key);
  let sig = await addSignatureTimestamp(await signDetached([letter], { signer, chain: [X509Cert.fromDer(pki.ca)], signingTime: at(0) }), tsa1.source, { clock: () => clock.now });
  for (const y of [1 / 365, 2.5]) {
    clock.now = at(y);
    sig = (await extendSignature(sig, { level: 'LTA', trustAnchors: pki.anchors, crls: pki.crlsAt(at(y)), content: chunks, getToken: tsa2.source, clock: () => clock.now })).signature;
  }
  writeFileSync(f('lettre.txt.p7s'), sig);

  // the evidence record: made in 2010, renewed at year 3 with the second TSA; the CA's CRL of year
  // 3.5 (kept by a later `archive renew`) travels in its cryptoInfos
  clock.now = at(0);
  const sha = new Uint8Array(createHash('sha256').update(letter).digest());
  const t = await timestampTree([sha], 'sha256', { getToken: tsa1.source, clock: () => clock.now });
  clock.now = at(3);
  let record = evidenceRecordOf(t, sha);
  record = withRenewedTimestamp(record, await renewChainTimestamp(record.chains[0]!, { getToken: tsa2.source, clock: () => clock.now }));
  record.cryptoInfos = [{ type: '1.2.840.113549.1.9.16.2.24', values: [encodeRevocationValues(pki.crlDersAt(at(3.5)), [])] }];
  writeFileSync(f('lettre.txt.ers'), encodeEvidenceRecord(record));
  writeFileSync(f('seul.ers'), encodeEvidenceRecord(evidenceRecordOf(t, sha)));
}, 120_000);
afterAll(() => tmp.cleanup());

const in2025 = (): string => at(15).toISOString();

describe('fifteen years later', () => {
  it('the CAdES-LTA signature verifies with --at 2025, both certificates expired', () => {
    const r = scelle(['verify', f('lettre.txt.p7s'), '--trust', f('trust.pem'), '--crl', f('crl-2025.pem'), '--at', in2025(), '--json']);
    const s = r.json().results[0].signers[0];
    expect(s.problems).toEqual([]);
    expect(r.status).toBe(0);
    expect(s.level).toBe('CAdES-LTA');
    expect(s.validatedAt).toBe(at(0).toISOString());
    expect(s.archiveTimestamps.every((a: { ok: boolean }) => a.ok)).toBe(true);
    expect(new Date(s.pastChain.checkedAt).getTime()).toBe(at(0).getTime());
    const fr = scelle(['--lang', 'fr', 'verify', f('lettre.txt.p7s'), '--trust', f('trust.pem'), '--crl', f('crl-2025.pem'), '--at', in2025()]);
    expect(fr.stdout).toMatch(/Signature VALIDE/);
    expect(fr.stdout).toMatch(/date prouvée par l’horodatage de la signature/);
  });

  it('the renewed evidence record proves the letter with --at 2025', () => {
    const r = scelle(['archive', 'verify', f('lettre.txt'), '--trust', f('trust.pem'), '--crl', f('crl-2025.pem'), '--at', in2025(), '--json']);
    expect(r.json().problems).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.json().existedAt).toBe(at(0).toISOString());
    expect(r.json().archiveTimeStamps[0].provenBy.time).toBe(at(3).toISOString());
    const text = scelle(['archive', 'verify', f('lettre.txt'), '--trust', f('trust.pem'), '--crl', f('crl-2025.pem'), '--at', in2025()]);
    expect(text.stdout).toMatch(/PROVEN/);
    expect(text.stdout).toMatch(/checked at .*, the time the next one proves/);
  });

  it('without the renewal, the same record proves nothing in 2025', () => {
    const r = scelle(['archive', 'verify', f('lettre.txt'), '--ers', f('seul.ers'), '--trust', f('trust.pem'), '--crl', f('crl-2025.pem'), '--at', in2025(), '--json']);
    expect(r.status).toBe(3);
    expect(r.json()).toMatchObject({ ok: false, indication: 'INDETERMINATE', code: 'CERT_EXPIRED' });
  });
});
