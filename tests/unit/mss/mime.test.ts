import { describe, expect, it } from 'vitest';
import { canonicalizeLineBreaks, decodeBody, parseContentType, parseMimeEntity } from '../../../src/mss/mime.js';
import { composeMessage } from '../../../src/mss/compose.js';
import { readMessage } from '../../../src/mss/read.js';
import { isScelleError } from '../../../src/errors.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
  }
  return undefined;
};

describe('French subjects and file names (RFC 2047 / RFC 2231)', () => {
  it.each([
    ['Compte rendu — échographie de Mme Élodie Dupré, été 2026', 'compte-rendu échographie été 2026 très long nom de fichier à découper.pdf'],
    ['Résultats « urgents » : à lire', 'Ordonnance n°42 — œdème.txt'],
    ['ASCII only', 'plain.txt'],
  ])('%s / %s round-trips', async (subject, fileName) => {
    const content = new Uint8Array(Buffer.from(`contenu de ${fileName}`));
    const msg = await composeMessage({ from: 'praticien@demo.mssante.fr', to: ['confrere@demo.mssante.fr'], subject, text: 'Voilà, ça marche.\n', attachments: [{ fileName, content }] });
    const raw = Buffer.from(msg.raw).toString('latin1');
    expect(raw).toMatch(/^[\x09\x0a\x0d\x20-\x7e]*$/); // 7-bit on the wire
    if (subject !== 'ASCII only') expect(raw).toMatch(/^Subject: =\?UTF-8\?/m);
    if (/[^\x20-\x7e]/.test(fileName)) expect(raw).toMatch(/filename\*0\*=utf-8''/);
    const r = await readMessage(msg.raw, { trustAnchors: [] });
    expect(r.subject).toBe(subject);
    expect(r.text).toBe('Voilà, ça marche.\n');
    expect(r.attachments.map((a) => a.fileName)).toEqual([fileName]);
    expect(Buffer.from(r.attachments[0]!.content)).toEqual(Buffer.from(content));
  });

  it('decodes RFC 2231 continuations and charsets in Content-Type parameters', () => {
    const ct = parseContentType(`application/pdf; name*0*=utf-8''r%C3%A9sultats%20; name*1=d%C3%A9j%C3%A0; name*2*=%C3%A9t%C3%A9.pdf; x="a;b"`);
    expect(ct.mediaType).toBe('application/pdf');
    // section 1 is not extended (no trailing *): its % signs are literal
    expect(ct.params.name).toBe('résultats d%C3%A9j%C3%A0été.pdf');
    expect(ct.params.x).toBe('a;b');
  });

  it('keeps exact part bytes and canonicalises bare LF to CRLF', () => {
    const raw = Buffer.from('Content-Type: multipart/mixed; boundary="b1"\n\npreamble\n--b1\nContent-Type: text/plain\n\nhello\n--b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC\n--b1--\nepilogue\n');
    const e = parseMimeEntity(raw);
    expect(e.parts).toHaveLength(2);
    expect(Buffer.from(e.parts[0]!.raw).toString()).toBe('Content-Type: text/plain\n\nhello');
    expect([...decodeBody(e.parts[1]!)]).toEqual([0, 1, 2]);
    expect(Buffer.from(canonicalizeLineBreaks(e.parts[0]!.raw)).toString()).toBe('Content-Type: text/plain\r\n\r\nhello');
  });
});

