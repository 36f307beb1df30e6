/**
 * A small IMAP client for what reading a mailbox needs (RFC 9051, and RFC 3501 servers): greeting,
 * CAPABILITY, STARTTLS (RFC 9051 §6.2.1, the port-143 access mode of MSSanté operators),
 * AUTHENTICATE with SASL-IR (RFC 4959) — PLAIN, OAUTHBEARER, XOAUTH2, EXTERNAL —, SELECT,
 * UID SEARCH, UID FETCH, UID STORE, LOGOUT.
 *
 * Security invariants:
 * - with STARTTLS, nothing but CAPABILITY and STARTTLS is sent in clear; a server that does not
 *   offer STARTTLS, or greets with PREAUTH (no chance to start TLS), is refused (TLS_UNTRUSTED);
 * - bytes the server sent after its STARTTLS answer and before the TLS handshake are refused (they
 *   would be read as if they came through TLS: the STARTTLS command-injection attack of
 *   CVE-2011-0411, RFC 2595 §3.1); capabilities learnt before TLS are forgotten;
 * - the TLS options (trust anchors, TLS ≥ 1.2, server name, client certificate) come from the
 *   caller (src/mss/transport.ts).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import { ScelleError } from '../errors.js';
import { ImapReader, statusOf, type ImapResponse, type WireLimits } from './imap-wire.js';

/** How the connection is secured. */
export type ImapSecurity = 'tls' | 'starttls';

/** A tagged completion and the untagged responses that came before it. */
export interface ImapCompletion {
  status: string;
  code?: string;
  text: string;
  untagged: ImapResponse[];
}

/** What the client does with a continuation request: the line to send, or undefined to stop. */
export type ContinuationHandler = (text: string) => string;

/** An open IMAP connection. Commands run one at a time. */
export class ImapSession {
  capabilities = new Set<string>();
  private socket: Socket | TLSSocket;
  private reader: ImapReader;
  private tag = 0;
  private waiting: { resolve: (r: ImapResponse) => void; reject: (e: unknown) => void } | undefined;
  private queue: ImapResponse[] = [];
  private failure: unknown;

  private constructor(socket: Socket | TLSSocket, limits: WireLimits) {
    this.socket = socket;
    this.reader = new ImapReader(limits);
    this.attach(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(Object.assign(new Error('the IMAP server closed the connection'), { code: 'ECONNRESET' })));
  }

