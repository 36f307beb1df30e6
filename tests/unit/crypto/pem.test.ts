import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPem, looksLikePem, parsePem } from '../../../src/crypto/pem.js';
import { codeOf } from '../../helpers/errors.js';

const VECTORS = join(import.meta.dirname, '..', '..', '..', 'test-vectors', 'pkcs12');


describe('formatPem / parsePem', () => {
  it.each([1, 2, 3, 47, 48, 49, 64, 100, 1000])('round-trips %i random bytes', (n) => {
    const der = randomBytes(n);
    const text = formatPem('CERTIFICATE', der);
    expect(text.startsWith('-----BEGIN CERTIFICATE-----\n')).toBe(true);
    expect(text.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    for (const line of text.split('\n').slice(1, -2)) expect(line.length).toBeLessThanOrEqual(64);
    const blocks = parsePem(text);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.label).toBe('CERTIFICATE');
    expect(Buffer.from(blocks[0]!.der).equals(der)).toBe(true);
    expect(blocks[0]!.headers).toBeUndefined();
  });

  it('wraps at exactly 64 columns', () => {
    const text = formatPem('X', new Uint8Array(96)); // 128 base64 chars → two full lines
    expect(text).toBe(`-----BEGIN X-----\n${'A'.repeat(64)}\n${'A'.repeat(64)}\n-----END X-----\n`);
  });

  it('parses several blocks in order and ignores text around them (openssl pkcs12 output)', () => {
    const a = randomBytes(40);
    const b = randomBytes(70);
    const text = `Bag Attributes\n    friendlyName: Dr Test\nsubject=CN = x\n${formatPem('CERTIFICATE', a)}\nsome text\r\n${formatPem('PRIVATE KEY', b).replace(/\n/g, '\r\n')}trailer`;
    const blocks = parsePem(text);
    expect(blocks.map((x) => x.label)).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
    expect(Buffer.from(blocks[0]!.der).equals(a)).toBe(true);
    expect(Buffer.from(blocks[1]!.der).equals(b)).toBe(true);
  });

  it('accepts lax whitespace: indented lines, blank lines, CR line ends', () => {
    const der = randomBytes(50);
    const body = Buffer.from(der).toString('base64');
    const text = `  -----BEGIN  X-----\r  ${body.slice(0, 20)}  \r\r${body.slice(20)}\r-----END  X-----  `;
    // Double space is not a valid label: use a valid one.
    expect(codeOf(() => parsePem(text))).toBe('MALFORMED_PEM');
    const ok = text.replace(/ {2}X/g, ' X');
    expect(Buffer.from(parsePem(ok)[0]!.der).equals(der)).toBe(true);
  });

  it('returns RFC 1421 headers of legacy encrypted keys', () => {
    const der = randomBytes(32);
    const text = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,0011223344556677\n\n${Buffer.from(der).toString('base64')}\n-----END RSA PRIVATE KEY-----\n`;
    const [block] = parsePem(text);
    expect(block!.headers).toEqual({ 'Proc-Type': '4,ENCRYPTED', 'DEK-Info': 'AES-256-CBC,0011223344556677' });
    expect(Buffer.from(block!.der).equals(der)).toBe(true);
  });

  it('returns [] for text without blocks', () => {
    expect(parsePem('hello\nworld\n')).toEqual([]);
    expect(parsePem('')).toEqual([]);
  });

  it('parses the committed vector PEM files', () => {
    const blocks = parsePem(readFileSync(join(VECTORS, 'ca.pem'), 'utf8'));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.der[0]).toBe(0x30);
  });

  const good = formatPem('CERTIFICATE', Buffer.from('hello, PEM world'));
  const body = Buffer.from('hello, PEM world').toString('base64'); // aGVsbG8sIFBFTSB3b3JsZA==
  it.each([
    ['BEGIN without END (truncated file)', good.split('\n').slice(0, 2).join('\n')],
    ['END without BEGIN', `${body}\n-----END CERTIFICATE-----\n`],
    ['different END label', good.replace('END CERTIFICATE', 'END PRIVATE KEY')],
    ['nested BEGIN', `-----BEGIN A-----\n${good}-----END A-----\n`],
    ['character outside base64', good.replace(body, `${body.slice(0, 4)}*${body.slice(5)}`)],
    ['bad length (a char dropped)', good.replace(body, body.slice(1))],
    ['padding in the middle', good.replace(body, `aGVs=G8s${body.slice(8)}`)],
    ['non-zero pad bits', good.replace(body, body.replace('ZA==', 'ZB=='))],
    ['empty body', '-----BEGIN X-----\n-----END X-----\n'],
    ['invalid label', '-----BEGIN -X-----\nAAAA\n-----END -X-----\n'],
  ])('MALFORMED_PEM: %s', (_name, text) => {
    expect(codeOf(() => parsePem(text))).toBe('MALFORMED_PEM');
  });

  it.each([
    ['bad label', () => formatPem('bad--label', new Uint8Array(3))],
    ['empty der', () => formatPem('X', new Uint8Array(0))],
  ])('formatPem refuses %s with USAGE', (_n, fn) => {
    expect(codeOf(fn)).toBe('USAGE');
  });
});

describe('looksLikePem', () => {
  it.each([
    { name: 'a PEM file', text: formatPem('CERTIFICATE', randomBytes(10)), expected: true },
    { name: 'PEM after explanatory text', text: `Bag Attributes\n  localKeyId: 01\n${formatPem('CERTIFICATE', randomBytes(10))}`, expected: true },
    { name: 'PEM with a UTF-8 BOM', text: `\ufeff${formatPem('X', randomBytes(10))}`, expected: true },
    { name: 'plain text', text: 'hello world', expected: false },
    { name: 'BEGIN not at a line start', text: 'x -----BEGIN X-----', expected: false },
  ])('$name → $expected', ({ text, expected }) => {
    expect(looksLikePem(Buffer.from(text, 'utf8'))).toBe(expected);
  });

  it('parsePem accepts a UTF-8 BOM', () => {
    const der = randomBytes(10);
    expect(Buffer.from(parsePem(`\ufeff${formatPem('X', der)}`)[0]!.der).equals(der)).toBe(true);
  });

  it('DER is not PEM, even with a BEGIN string inside after a NUL', () => {
    expect(looksLikePem(readFileSync(join(VECTORS, 'default.p12')))).toBe(false);
    expect(looksLikePem(Buffer.concat([Buffer.from([0x30, 0x00, 0x0a]), Buffer.from('-----BEGIN X-----')]))).toBe(false);
    expect(looksLikePem(new Uint8Array(0))).toBe(false);
  });
});