describe('malformed MIME is MIME_MALFORMED, never a crash', () => {
  const deep = (n: number): string => {
    let s = 'Content-Type: text/plain\r\n\r\nx';
    for (let i = 0; i < n; i++) s = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${s}\r\n--b${i}--\r\n`;
    return s;
  };
  it.each([
    ['empty', ''],
    ['garbage', '\u0000\u0001\u0002 not a message at all \u00ff'],
    ['text without header fields', 'Bonjour,\nceci n’est pas un message.\n'],
    ['first line is a continuation', ' folded: nothing\r\n\r\nbody'],
    ['truncated multipart (no closing delimiter)', 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: text/plain\r\n\r\ncut he'],
    ['multipart without boundary parameter', 'Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n'],
    ['multipart with no delimiter at all', 'Content-Type: multipart/mixed; boundary="zz"\r\n\r\nno parts here\r\n'],
    ['unknown transfer encoding', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: x-rot13\r\n\r\nuryyb'],
    ['bad Content-Type', 'Content-Type: not a type\r\n\r\nx'],
    ['unterminated quoted parameter', 'Content-Type: multipart/mixed; boundary="abc\r\n\r\nx'],
    ['huge header block', `X-Big: ${'a'.repeat(300 * 1024)}\r\n\r\nx`],
    ['too many header fields', `${'X-A: 1\r\n'.repeat(1500)}\r\nx`],
    ['nested depth bomb', deep(40)],
  ])('%s', (_name, text) => {
    expect(codeOf(() => parseMimeEntity(Buffer.from(text, 'latin1')))).toBe('MIME_MALFORMED');
  });

  it('a depth bomb and a part bomb are refused quickly', () => {
    const t0 = Date.now();
    expect(codeOf(() => parseMimeEntity(Buffer.from(deep(5000))))).toBe('MIME_MALFORMED');
    const many = `Content-Type: multipart/mixed; boundary="b"\r\n\r\n${'--b\r\n\r\nx\r\n'.repeat(5000)}--b--\r\n`;
    expect(codeOf(() => parseMimeEntity(Buffer.from(many)))).toBe('MIME_MALFORMED');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('bad base64 in an S/MIME part is MIME_MALFORMED through readMessage', async () => {
    const raw = Buffer.from('From: a@demo.mssante.fr\r\nTo: b@demo.mssante.fr\r\nSubject: x\r\nContent-Type: application/pkcs7-mime; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n');
    await expect(readMessage(raw, { trustAnchors: [] })).rejects.toMatchObject({ code: 'MIME_MALFORMED' });
  });

  it('an 8-depth nesting within limits still parses', () => {
    expect(parseMimeEntity(Buffer.from(deep(8))).parts).toHaveLength(1);
  });
});

describe('base64 bodies decoded from their bytes', () => {
  const leaf = (body: string): Parameters<typeof decodeBody>[0] => parseMimeEntity(Buffer.from(`Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}`, 'latin1'));
  it('every length 0..300, lines of 76 with CRLF or LF, tabs and spaces: the same bytes as Node decodes', () => {
    for (let n = 0; n <= 300; n++) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      const b64 = data.toString('base64');
      for (const eol of ['\r\n', '\n', ' \t\r\n']) {
        const body = (b64.match(/.{1,76}/g) ?? []).join(eol) + eol;
        const out = decodeBody(leaf(body));
        expect(Buffer.from(out).equals(data)).toBe(true);
        expect(out.byteOffset).toBe(0);
        expect(out.buffer.byteLength).toBe(n);
      }
    }
  });
  it('unpadded endings decode like padded ones', () => {
    expect(Buffer.from(decodeBody(leaf('QUJD\r\nRA\r\n'))).toString()).toBe('ABCD');
    expect(Buffer.from(decodeBody(leaf('QUJDREU\r\n'))).toString()).toBe('ABCDE');
  });
  it('a character outside the alphabet, data after the padding, three pads, or a lone trailing character: MIME_MALFORMED', () => {
    for (const bad of ['QUJD*RA==', 'QQ==QUJD', 'QQ===', 'QUJDR', 'QUJD\r\nR\r\n', 'QUJD-_A=']) {
      let err: unknown;
      try {
        decodeBody(leaf(bad));
      } catch (e) {
        err = e;
      }
      expect(isScelleError(err) && err.code === 'MIME_MALFORMED', bad).toBe(true);
    }
  });
});
