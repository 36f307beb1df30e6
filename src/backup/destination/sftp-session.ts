/**
 * Opening an SFTP session (RFC 4254 §6.5 subsystem "sftp" over SSH, RFC 4253) with `ssh2`: the
 * private key and known_hosts are read, the server's host key is checked before anything else
 * (a pinned SHA-256 fingerprint or known_hosts; known-hosts.ts), then the key (or a password from
 * a callback) logs in. Errors: TARGET_OFFLINE (unreachable, timeout), AUTH_FAILED (refused key),
 * TARGET_ERROR (host key refused, unusable key, anything else). No secret reaches a message.
 */
import { readFile } from 'node:fs/promises';
import type { Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import { ScelleError } from '../../errors.js';
import { authFailed, destinationError, destinationOffline, errorText } from './common.js';
import type { DestinationInfo } from './destination.js';
import { checkHostKey, hostKeyFingerprint } from './known-hosts.js';

/** Where and how to connect. */
export interface SftpDestinationOptions {
  host: string;
  port: number;
  username: string;
  /** Folder on the server (absolute, or relative to the login folder). */
  path: string;
  /** Path of the private key file (OpenSSH or PEM format). */
  privateKeyPath?: string;
  /** Passphrase of an encrypted private key (from a file or the environment, never the URL). */
  privateKeyPassphrase?: string;
  /** Asked when the server wants a password (no key, or the key was refused). */
  password?: () => Promise<string>;
  /** Pinned host key fingerprints, `SHA256:<base64>` as `ssh-keygen -lf` prints them. */
  hostKeyFingerprints?: string[];
  /** known_hosts file to check the host key against when no fingerprint is pinned. */
  knownHostsPath?: string;
  /** Connection (handshake) timeout in milliseconds; default 20 000. */
  timeoutMs?: number;
}

/** Socket errors that mean the server cannot be reached. */
export const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export interface Session {
  client: Client;
  sftp: SFTPWrapper;
  /** Rejects when the connection closes: SFTP callbacks in flight are then never called. */
  lost: Promise<never>;
}

/** The private key and known_hosts, read from their files. */
async function readCredentials(info: DestinationInfo, o: SftpDestinationOptions): Promise<{ privateKey?: Buffer; knownHosts?: string }> {
  let privateKey: Buffer | undefined;
  if (o.privateKeyPath !== undefined) {
    try {
      privateKey = await readFile(o.privateKeyPath);
    } catch (e) {
      throw destinationError(info, 'connect', `cannot read the private key file ${o.privateKeyPath} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
    }
  }
  if ((o.hostKeyFingerprints ?? []).length > 0) return privateKey !== undefined ? { privateKey } : {};
  if (o.knownHostsPath === undefined) {
    throw destinationError(info, 'connect', 'no host key to check the server against: pin it with host_key=SHA256:… or give known_hosts=FILE');
  }
  try {
    return { ...(privateKey !== undefined ? { privateKey } : {}), knownHosts: await readFile(o.knownHostsPath, 'utf8') };
  } catch (e) {
    throw destinationError(info, 'connect', `cannot read known_hosts file ${o.knownHostsPath} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
  }
}

/** The ssh2 settings: host key check first, then the key, then a password when a callback gives one. */
function connectConfig(o: SftpDestinationOptions, creds: { privateKey?: Buffer; knownHosts?: string }, onHostKey: (fingerprint: string) => void, onProblem: (p: string | undefined) => void): ConnectConfig {
  const pins = o.hostKeyFingerprints ?? [];
  const config: ConnectConfig = {
    host: o.host, port: o.port, username: o.username, readyTimeout: o.timeoutMs ?? 20_000, keepaliveInterval: 15_000, keepaliveCountMax: 4, tryKeyboard: false,
    hostVerifier: ((key: Buffer, verify: (valid: boolean) => void) => {
      void hostKeyFingerprint(key).then(onHostKey);
      checkHostKey(key, o.host, o.port, pins, creds.knownHosts).then(
        (problem) => {
          onProblem(problem);
          verify(problem === undefined);
        },
        (e: unknown) => {
          onProblem(`the host key could not be checked (${errorText(e)})`);
          verify(false);
        },
      );
    }) as ConnectConfig['hostVerifier'],
  };
  if (creds.privateKey !== undefined) config.privateKey = creds.privateKey;
  if (o.privateKeyPassphrase !== undefined) config.passphrase = o.privateKeyPassphrase;
  const methods: Array<'publickey' | 'password'> = [];
  if (creds.privateKey !== undefined) methods.push('publickey');
  if (o.password !== undefined) methods.push('password');
  let next = 0;
  config.authHandler = ((_methodsLeft: string[] | null, _partial: boolean | null, cb: (m: unknown) => void) => {
    const m = methods[next++];
    if (m === undefined) return cb(false);
    if (m === 'publickey') return cb({ type: 'publickey', username: o.username, key: creds.privateKey, passphrase: o.privateKeyPassphrase });
    (o.password as () => Promise<string>)().then((password) => cb({ type: 'password', username: o.username, password }), () => cb(false));
  }) as ConnectConfig['authHandler'];
  return config;
}

/**
 * Connects, checks the host key, logs in and opens the SFTP channel. `onHostKey` receives the
 * server's fingerprint (the recovery kit pins it).
 * @throws ScelleError TARGET_OFFLINE, AUTH_FAILED, TARGET_ERROR.
 */
export async function openSession(info: DestinationInfo, o: SftpDestinationOptions, onHostKey: (fingerprint: string) => void): Promise<Session> {
  const creds = await readCredentials(info, o);
  let hostKeyProblem: string | undefined;
  const config = connectConfig(o, creds, onHostKey, (p) => { hostKeyProblem = p; });
  // ssh2 is loaded on first use: it takes ~70 ms to load, and most runs never open an SFTP session.
  const { Client: SshClient } = await import('ssh2');
  const client = new SshClient();
  return await new Promise<Session>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error & { level?: string; code?: string }): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(connectError(info, e, hostKeyProblem));
    };
    client.once('error', fail);
    client.once('close', () => fail(Object.assign(new Error('connection closed during the handshake'), { code: 'ECONNRESET' })));
    client.once('ready', () => {
      client.sftp((err, sftp) => {
        if (err) return fail(err);
        if (settled) return;
        settled = true;
        client.removeListener('error', fail);
        // A later socket error only ends this session; the next call reconnects.
        client.on('error', () => undefined);
        const lost = new Promise<never>((_, rejectLost) => {
          client.once('close', () => rejectLost(Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' })));
        });
        lost.catch(() => undefined);
        resolve({ client, sftp, lost });
      });
    });
    try {
      client.connect(config);
    } catch (e) {
      // ssh2 throws synchronously for an unparsable or encrypted key without passphrase.
      fail(e as Error);
    }
  });
}

function connectError(info: DestinationInfo, e: Error & { level?: string; code?: string }, hostKeyProblem: string | undefined): ScelleError {
  if (hostKeyProblem !== undefined) {
    return new ScelleError('TARGET_ERROR', `destination "${info.name}" (${info.url}): host key refused: ${hostKeyProblem}`, {
      cause: e,
      params: { target: info.name, url: info.url, detail: `host key refused: ${hostKeyProblem}` },
      hint: 'if the server was reinstalled, check its new fingerprint with its administrator, then update host_key= or known_hosts',
    });
  }
  if (e.level === 'client-authentication') return authFailed(info, 'the server refused the key (or password)', e);
  if (e.level === 'client-timeout' || (e.code !== undefined && UNREACHABLE.has(e.code))) return destinationOffline(info, errorText(e), e);
  if (/parse|passphrase|privatekey|private key/i.test(e.message)) return destinationError(info, 'connect', 'the private key cannot be used (wrong format or passphrase)', e);
  return destinationError(info, 'connect', errorText(e), e);
}
