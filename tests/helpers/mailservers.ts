/**
 * Real mail servers on loopback for the MSSanté tests: Postfix (submission) delivering over LMTP
 * into Dovecot (IMAPS), each with its own configuration in a temp folder, with TLS certificates
 * issued by the demo PKI. Nothing of the system-wide postfix/dovecot services is used or started.
 *
 * Postfix (`postfix -c DIR`), three smtpd listeners on 127.0.0.1:
 * - `submission` (STARTTLS, `smtpd_tls_security_level=encrypt`, SASL through Dovecot's auth
 *   service over TCP, unauthenticated clients refused);
 * - `smtps` (implicit TLS, `smtpd_tls_wrappermode=yes`, SASL as above);
 * - `mtls` (implicit TLS, `smtpd_tls_req_ccert=yes`: a client certificate issued under the demo
 *   root is required and is what lets the client in — `permit_tls_all_clientcerts`).
 * All with `smtpd_tls_protocols = >=TLSv1.2`. The domain `demo.mssante.fr` is a virtual mailbox
 * domain handed to Dovecot's LMTP listener.
 *
 * Dovecot (`dovecot -c FILE`): IMAPS (implicit TLS, the 993 role) and IMAP with STARTTLS (the
 * 143 role), `ssl = required` (no login before TLS), `ssl_min_protocol = TLSv1.2`; passwd-file users
 * praticien@ and confrere@demo.mssante.fr, maildirs in the temp folder owned by the Debian `mail`
 * user, login processes as `dovenull`, internal ones as `dovecot`; an auth listener for Postfix and
 * an LMTP listener, both on loopback TCP (no socket permissions to get wrong). Three ways to log in,
 * as MSSanté operators offer them:
 * - the password (PLAIN/LOGIN, passwd-file);
 * - an e-CPS / Pro Santé Connect style bearer token (XOAUTH2, OAUTHBEARER): Dovecot's `oauth2`
 *   passdb asks the local token-introspection endpoint of tests/helpers/oauth-server.ts (RFC 7662,
 *   `introspection_mode = post`), started here; Postfix gets the same mechanisms through Dovecot SASL;
 * - the TLS client certificate (SASL EXTERNAL): `ssl_verify_client_cert`, the demo root, CA and
 *   CRLs as `ssl_ca` (a revoked certificate is refused), the user taken from the certificate's CN
 *   (`auth_ssl_username_from_cert`, the RPPS-style PS_IdNat) and renamed to the mailbox by a
 *   passwd-file passdb limited to EXTERNAL.
 *
 * Runs as root (CI does): Postfix drops to `postfix`/`postdrop` as Debian sets it up; the temp
 * folder is made traversable (0755) so that those users reach their directories.
 * Debian packages: postfix dovecot-core dovecot-imapd dovecot-lmtpd.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, openSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { buildCertificate } from '../../src/crypto/cert-builder.js';
import { formatPem } from '../../src/crypto/pem.js';
import type { DemoPki } from '../../src/crypto/demo-pki.js';
import { which } from './peers.js';
import { makeTempDir } from './tmp.js';
import { startOAuthServer, type OAuthServer } from './oauth-server.js';

/** The commands and users the servers need (Debian: postfix, dovecot-core, dovecot-imapd, dovecot-lmtpd). */
export const MAIL_SERVER_PEERS = ['postfix', 'dovecot', 'doveadm'];

/** A user of the test mailboxes. */
export interface MailUser {
  address: string;
  password: string;
}

