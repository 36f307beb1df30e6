/**
 * The MSSanté directory: the Annuaire Santé extraction (published 31-column layout) imported, looked
 * up by name, RPPS and address; liste-rouge mailboxes never shown; `mss send --to-rpps`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importDirectory } from '../../../src/mss/directory.js';
import { lookupDirectory, mailboxesOf } from '../../../src/mss/directory-lookup.js';
import { ZipWriter } from '../../../src/crypto/zip/writer.js';
import { isScelleError } from '../../../src/errors.js';
import { extractionText, generatedRows, organisationRow, practitionerRow, type Row } from '../../helpers/directory-fixture.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { scelle } from '../../helpers/cli.js';

const { dir, cleanup } = makeTempDir('scelle-mss-dir-');
const p = (n: string): string => join(dir, n);
afterAll(cleanup);

const codeOf = async (fn: () => Promise<unknown>): Promise<string | undefined> => {
  try {
    await fn();
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
  }
  return undefined;
};

const known: Row[] = [
  practitionerRow({ rpps: '10101234567', family: 'DURAND', given: 'CLAIRE', address: 'praticien@demo.mssante.fr', organization: 'Cabinet du Dr Durand' }),
  practitionerRow({ rpps: '10107654321', family: 'MARTIN', given: 'PAUL', address: 'confrere@demo.mssante.fr' }),
  practitionerRow({ rpps: '10107654321', family: 'MARTIN', given: 'PAUL', address: 'paul.martin@autre-operateur.mssante.fr' }),
  practitionerRow({ rpps: '10100000042', family: 'DUPRÉ', given: 'Élodie', address: 'Elodie.Dupre@Medecin.MSSante.fr', city: '20000 AJACCIO' }),
  organisationRow({ address: 'cardiologie@clinique-saint-joseph.mssante.fr', organization: 'CLINIQUE SAINT-JOSEPH', service: 'Cardiologie' }),
];
const secret = practitionerRow({ rpps: '10199999999', family: 'CACHÉ', given: 'Secret', address: 'secret.cache@medecin.mssante.fr' });

beforeAll(async () => {
  const rows = [...known, ...generatedRows(3000), known[0]!]; // a duplicate of praticien@
  writeFileSync(p('Extraction_Correspondance_MSSante_202611230813.txt'), `${extractionText(rows)}DUR|pas|assez|de|colonnes\r\n`);
  writeFileSync(p('liste-rouge.txt'), extractionText([...known, { ...secret, 'Liste rouge': 'O' }, { ...known[1]!, 'Adresse BAL': 'paul.prive@medecin.mssante.fr', 'Liste rouge': 'true' }, ...generatedRows(50, 7)], { listeRouge: true }));
});

describe('import', () => {
  it('a few thousand entries in the published layout: imported, the malformed row skipped; a duplicate address is shown once', async () => {
    const r = await importDirectory(p('Extraction_Correspondance_MSSante_202611230813.txt'), p('annuaire.idx'));
    expect(r).toMatchObject({ entries: 3006, skipped: 1, listeRouge: 0, generatedAt: '2026-11-23T08:13' });
    expect((await lookupDirectory(p('annuaire.idx'), 'praticien@demo.mssante.fr')).total).toBe(1);
    expect(r.skippedLines).toEqual([3008]);
    const index = readFileSync(p('annuaire.idx'), 'utf8');
    expect(index.split('\n')[0]).toBe('# scelle-mss-directory 1');
    expect(index.trimEnd().split('\n').pop()).toMatch(/^#meta\t\{"source":"Extraction_Correspondance_MSSante_202611230813.txt"/);
  });

  it('lookups by name (accents and case ignored, words in any order), by RPPS, by national id, by address; type filter and limit', async () => {
    const byName = await lookupDirectory(p('annuaire.idx'), 'claire durand');
    expect(byName.kind).toBe('name');
    expect(byName.entries.map((e) => e.address)).toContain('praticien@demo.mssante.fr');
    expect(byName.entries.every((e) => e.family === 'DURAND' && e.given?.toLowerCase() === 'claire')).toBe(true);
    expect((await lookupDirectory(p('annuaire.idx'), 'dupre elo')).entries.map((e) => e.address)).toEqual(['elodie.dupre@medecin.mssante.fr']);
    const rpps = await lookupDirectory(p('annuaire.idx'), '10107654321');
    expect(rpps).toMatchObject({ kind: 'rpps', total: 2 });
    expect((await lookupDirectory(p('annuaire.idx'), '810101234567')).entries[0]).toMatchObject({ address: 'praticien@demo.mssante.fr', idNat: '810101234567', profession: 'Médecin', organization: 'Cabinet du Dr Durand' });
    expect((await lookupDirectory(p('annuaire.idx'), 'Elodie.Dupre@medecin.mssante.FR')).entries[0]).toMatchObject({ family: 'DUPRÉ', city: '20000 AJACCIO' });
    expect((await lookupDirectory(p('annuaire.idx'), 'saint joseph cardio', { types: ['ORG'] })).entries[0]).toMatchObject({ type: 'ORG', organization: 'CLINIQUE SAINT-JOSEPH', service: 'Cardiologie' });
    const many = await lookupDirectory(p('annuaire.idx'), 'martin', { limit: 5 });
    expect(many.entries).toHaveLength(5);
    expect(many.total).toBeGreaterThan(100);
    expect((await lookupDirectory(p('annuaire.idx'), 'xyzzy')).total).toBe(0);
  });

  it('liste rouge: never imported, so never found by name, RPPS or address', async () => {
    const r = await importDirectory(p('liste-rouge.txt'), p('lr.idx'));
    expect(r).toMatchObject({ listeRouge: 2, entries: 55 });
    expect((await lookupDirectory(p('lr.idx'), 'secret caché')).total).toBe(0);
    expect((await lookupDirectory(p('lr.idx'), '10199999999')).total).toBe(0);
    expect((await lookupDirectory(p('lr.idx'), 'secret.cache@medecin.mssante.fr')).total).toBe(0);
    expect((await lookupDirectory(p('lr.idx'), '10107654321')).entries.map((e) => e.address)).toEqual(['confrere@demo.mssante.fr', 'paul.martin@autre-operateur.mssante.fr']);
    expect(readFileSync(p('lr.idx'), 'utf8')).not.toMatch(/secret\.cache|paul\.prive|10199999999/i);
  });

  it('the ANS zip (one .txt inside) imports the same', async () => {
    const chunks: Uint8Array[] = [];
    const w = new ZipWriter(async (c) => {
      chunks.push(Uint8Array.from(c));
    });
    await w.addBytes({ name: 'Extraction_Correspondance_MSSante_202611240700.txt', mtime: new Date() }, Buffer.from(extractionText([...known, ...generatedRows(200)]), 'utf8'));
    await w.finish();
    writeFileSync(p('Extraction_Correspondance_MSSante_202611240700.zip'), Buffer.concat(chunks));
    const r = await importDirectory(p('Extraction_Correspondance_MSSante_202611240700.zip'), p('zip.idx'));
    expect(r).toMatchObject({ entries: 205, generatedAt: '2026-11-24T07:00' });
  });

  it('not the layout, an empty file, no index, an interrupted index: the right codes; a failed import leaves the old index', async () => {
    writeFileSync(p('wrong.txt'), 'Nom|Prénom|Adresse\r\nA|B|c@d.fr\r\n');
    expect(await codeOf(() => importDirectory(p('wrong.txt'), p('annuaire.idx')))).toBe('DIRECTORY_INVALID');
    expect((await lookupDirectory(p('annuaire.idx'), 'claire durand')).total).toBeGreaterThan(0);
    writeFileSync(p('empty.txt'), '');
    expect(await codeOf(() => importDirectory(p('empty.txt'), p('x.idx')))).toBe('DIRECTORY_INVALID');
    expect(await codeOf(() => lookupDirectory(p('nowhere.idx'), 'durand'))).toBe('DIRECTORY_NOT_FOUND');
    writeFileSync(p('cut.idx'), readFileSync(p('annuaire.idx'), 'utf8').split('\n').slice(0, 100).join('\n'));
    expect(await codeOf(() => lookupDirectory(p('cut.idx'), 'durand'))).toBe('DIRECTORY_INVALID');
    expect(await codeOf(() => mailboxesOf(p('annuaire.idx'), '10100000000'))).toBe('NOT_IN_DIRECTORY');
    expect(await codeOf(() => mailboxesOf(p('annuaire.idx'), 'durand'))).toBe('USAGE');
  });
});

describe('scelle mss directory import / lookup / send --to-rpps', () => {
  it('French output; --to-rpps resolves the one personal mailbox, refuses a choice between two, and an unknown RPPS', () => {
    const env = { SCELLE_MSS_DIRECTORY: p('cli.idx') };
    const imp = scelle(['mss', 'directory', 'import', p('Extraction_Correspondance_MSSante_202611230813.txt'), '--lang', 'fr'], { env });
    expect(imp.status, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/3006 boîtes aux lettres MSSanté importées dans .*cli\.idx \(extraction du 2026-11-23T08:13\)/);
    const impJson = scelle(['mss', 'directory', 'import', p('Extraction_Correspondance_MSSante_202611230813.txt'), '--directory', p('cli-json.idx'), '--json'], { env });
    expect(impJson.status, impJson.stdout).toBe(0);
    expect(impJson.json()).toEqual({
      ok: true, index: p('cli-json.idx'), entries: 3006, skipped: expect.any(Number), skippedLines: expect.any(Array), listeRouge: expect.any(Number),
      sourceSha256: createHash('sha256').update(readFileSync(p('Extraction_Correspondance_MSSante_202611230813.txt'))).digest('hex'), generatedAt: '2026-11-23T08:13',
    });
    const look = scelle(['mss', 'lookup', 'durand', 'claire', '--lang', 'fr'], { env });
    expect(look.status, look.stderr).toBe(0);
    expect(look.stdout).toMatch(/DR CLAIRE DURAND — Médecin, Médecine générale — RPPS 10101234567\n {2}praticien@demo\.mssante\.fr \(personnelle\) — Cabinet du Dr Durand, 75015 PARIS/);
    const json = scelle(['mss', 'lookup', 'praticien@demo.mssante.fr', '--json'], { env }).json();
    expect(json).toMatchObject({ ok: true, kind: 'address', total: 1, entries: [{ idNat: '810101234567' }], index: { entries: 3006 } });
    const none = scelle(['mss', 'lookup', 'xyzzy', '--lang', 'fr'], { env });
    expect(none.stdout).toMatch(/aucun résultat pour « xyzzy »/);
    const sent = scelle(['mss', 'send', '--from', 'x@demo.mssante.fr', '--to-rpps', '10101234567', '--subject', 'x', '--out', p('rpps.eml'), '--json'], { env });
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.json().envelope.to).toEqual(['praticien@demo.mssante.fr']);
    expect(readFileSync(p('rpps.eml'), 'latin1')).toMatch(/^To: praticien@demo\.mssante\.fr\r$/m);
    const two = scelle(['mss', 'send', '--from', 'x@demo.mssante.fr', '--to-rpps', '10107654321', '--subject', 'x', '--out', p('two.eml'), '--json'], { env });
    expect(two.status).toBe(2);
    expect(two.json().error.message).toMatch(/2 personal mailboxes \(confrere@demo\.mssante\.fr, paul\.martin@autre-operateur\.mssante\.fr\): choose one with --to/);
    const unknown = scelle(['mss', 'send', '--from', 'x@demo.mssante.fr', '--to-rpps', '10100000000', '--subject', 'x', '--out', p('u.eml'), '--lang', 'fr'], { env });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/introuvable dans l’annuaire MSSanté/);
    const noIndex = scelle(['mss', 'lookup', 'durand', '--json'], { env: { SCELLE_MSS_DIRECTORY: p('absent.idx') } });
    expect(noIndex.status).toBe(1);
    expect(noIndex.json().error.code).toBe('DIRECTORY_NOT_FOUND');
  });
});
