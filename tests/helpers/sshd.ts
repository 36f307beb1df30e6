/**
 * A real OpenSSH sshd on a free loopback port, run as the current user (root in CI), with a
 * generated host key and client key, for the SFTP backup target's interop tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { makeTempDir } from './tmp.js';
import { runPeer } from './peers.js';

export const SSHD = ['/usr/sbin/sshd'].find((p) => existsSync(p)) ?? 'sshd';
const SFTP_SERVER = ['/usr/lib/openssh/sftp-server', '/usr/libexec/sftp-server'].find((p) => existsSync(p));

export interface SshdFixture {
  host: string;
  port: number;
  user: string;
  /** Folder of the fixture (keys, config, log); the SFTP tests write under `${dir}/data`. */
  dir: string;
  /** Client private key (ed25519, no passphrase). */
  clientKey: string;
  /** Host key fingerprint as `ssh-keygen -lf` prints it: `SHA256:…`. */
  hostKeyFingerprint: string;
  /** A known_hosts file holding the server's host key for `[127.0.0.1]:port`. */
  knownHosts: string;
  /** The sshd log (for failures). */
  log(): string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something on `port` speaks SSH (sends its `SSH-2.0` banner). */
async function waitForBanner(port: number, child: ChildProcess, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      let data = '';
      sock.setTimeout(1000, () => {
        sock.destroy();
        resolve(false);
      });
      sock.on('data', (d) => {
        data += d.toString();
        if (data.startsWith('SSH-2.0')) {
          sock.destroy();
          resolve(true);
        }
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Starts sshd; call `stop()` in afterAll. */
export async function startSshd(): Promise<SshdFixture> {
  const tmp = makeTempDir('scelle-sshd-');
  const dir = tmp.dir;
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'scelle-test-host', '-f', hostKey]);
  runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'scelle-test-client', '-f', clientKey]);
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const hostKeyFingerprint = (runPeer('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]).split(' ')[1] ?? '').trim();
  mkdirSync(join(dir, 'data'));
  const user = userInfo().username;
  // Privilege separation needs this folder when sshd runs as root (it is absent in containers).
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(config, [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'LogLevel VERBOSE',
      'MaxStartups 50',
      'MaxSessions 50',
      `Subsystem sftp ${SFTP_SERVER ?? 'internal-sftp'}`,
      '',
    ].join('\n'));
    const logPath = join(dir, 'sshd.log');
    // -D: stay in the foreground (so the test owns the process); -e: log to stderr.
    const child = spawn(SSHD, ['-D', '-e', '-f', config, '-E', logPath], { stdio: 'ignore' });
    const up = await waitForBanner(port, child, Date.now() + 10_000);
    if (!up) {
      child.kill('SIGTERM');
      continue;
    }
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    return {
      host: '127.0.0.1',
      port,
      user,
      dir,
      clientKey,
      hostKeyFingerprint,
      knownHosts,
      log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        tmp.cleanup();
      },
    };
  }
  tmp.cleanup();
  throw new Error('sshd did not start (3 attempts)');
}
