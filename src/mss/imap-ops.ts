/**
 * The IMAP commands a mailbox read needs, on an {@link ImapSession}: AUTHENTICATE (RFC 9051
 * §6.2.2, SASL-IR RFC 4959), SELECT (§6.3.2), UID SEARCH (§6.4.4), UID FETCH (§6.4.5) with
 * BODY.PEEK[] so that a message stays unseen until its verdict is given, UID STORE +FLAGS (§6.4.6).
 */
import { ScelleError } from '../errors.js';
import type { ImapSession } from './imap.js';
import { mailboxName, type ImapValue } from './imap-wire.js';
import { abortResponse, decodeOAuthChallenge, type OAuthChallenge, type SaslMechanism } from './sasl.js';

/** A refused login, with what the server said (for the caller's error mapping and token refresh). */
export class ImapAuthError extends Error {
  readonly authenticationFailed = true;
  constructor(message: string, readonly serverResponseCode: string | undefined, readonly oauth: OAuthChallenge | undefined) {
    super(message);
  }
}

/**
 * Authenticates with a SASL mechanism and its initial response.
 * @throws ImapAuthError when the server refuses; ScelleError AUTH_FAILED when it does not offer the mechanism.
 */
export async function imapAuthenticate(session: ImapSession, mechanism: SaslMechanism, initial: Buffer): Promise<void> {
  if (!session.capabilities.has(`AUTH=${mechanism}`)) {
    const offered = [...session.capabilities].filter((c) => c.startsWith('AUTH=')).map((c) => c.slice(5)).join(', ') || 'none';
    throw new ScelleError('AUTH_FAILED', `the IMAP server does not offer ${mechanism} (it offers ${offered})`, { params: { detail: `${mechanism} not offered`, user: mechanism } });
  }
  const encoded = initial.length === 0 ? '=' : initial.toString('base64');
  const sasIr = session.capabilities.has('SASL-IR');
  let sent = sasIr;
  let challenge: OAuthChallenge | undefined;
  const done = await session.command(`AUTHENTICATE ${mechanism}${sasIr ? ` ${encoded}` : ''}`, (text) => {
    if (!sent) {
      sent = true;
      return encoded === '=' ? '' : encoded;
    }
    // an error challenge (RFC 7628 §3.2.2): read it, then end the exchange
    challenge = decodeOAuthChallenge(text);
    return abortResponse(mechanism);
  });
  if (done.status !== 'OK') throw new ImapAuthError(`the IMAP server refused the login (${mechanism}): ${done.text}`, done.code, challenge);
  if (!done.code?.toUpperCase().startsWith('CAPABILITY')) await session.command('CAPABILITY');
}

function expectOk(done: { status: string; text: string }, what: string): void {
  if (done.status !== 'OK') throw new ScelleError('IMAP_ERROR', `${what}: ${done.status} ${done.text}`, { params: { detail: `${what}: ${done.text}` } });
}

/**
 * Opens a mailbox.
 * @throws ScelleError IMAP_ERROR.
 */
export async function imapSelect(session: ImapSession, mailbox: string): Promise<void> {
  expectOk(await session.command(`SELECT ${mailboxName(mailbox)}`), `cannot open the mailbox "${mailbox}"`);
}

/** UIDs of the messages (unseen only, or all), ascending. */
export async function imapUidSearch(session: ImapSession, unseenOnly: boolean): Promise<number[]> {
  const done = await session.command(`UID SEARCH ${unseenOnly ? 'UNSEEN' : 'ALL'}`);
  expectOk(done, 'search refused');
  const uids: number[] = [];
  for (const r of done.untagged) {
    if (typeof r.tokens[0] === 'string' && r.tokens[0].toUpperCase() === 'SEARCH') {
      for (const t of r.tokens.slice(1)) if (typeof t === 'string' && /^\d+$/.test(t)) uids.push(Number(t));
    }
  }
  return uids.sort((a, b) => a - b);
}

/** The FETCH item list of the untagged `n FETCH (…)` response for `uid`. */
function fetchItems(untagged: { tokens: ImapValue[] }[], uid: number): Map<string, ImapValue> | undefined {
  for (const r of untagged) {
    const [, word, list] = r.tokens;
    if (typeof word !== 'string' || word.toUpperCase() !== 'FETCH' || !Array.isArray(list)) continue;
    const items = new Map<string, ImapValue>();
    for (let i = 0; i + 1 < list.length; i += 2) {
      const key = list[i];
      if (typeof key === 'string') items.set(key.toUpperCase(), list[i + 1]!);
    }
    if (items.get('UID') === String(uid)) return items;
  }
  return undefined;
}

/** Size and flags of a message. */
export async function imapFetchMeta(session: ImapSession, uid: number): Promise<{ size: number; flags: string[] } | undefined> {
  const done = await session.command(`UID FETCH ${uid} (UID RFC822.SIZE FLAGS)`);
  expectOk(done, `fetch of UID ${uid} refused`);
  const items = fetchItems(done.untagged, uid);
  if (!items) return undefined;
  const flags = items.get('FLAGS');
  return { size: Number(items.get('RFC822.SIZE') ?? 0), flags: Array.isArray(flags) ? flags.filter((f): f is string => typeof f === 'string') : [] };
}

/** The whole message, without setting \Seen. */
export async function imapFetchBody(session: ImapSession, uid: number): Promise<Uint8Array | undefined> {
  const done = await session.command(`UID FETCH ${uid} (UID BODY.PEEK[])`);
  expectOk(done, `fetch of UID ${uid} refused`);
  const body = fetchItems(done.untagged, uid)?.get('BODY[]');
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'latin1'));
  return undefined;
}

/** Sets \Seen. */
export async function imapMarkSeen(session: ImapSession, uid: number): Promise<void> {
  expectOk(await session.command(`UID STORE ${uid} +FLAGS.SILENT (\\Seen)`), `cannot mark UID ${uid} as seen`);
}