/** Running servers made by {@link startMailServers}. */
export interface MailServers {
  dir: string;
  /** PEM of the demo root and CA (the trust to give the client). */
  trustPem: string;
  /** DER of the servers' TLS certificate (issued by the demo "personnes" CA). */
  serverCertificate: Uint8Array;
  ports: { submission: number; smtps: number; mtls: number; imaps: number; imap: number; lmtp: number; auth: number };
  users: { praticien: MailUser; confrere: MailUser };
  /** The token-introspection / token endpoint Dovecot's oauth2 passdb asks. */
  oauth: OAuthServer;
  /** Messages in a user's INBOX maildir (new + cur), as raw bytes, oldest first. */
  mailbox(user: 'praticien' | 'confrere'): Buffer[];
  /** Waits until the user's maildir holds at least `count` messages. */
  waitForMail(user: 'praticien' | 'confrere', count: number, timeoutMs?: number): Promise<Buffer[]>;
  /** Postfix and Dovecot logs, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`user ${name} missing: install postfix and dovecot-core (Debian creates it)`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** A TLS server certificate for localhost issued by the demo "personnes" CA. */
export function issueServerCertificate(pki: DemoPki, options: { notAfter?: Date } = {}): { der: Uint8Array; certPem: string; keyPem: string; key: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const der = buildCertificate({
    subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }, { type: 'CN', value: 'localhost' }],
    issuerCertificate: pki.ca, publicKey, signingKey: pki.caKey,
    notBefore: new Date(now - 86_400_000), notAfter: options.notAfter ?? new Date(now + 30 * 86_400_000),
    keyUsage: ['digitalSignature', 'keyEncipherment'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'], dnsNames: ['localhost'],
  });
  return {
    der,
    certPem: formatPem('CERTIFICATE', der) + formatPem('CERTIFICATE', pki.ca),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    key: privateKey,
  };
}

/**
 * Runs a command that starts a daemon. Its output goes to a file, not to pipes: a daemon that
 * inherits a pipe keeps it open and `spawnSync` would wait for it forever.
 */
