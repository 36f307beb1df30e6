/**
 * Checking an SSH server's host key (RFC 4253 §6.6 wire encoding) against pinned SHA-256
 * fingerprints (`ssh-keygen -lf`) or an OpenSSH known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE
 * FORMAT": plain, `[host]:port`, hashed `|1|salt|hmac` entries, `@revoked`).
 */

/** The SHA-256 fingerprint of a host key, as `ssh-keygen -l -E sha256` prints it. */
export async function hostKeyFingerprint(key: Uint8Array): Promise<string> {
  return `SHA256:${Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', key)).toString('base64').replace(/=+$/, '')}`;
}

/**
 * Checks the server's host key (the SSH wire encoding, RFC 4253 §6.6) against pinned SHA-256
 * fingerprints or known_hosts lines. Returns undefined when it matches, else why not.
 */
export async function checkHostKey(key: Uint8Array, host: string, port: number, pins: string[], knownHosts: string | undefined): Promise<string | undefined> {
  const fingerprint = await hostKeyFingerprint(key);
  if (pins.length > 0) {
    if (pins.some((pin) => pin.replace(/=+$/, '') === fingerprint)) return undefined;
    return `the server presented ${fingerprint}, which is not the pinned fingerprint (a different server, or a man-in-the-middle)`;
  }
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  let hostKnown = false;
  for (const raw of (knownHosts ?? '').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields[0]?.startsWith('@')) {
      if (fields[0] === '@revoked' && fields[3] !== undefined && Buffer.from(fields[3], 'base64').equals(Buffer.from(key))) {
        return `the server presented ${fingerprint}, which known_hosts marks as revoked`;
      }
      continue; // @cert-authority: certificates are not used here
    }
    const [patterns, , b64] = fields;
    if (patterns === undefined || b64 === undefined) continue;
    if (!(await matchesHost(patterns, names))) continue;
    hostKnown = true;
    if (Buffer.from(b64, 'base64').equals(Buffer.from(key))) return undefined;
  }
  if (hostKnown) return `the server presented ${fingerprint}, which does not match its known_hosts entry (the host key changed: a reinstalled server, or a man-in-the-middle)`;
  return `the server (${fingerprint}) is not in known_hosts: check the fingerprint with its administrator, then add it (ssh-keyscan) or pin it with host_key=`;
}

/** known_hosts host patterns: plain names, `[host]:port`, and hashed `|1|salt|hmac` entries. */
async function matchesHost(patterns: string, names: string[]): Promise<boolean> {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (salt === undefined || hash === undefined) return false;
    const subtle = globalThis.crypto.subtle;
    const k = await subtle.importKey('raw', Buffer.from(salt, 'base64'), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    for (const n of names) {
      const mac = Buffer.from(await subtle.sign('HMAC', k, Buffer.from(n))).toString('base64');
      if (mac === hash) return true;
    }
    return false;
  }
  let match = false;
  for (const pat of patterns.split(',')) {
    const negated = pat.startsWith('!');
    const re = new RegExp(`^${(negated ? pat.slice(1) : pat).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (names.some((n) => re.test(n))) {
      if (negated) return false;
      match = true;
    }
  }
  return match;
}
