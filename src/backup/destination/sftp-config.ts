/**
 * The location of an SFTP destination: `sftp://user@host:port/path` (or `/~/dir`, relative to
 * the login folder: curl's convention) and its options — `key=FILE`, `key_passphrase_file=FILE`,
 * `known_hosts=FILE`, `host_key=SHA256:…` (several separated by `,`), `timeout=SECONDS`.
 * Kept apart from sftp.ts so that parsing a config never loads the SSH library.
 */
import type { DestinationKind } from './location.js';

/** Settings of an sftp:// destination (file paths, never a secret). */
export interface SftpConfig {
  host: string;
  port: number;
  user: string;
  /** The remote folder (absolute, or relative to the login folder). */
  path: string;
  /** Private key file. */
  key?: string;
  /** File holding the private key's passphrase. */
  keyPassphraseFile?: string;
  /** known_hosts file. */
  knownHosts?: string;
  /** Pinned host key fingerprints, `SHA256:<base64>`. */
  hostKeys: string[];
  /** Handshake timeout (ms). */
  timeoutMs?: number;
}

/** `sftp://user@host:port/path`: a folder on an SSH server (a NAS, a host). */
export const sftpKind: DestinationKind<SftpConfig> = {
  scheme: 'sftp',
  media: 'network',
  options: ['key', 'key_passphrase_file', 'known_hosts', 'host_key', 'timeout'],
  offsite: false,
  parse: (url, o, invalid) => {
    if (url.hostname === '') throw invalid('the server is missing: sftp://user@host:port/path');
    if (url.username === '') throw invalid('the user is missing: sftp://user@host:port/path');
    const user = decodeURIComponent(url.username);
    const port = url.port === '' ? 22 : Number(url.port);
    let path = decodeURIComponent(url.pathname);
    if (path.startsWith('/~/')) path = path.slice(3);
    else if (path === '/~') path = '';
    path = path.replace(/(.)\/+$/, '$1');
    if (path === '' || path === '/') throw invalid('the remote folder is missing: sftp://user@host:port/path');
    if (o.timeout !== undefined && !(Number(o.timeout) > 0)) throw invalid('timeout= is a number of seconds');
    const hostKeys = o.host_key === undefined ? [] : o.host_key.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const h of hostKeys) if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(h)) throw invalid(`host_key= is a fingerprint as ssh-keygen -lf prints it (SHA256:…), not ${JSON.stringify(h.slice(0, 60))}`);
    return {
      url: `sftp://${encodeURIComponent(user)}@${url.host}${path.startsWith('/') ? '' : '/~/'}${path}`,
      path,
      config: {
        host: url.hostname, port, user, path, hostKeys,
        ...(o.key !== undefined ? { key: o.key } : {}),
        ...(o.key_passphrase_file !== undefined ? { keyPassphraseFile: o.key_passphrase_file } : {}),
        ...(o.known_hosts !== undefined ? { knownHosts: o.known_hosts } : {}),
        ...(o.timeout !== undefined ? { timeoutMs: Number(o.timeout) * 1000 } : {}),
      },
    };
  },
};