function runStarter(cmd: string, args: string[], logFile: string): { status: number; output: string } {
  const fd = openSync(logFile, 'a');
  try {
    const r = spawnSync(cmd, args, { stdio: ['ignore', fd, fd], timeout: 30_000 });
    return { status: r.status ?? -1, output: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' };
  } finally {
    closeSync(fd);
  }
}

const POSTFIX_SERVICES = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

/**
 * Starts Postfix and Dovecot for the demo PKI's practitioners. Call `stop()` in afterAll.
 * @throws Error when a server does not start (with its log).
 */
export async function startMailServers(pki: DemoPki): Promise<MailServers> {
  const { dir, cleanup } = makeTempDir('scelle-mail-');
  chmodSync(dir, 0o755);
  const [submission, smtps, mtls, imaps, imap, lmtp, auth] = await Promise.all(Array.from({ length: 7 }, freePort));
  const ports = { submission: submission!, smtps: smtps!, mtls: mtls!, imaps: imaps!, imap: imap!, lmtp: lmtp!, auth: auth! };
  const oauth = await startOAuthServer();
  const server = issueServerCertificate(pki);
  const trustPem = formatPem('CERTIFICATE', pki.root) + formatPem('CERTIFICATE', pki.ca);
  const tls = join(dir, 'tls');
  mkdirSync(tls, { mode: 0o755 });
  writeFileSync(join(tls, 'server.pem'), server.certPem, { mode: 0o644 });
  writeFileSync(join(tls, 'server.key'), server.keyPem, { mode: 0o600 });
  writeFileSync(join(tls, 'clientca.pem'), trustPem, { mode: 0o644 });
  // Dovecot checks client certificates against the CAs followed by their CRLs (ssl_require_crl).
  writeFileSync(join(tls, 'clientca-crl.pem'), trustPem + formatPem('X509 CRL', pki.crl) + formatPem('X509 CRL', pki.rootCrl), { mode: 0o644 });

  const mail = userIds('mail');
  const users = {
    praticien: { address: 'praticien@demo.mssante.fr', password: `Pr-${randomBytes(9).toString('base64url')}-1a` },
    confrere: { address: 'confrere@demo.mssante.fr', password: `Cf-${randomBytes(9).toString('base64url')}-2b` },
  };
  const mailRoot = join(dir, 'mail');
  mkdirSync(mailRoot, { mode: 0o750 });
  chownSync(mailRoot, mail.uid, mail.gid);

  // ---------------------------------------------------------------- Dovecot
  const dv = join(dir, 'dovecot');
  mkdirSync(join(dv, 'run'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dv, 'state'), { recursive: true, mode: 0o755 });
  const usersFile = join(dv, 'users');
  writeFileSync(usersFile, Object.values(users).map((u) => `${u.address}:{PLAIN}${u.password}:${mail.uid}:${mail.gid}::${mailRoot}/${u.address.split('@')[0]}\n`).join(''), { mode: 0o640 });
  chownSync(usersFile, 0, userIds('dovecot').gid);
  // EXTERNAL: the certificate's CN (8 + RPPS) names the mailbox; nopassword because the certificate is the proof.
  const certUsersFile = join(dv, 'cert-users');
  const certUser = (who: 'praticien' | 'confrere' | 'revoque', mailbox: string): string => `8${pki[who].rpps}:::::::user=${mailbox} nopassword=y\n`;
  writeFileSync(certUsersFile, certUser('praticien', users.praticien.address) + certUser('confrere', users.confrere.address) + certUser('revoque', users.confrere.address), { mode: 0o640 });
  chownSync(certUsersFile, 0, userIds('dovecot').gid);
  const oauthConf = join(dv, 'oauth2.conf.ext');
  writeFileSync(oauthConf, `introspection_mode = post
introspection_url = ${oauth.introspectionUrl}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
`, { mode: 0o644 });
  const dovecotConf = join(dv, 'dovecot.conf');
  const dh = existsSync('/usr/share/dovecot/dh.pem') ? `ssl_dh = </usr/share/dovecot/dh.pem\n` : '';
  writeFileSync(dovecotConf, `# scelle test instance — generated
instance_name = scelle-${randomBytes(4).toString('hex')}
base_dir = ${dv}/run
state_dir = ${dv}/state
protocols = imap lmtp
listen = 127.0.0.1
log_path = ${dv}/dovecot.log
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = ${mail.uid}
first_valid_gid = ${mail.gid}
mail_location = maildir:~/Maildir
ssl = required
ssl_cert = <${tls}/server.pem
ssl_key = <${tls}/server.key
ssl_min_protocol = TLSv1.2
ssl_ca = <${tls}/clientca-crl.pem
ssl_verify_client_cert = yes
ssl_cert_username_field = commonName
auth_ssl_username_from_cert = yes
${dh}disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2 oauthbearer external
auth_failure_delay = 0
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${oauthConf}
}
passdb {
  driver = passwd-file
  mechanisms = external
  args = username_format=%u ${certUsersFile}
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u ${usersFile}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${usersFile}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${ports.imap}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${ports.imaps}
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${ports.lmtp}
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = ${ports.auth}
  }
}
protocol lmtp {
  postmaster_address = postmaster@demo.mssante.fr
}
`);
  const startDovecot = runStarter('dovecot', ['-c', dovecotConf], join(dir, 'start.log'));
  if (startDovecot.status !== 0) {
    await oauth.stop();
    cleanup();
    throw new Error(`dovecot did not start: ${startDovecot.output}`);
  }

  // ---------------------------------------------------------------- Postfix
  const pf = join(dir, 'postfix');
  const pfConf = join(pf, 'etc');
  mkdirSync(pfConf, { recursive: true, mode: 0o755 });
  mkdirSync(join(pf, 'queue'), { mode: 0o755 });
  mkdirSync(join(pf, 'data'), { mode: 0o755 });
  const postfixIds = userIds('postfix');
  chownSync(join(pf, 'data'), postfixIds.uid, postfixIds.gid);
  writeFileSync(join(pfConf, 'main.cf'), `# scelle test instance — generated
compatibility_level = 3.6
queue_directory = ${pf}/queue
data_directory = ${pf}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = localdomain
mydestination =
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = ${pf}/postfix.log
maillog_file_prefixes = ${pf}
smtp_dns_support_level = disabled
lmtp_host_lookup = native
biff = no
smtputf8_enable = no
virtual_mailbox_domains = demo.mssante.fr
virtual_transport = lmtp:inet:127.0.0.1:${ports.lmtp}
smtpd_tls_cert_file = ${tls}/server.pem
smtpd_tls_key_file = ${tls}/server.key
smtpd_tls_CAfile = ${tls}/clientca.pem
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:${ports.auth}
smtpd_relay_restrictions = permit_sasl_authenticated, permit_tls_all_clientcerts, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, permit_tls_all_clientcerts, reject
`);
  const listeners = `
127.0.0.1:${ports.submission} inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
127.0.0.1:${ports.smtps} inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
127.0.0.1:${ports.mtls} inet n - n - - smtpd
  -o syslog_name=postfix/mtls
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_ask_ccert=yes
  -o smtpd_tls_req_ccert=yes
  -o smtpd_sasl_auth_enable=no
  -o smtpd_client_restrictions=permit_tls_all_clientcerts,reject
`;
  writeFileSync(join(pfConf, 'master.cf'), listeners + POSTFIX_SERVICES);
  const startPostfix = runStarter('postfix', ['-c', pfConf, 'start'], join(dir, 'start.log'));
  const logs = (): string => {
    const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');
    return `--- postfix\n${read(join(pf, 'postfix.log'))}\n--- dovecot\n${read(join(dv, 'dovecot.log'))}`;
  };
  const stopAll = (): void => {
    runStarter('postfix', ['-c', pfConf, 'stop'], join(dir, 'start.log'));
    runStarter('doveadm', ['-c', dovecotConf, 'stop'], join(dir, 'start.log'));
  };
  if (startPostfix.status !== 0) {
    stopAll();
    const l = logs();
    if (!process.env.SCELLE_KEEP_MAIL_DIR) cleanup();
    await oauth.stop();
    throw new Error(`postfix did not start: ${startPostfix.output}\n${l}`);
  }
  await waitForPorts([ports.submission, ports.smtps, ports.mtls, ports.imaps, ports.imap, ports.lmtp, ports.auth], 15_000, logs);

  const mailbox = (user: 'praticien' | 'confrere'): Buffer[] => {
    const base = join(mailRoot, user, 'Maildir');
    const files: { path: string; name: string }[] = [];
    for (const sub of ['new', 'cur']) {
      const d = join(base, sub);
      if (!existsSync(d)) continue;
      for (const name of readdirSync(d)) files.push({ path: join(d, name), name });
    }
    // Maildir names start with the delivery time in seconds, then a per-delivery unique part.
    files.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    return files.map((f) => readFileSync(f.path));
  };
  return {
    dir, trustPem, serverCertificate: server.der, ports, users, oauth,
    mailbox,
    async waitForMail(user, count, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const got = mailbox(user);
        if (got.length >= count) return got;
        if (Date.now() > end) throw new Error(`timed out waiting for ${count} message(s) for ${user} (have ${got.length})\n${logs()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    logs,
    async stop() {
      stopAll();
      await oauth.stop();
      // Dovecot's master stops asynchronously; give it a moment before removing its folder.
      await new Promise((r) => setTimeout(r, 200));
      cleanup();
    },
  };
}

async function waitForPorts(ports: number[], timeoutMs: number, logs: () => string): Promise<void> {
  const { connect } = await import('node:net');
  const end = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (ok) break;
      if (Date.now() > end) throw new Error(`port ${port} not listening after ${timeoutMs} ms\n${logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** True when postfix and dovecot are installed (see {@link MAIL_SERVER_PEERS}). */
export function haveMailServers(): boolean {
  return MAIL_SERVER_PEERS.every((c) => which(c) !== undefined || existsSync(`/usr/sbin/${c}`));
}
