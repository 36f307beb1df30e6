/**
 * Hostile input for the parsers of this issue: a CDA header, the IMAP wire, the disposition of an
 * MDN, the X-MSS fields, a directory extraction and its index. Random and mangled bytes give a
 * result or a ScelleError with a stable code — never a raw exception, never a hang.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCdaHeader } from '../../../src/mss/cda.js';
import { ImapReader } from '../../../src/mss/imap-wire.js';
import { parseDisposition } from '../../../src/mss/mdn.js';
import { readMessage } from '../../../src/mss/read.js';
import { importDirectory } from '../../../src/mss/directory.js';
import { lookupDirectory } from '../../../src/mss/directory-lookup.js';
import { isScelleError } from '../../../src/errors.js';
import { demoCda } from '../../helpers/mss-fixtures.js';
import { extractionText, generatedRows } from '../../helpers/directory-fixture.js';
import { makeTempDir } from '../../helpers/tmp.js';

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** `text` with a few bytes replaced, removed or duplicated. */
function mangle(text: string, r: () => number): string {
  let s = text;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * s.length);
    const op = Math.floor(r() * 3);
    const ch = '<>&"/=|\t\r\n{}[]()\u0001 aZ9é'[Math.floor(r() * 22)]!;
    s = op === 0 ? s.slice(0, at) + ch + s.slice(at + 1) : op === 1 ? s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20)) : s.slice(0, at) + s.slice(at, at + 30) + s.slice(at);
  }
  return s;
}

const outcome = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    return isScelleError(e) ? e.code : `RAW ${(e as Error)?.stack ?? String(e)}`;
  }
};

describe('hostile input (issue 15 parsers)', () => {
  it('mangled CDA documents: a header or CDA_INVALID', async () => {
    const r = rng(15);
    const codes = new Set<string>();
    for (let i = 0; i < 400; i++) codes.add(await outcome(() => parseCdaHeader(mangle(demoCda(), r), 'x.xml')));
    expect([...codes].filter((c) => c.startsWith('RAW'))).toEqual([]);
    expect([...codes].every((c) => c === 'ok' || c === 'CDA_INVALID')).toBe(true);
  });

  it('random IMAP bytes: responses or IMAP_ERROR', async () => {
    const r = rng(143);
    const samples = ['* 1 FETCH (UID 7 BODY[] {5}\r\nabcde FLAGS (\\Seen))\r\n', 'S0001 OK [CAPABILITY IMAP4rev1 SASL-IR] done\r\n', '+ eyJ9\r\n', '* SEARCH 1 2 3\r\n'];
    for (let i = 0; i < 2000; i++) {
      const reader = new ImapReader({ maxLine: 4096, maxLiteral: 65536 });
      const text = mangle(samples[i % samples.length]!.repeat(1 + (i % 3)), r);
      const got = await outcome(() => {
        reader.push(Buffer.from(text, 'latin1'));
        for (let n = 0; n < 100 && reader.next(); n++);
      });
      expect(got === 'ok' || got === 'IMAP_ERROR', got).toBe(true);
    }
  });

  it('mangled Disposition fields never throw', () => {
    const r = rng(8098);
    for (let i = 0; i < 1000; i++) {
      const d = parseDisposition(mangle('automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant patient inconnu', r));
      expect(typeof d.type).toBe('string');
    }
  });

  it('messages with mangled X-MSS fields and MDN parts: a verdict or MIME_MALFORMED', async () => {
    const r = rng(6522);
    const base = [
      'From: a@demo.mssante.fr', 'To: b@demo.mssante.fr', 'Subject: [KO Intégration système !][902] XDM/1.0/DDM+X', 'X-MSS-CODECDA: 11488-4', 'X-MSS-INS: O', 'Message-ID: <m@x>', 'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'x', '--b', 'Content-Type: message/disposition-notification', '', 'Original-Message-ID: <o@x>', 'Disposition: automatic-action/MDN-sent-automatically; processed/Error: 902^x', '',
      '--b', 'Content-Type: message/rfc822', '', 'Message-ID: <o@x>', 'Subject: y', '', 'z', '--b--', '',
    ].join('\r\n');
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) codes.add(await outcome(() => readMessage(Buffer.from(mangle(base, r), 'utf8'), { trustAnchors: [] })));
    expect([...codes].filter((c) => c.startsWith('RAW'))).toEqual([]);
  });

  it('mangled directory extractions and indexes: imported, or DIRECTORY_INVALID; lookups answer or refuse', async () => {
    const { dir, cleanup } = makeTempDir('scelle-mss-hostile-');
    try {
      const r = rng(535);
      const text = extractionText(generatedRows(60, 3));
      for (let i = 0; i < 60; i++) {
        writeFileSync(join(dir, 'x.txt'), mangle(text, r));
        const got = await outcome(() => importDirectory(join(dir, 'x.txt'), join(dir, 'x.idx')));
        expect(got === 'ok' || got === 'DIRECTORY_INVALID', got).toBe(true);
      }
      await importDirectory(join(dir, 'x.txt'), join(dir, 'good.idx')).catch(() => importDirectory((writeFileSync(join(dir, 'y.txt'), text), join(dir, 'y.txt')), join(dir, 'good.idx')));
      const idx = (await import('node:fs')).readFileSync(join(dir, 'good.idx'), 'utf8');
      for (let i = 0; i < 60; i++) {
        writeFileSync(join(dir, 'm.idx'), mangle(idx, r));
        const got = await outcome(() => lookupDirectory(join(dir, 'm.idx'), ['martin', '19000000005', 'jean.martin.5@medecin.mssante.fr'][i % 3]!));
        expect(got === 'ok' || got === 'DIRECTORY_INVALID', got).toBe(true);
      }
    } finally {
      cleanup();
    }
  });
});