  private onData(d: Buffer): void {
    try {
      this.reader.push(d);
      for (let r = this.reader.next(); r !== undefined; r = this.reader.next()) {
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w.resolve(r);
        } else this.queue.push(r);
      }
    } catch (e) {
      this.fail(e);
      this.socket.destroy();
    }
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(this.failure);
    }
  }

  /** The next response from the server. */
  private read(): Promise<ImapResponse> {
    const r = this.queue.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /**
   * Connects, reads the greeting, and with STARTTLS upgrades the connection before anything else.
   * @throws what the socket throws (mapped by the caller), ScelleError TLS_UNTRUSTED (no STARTTLS,
   *   PREAUTH in clear, injected bytes), IMAP_ERROR (BYE, malformed greeting).
   */
  static async open(host: string, port: number, security: ImapSecurity, tls: ConnectionOptions, options: { timeoutMs: number; limits?: WireLimits }): Promise<ImapSession> {
    const socket = security === 'tls' ? tlsConnect({ ...tls, host, port }) : netConnect({ host, port });
    socket.setTimeout(options.timeoutMs, () => socket.destroy(Object.assign(new Error(`no answer from ${host}:${port} in ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    const session = new ImapSession(socket, options.limits ?? {});
    try {
      await session.greeting(security);
      if (security === 'starttls') await session.startTls(host, tls);
      await session.command('CAPABILITY');
      return session;
    } catch (e) {
      socket.destroy();
      throw e;
    }
  }

  private async greeting(security: ImapSecurity): Promise<void> {
    const g = await this.read();
    const s = statusOf(g);
    if (g.tag !== '*' || (s.status !== 'OK' && s.status !== 'PREAUTH' && s.status !== 'BYE')) throw new ScelleError('IMAP_ERROR', `the server did not greet as an IMAP server: "${g.text.slice(0, 80)}"`, { params: { detail: 'not an IMAP greeting' } });
    if (s.status === 'BYE') throw new ScelleError('IMAP_ERROR', `the server refused the connection: ${s.text}`, { params: { detail: s.text } });
    if (s.status === 'PREAUTH' && security === 'starttls') throw new ScelleError('TLS_UNTRUSTED', 'the server logged the connection in before TLS (PREAUTH): STARTTLS is impossible, refusing to read in clear', { params: { detail: 'PREAUTH before STARTTLS' } });
  }

  private async startTls(host: string, tls: ConnectionOptions): Promise<void> {
    await this.command('CAPABILITY');
    if (!this.capabilities.has('STARTTLS')) throw new ScelleError('TLS_UNTRUSTED', 'the server does not offer STARTTLS: refusing to log in or read in clear', { params: { detail: 'no STARTTLS' } });
    const done = await this.command('STARTTLS');
    if (done.status !== 'OK') throw new ScelleError('TLS_UNTRUSTED', `the server refused STARTTLS: ${done.text}`, { params: { detail: 'STARTTLS refused' } });
    if (this.reader.pending > 0 || this.queue.length > 0) throw new ScelleError('TLS_UNTRUSTED', 'the server sent data after its STARTTLS answer, before TLS: refused (command injection)', { params: { detail: 'data before the TLS handshake' } });
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = tlsConnect({ ...tls, socket: plain, servername: (tls.servername as string | undefined) ?? host });
    this.socket = secure;
    this.failure = undefined;
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.capabilities = new Set();
  }

  /**
   * Sends a command and waits for its tagged completion. Continuation requests (`+`) are answered
   * by `onContinue`; without one they are an error.
   */
  async command(line: string, onContinue?: ContinuationHandler): Promise<ImapCompletion> {
    const tag = `S${(++this.tag).toString().padStart(4, '0')}`;
    this.socket.write(`${tag} ${line}\r\n`);
    const untagged: ImapResponse[] = [];
    for (;;) {
      const r = await this.read();
      if (r.tag === '+') {
        if (!onContinue) throw new ScelleError('IMAP_ERROR', `the server asked for more after ${line.split(' ')[0]}`, { params: { detail: 'unexpected continuation' } });
        this.socket.write(`${onContinue(r.text)}\r\n`);
        continue;
      }
      if (r.tag === '*') {
        this.noteCapabilities(r);
        untagged.push(r);
        continue;
      }
      if (r.tag !== tag) throw new ScelleError('IMAP_ERROR', `the server answered tag ${r.tag} while ${tag} was pending`, { params: { detail: 'tag mismatch' } });
      const s = statusOf(r);
      if (s.code && /^CAPABILITY /i.test(s.code)) this.capabilities = new Set(s.code.split(' ').slice(1).map((c) => c.toUpperCase()));
      return { status: s.status, ...(s.code !== undefined ? { code: s.code } : {}), text: s.text, untagged };
    }
  }

  private noteCapabilities(r: ImapResponse): void {
    const first = r.tokens[0];
    if (typeof first === 'string' && first.toUpperCase() === 'CAPABILITY') {
      this.capabilities = new Set(r.tokens.slice(1).filter((t): t is string => typeof t === 'string').map((t) => t.toUpperCase()));
    }
  }

  /** Ends the session politely, then closes. */
  async logout(): Promise<void> {
    try {
      await this.command('LOGOUT');
    } catch {
      // the server may close first: what matters is that the connection ends
    } finally {
      this.close();
    }
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }
}
