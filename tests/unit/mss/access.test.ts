/**
 * The pieces of the access modes that need no server: the IMAP wire reader (literals split across
 * chunks, bounds, hostile input), mailbox names in modified UTF-7, SASL payloads (RFC 4616, RFC 7628,
 * XOAUTH2, EXTERNAL), and access-token files (JSON, JWT expiry, refresh preconditions).
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapReader, mailboxName, quoteImap, statusOf } from '../../../src/mss/imap-wire.js';
import { initialResponse, decodeOAuthChallenge, abortResponse } from '../../../src/mss/sasl.js';
import { OAuthTokenSource, readTokenFile, jwtExpiry } from '../../../src/mss/oauth.js';
import { parseMailUrl } from '../../../src/mss/transport.js';
import { isScelleError } from '../../../src/errors.js';
import { makeTempDir } from '../../helpers/tmp.js';

const codeOf = async (fn: () => unknown): Promise<string | undefined> => {
  try {
    await fn();
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
  }
  return undefined;
};

describe('IMAP wire reader (RFC 9051 §7)', () => {
  it('a FETCH with a literal, fed byte by byte, comes out whole; literals stay bytes', () => {
    const body = Buffer.from('From: a@b\r\n\r\nÉté {42}\r\n* OK not a response\r\n', 'utf8');
    const wire = Buffer.concat([Buffer.from(`* 3 FETCH (UID 12 BODY[] {${body.length}}\r\n`), body, Buffer.from(' FLAGS (\\Seen))\r\nS0001 OK [READ-WRITE] done\r\n')]);
    const r = new ImapReader();
    const out = [];
    for (const b of wire) {
      r.push(Uint8Array.of(b));
      for (let x = r.next(); x; x = r.next()) out.push(x);
    }
    expect(out).toHaveLength(2);
    const [fetch, done] = out;
    expect(fetch!.tag).toBe('*');
    expect(fetch!.tokens[0]).toBe('3');
    const list = fetch!.tokens[2] as unknown[];
    expect(list[0]).toBe('UID');
    expect(list[1]).toBe('12');
    expect(list[2]).toBe('BODY[]');
    expect(Buffer.compare(Buffer.from(list[3] as Uint8Array), body)).toBe(0);
    expect(list[5]).toEqual(['\\Seen']);
    expect(statusOf(done!)).toEqual({ status: 'OK', code: 'READ-WRITE', text: 'done' });
  });

  it('quoted strings, NIL, nested lists, continuation requests', () => {
    const r = new ImapReader();
    r.push(Buffer.from('* LIST (\\HasNoChildren) "/" "Envoy\\"s"\r\n* 1 FETCH (ENVELOPE (NIL "x"))\r\n+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\r\n'));
    expect(r.next()!.tokens).toEqual(['LIST', ['\\HasNoChildren'], '/', 'Envoy"s']);
    expect(r.next()!.tokens).toEqual(['1', 'FETCH', ['ENVELOPE', [null, 'x']]]);
    const plus = r.next()!;
    expect(plus.tag).toBe('+');
    expect(decodeOAuthChallenge(plus.text)).toEqual({ status: 'invalid_token' });
    expect(r.next()).toBeUndefined();
  });

  it.each([
    ['a line longer than the limit', `* ${'x'.repeat(2000)}\r\n`],
    ['a literal larger than the limit', '* 1 FETCH (BODY[] {999999999}\r\n'],
    ['an unbalanced parenthesis', '* 1 FETCH (UID 1))\r\n'],
    ['an unclosed list', '* 1 FETCH (UID 1\r\n'],
    ['an unterminated quoted string', '* LIST () "/ x\r\n'],
  ])('%s is IMAP_ERROR, never a crash', async (_what, wire) => {
    const r = new ImapReader({ maxLine: 1024, maxLiteral: 1024 * 1024 });
    r.push(Buffer.from(wire));
    expect(await codeOf(() => r.next())).toBe('IMAP_ERROR');
  });

  it('mailbox names in modified UTF-7 (RFC 3501 §5.1.3); no CR/LF or 8-bit in a quoted string', async () => {
    expect(mailboxName('INBOX')).toBe('"INBOX"');
    expect(mailboxName('Envoyés')).toBe('"Envoy&AOk-s"');
    expect(mailboxName('A&B')).toBe('"A&-B"');
    expect(mailboxName('Reçus/Été')).toBe('"Re&AOc-us/&AMk-t&AOk-"');
    expect(await codeOf(() => quoteImap('a\r\nS0002 LOGOUT'))).toBe('USAGE');
  });
});

describe('SASL payloads', () => {
  it('PLAIN, OAUTHBEARER (GS2 header, host, port), XOAUTH2, EXTERNAL', () => {
    expect(initialResponse('PLAIN', { user: 'u@x.fr', password: 'p' }).toString('latin1')).toBe('\u0000u@x.fr\u0000p');
    expect(initialResponse('OAUTHBEARER', { user: 'a,b=c@x.fr', token: 'abc.def-_~+/=', host: 'mail.x.fr', port: 143 }).toString('latin1'))
      .toBe('n,a=a=2Cb=3Dc@x.fr,\u0001host=mail.x.fr\u0001port=143\u0001auth=Bearer abc.def-_~+/=\u0001\u0001');
    expect(initialResponse('XOAUTH2', { user: 'u@x.fr', token: 'tok' }).toString('latin1')).toBe('user=u@x.fr\u0001auth=Bearer tok\u0001\u0001');
    expect(initialResponse('EXTERNAL', {}).length).toBe(0);
    expect(abortResponse('OAUTHBEARER')).toBe('AQ==');
    expect(abortResponse('XOAUTH2')).toBe('');
  });

  it.each([
    ['a token with a ^A (would end the field)', { token: 'abc\u0001auth=Bearer x' }],
    ['a token with a space', { token: 'abc def' }],
    ['a user with a control character', { user: 'u\u0001@x.fr', token: 'ok' }],
  ])('%s is refused', async (_what, input) => {
    expect(await codeOf(() => initialResponse('OAUTHBEARER', { user: 'u@x.fr', ...input }))).toBe('USAGE');
  });
});

describe('mail URLs', () => {
  it('imap:// is STARTTLS on 143, imaps:// TLS on 993; a user is optional (certificate login)', () => {
    expect(parseMailUrl('imap://u%40x.fr@mail.x.fr', 'imap')).toMatchObject({ protocol: 'imap', port: 143, security: 'starttls', user: 'u@x.fr' });
    expect(parseMailUrl('imaps://mail.x.fr', 'imap')).toMatchObject({ protocol: 'imaps', port: 993, security: 'tls' });
    expect(parseMailUrl('smtp://u@mail.x.fr', 'smtp')).toMatchObject({ port: 587, security: 'starttls' });
  });
});

describe('access tokens', () => {
  const { dir, cleanup } = makeTempDir('scelle-oauth-unit-');
  const p = (n: string): string => join(dir, n);
  const jwt = (exp: number): string => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', exp })).toString('base64url')}.c2lnbmF0dXJl`;

  it('raw token, JSON with expires_at (ISO or seconds), a JWT’s exp claim', async () => {
    const now = new Date('2026-11-23T08:00:00Z');
    writeFileSync(p('raw'), 'at-abc123\n');
    expect(await readTokenFile(p('raw'), now)).toEqual({ token: 'at-abc123' });
    writeFileSync(p('json'), JSON.stringify({ access_token: 'at-x', expires_at: '2026-11-23T08:05:00Z' }));
    expect((await readTokenFile(p('json'), now))!.expiresAt!.toISOString()).toBe('2026-11-23T08:05:00.000Z');
    writeFileSync(p('jwt'), jwt(1795420800));
    expect((await readTokenFile(p('jwt'), now))!.expiresAt!.getTime()).toBe(1795420800 * 1000);
    expect(jwtExpiry('not-a-jwt')).toBeUndefined();
    writeFileSync(p('bad'), 'has a space');
    expect(await codeOf(() => readTokenFile(p('bad'), now))).toBe('USAGE');
  });

  it('an expired token without a refresh token: TOKEN_EXPIRED; a refresh needs the endpoint; the endpoint must be https (http on loopback only)', async () => {
    writeFileSync(p('expired'), JSON.stringify({ access_token: 'at-old', expires_at: '2020-01-01T00:00:00Z' }));
    expect(await codeOf(() => new OAuthTokenSource({ tokenFile: p('expired') }).token())).toBe('TOKEN_EXPIRED');
    expect(await codeOf(() => new OAuthTokenSource({ refreshFile: p('r') }))).toBe('USAGE');
    expect(await codeOf(() => new OAuthTokenSource({ refreshFile: p('r'), tokenUrl: 'http://auth.example.fr/token', clientId: 'c' }))).toBe('USAGE');
    expect(await codeOf(() => new OAuthTokenSource({ refreshFile: p('r'), tokenUrl: 'https://id:secret@auth.example.fr/token', clientId: 'c' }))).toBe('USAGE');
    expect(new OAuthTokenSource({ refreshFile: p('r'), tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c' }).canRefresh).toBe(true);
    // a fresh token is used as is, without asking anyone
    writeFileSync(p('fresh'), JSON.stringify({ access_token: 'at-new', expires_in: 300 }));
    expect(await new OAuthTokenSource({ tokenFile: p('fresh'), refreshFile: p('r'), tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c' }).token()).toBe('at-new');
    cleanup();
  });
});
