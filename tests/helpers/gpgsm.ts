/**
 * A throw-away gpgsm (GnuPG S/MIME) home for interop tests: its own GNUPGHOME in a temp dir, a
 * trusted root in trustlist.txt, a PKCS#12 identity imported non-interactively, detached CMS
 * signatures made and checked by gpgsm.
 *
 * Quirks handled here, found with gpgsm 2.2.40 (Debian 12):
 * - gpgsm cannot read the PBES2 (AES-256-CBC + hmacWithSHA256) bags that OpenSSL 3 and scelle write
 *   ("encryptedData error at pkcs5PBES2-params"), so {@link gpgsmImportP12} re-wraps the p12 with the
 *   legacy PBE-SHA1-3DES through two `openssl pkcs12` runs (the plaintext PEM between them lives in a 0600 file in the
 *   temp home for one command).
 * - gpgsm asks for a passphrase twice (to open the p12, then to protect the key in gpg-agent); with
 *   `--pinentry-mode loopback --passphrase-fd 0` one line on stdin serves both.
 * - gpgsm refuses certificates whose GeneralizedTime carries fractional seconds ("Invalid time"),
 *   which RFC 5280 §4.1.2.5.2 forbids anyway; scelle's certificate builder writes whole seconds.
 *
 * Passwords go through stdin or an environment variable, never argv.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { parsePem } from '../../src/crypto/pem.js';
import { runPeer } from './peers.js';
import { makeTempDir } from './tmp.js';

/** A gpgsm home made by {@link createGpgsmHome}. */
export interface GpgsmHome {
  /** The GNUPGHOME folder. */
  home: string;
  /** `process.env` plus GNUPGHOME, for child processes. */
  env: NodeJS.ProcessEnv;
  /** Kills the home's gpg-agent (and any other daemon) and deletes the folder. */
  cleanup: () => void;
}

/** What {@link gpgsmVerify} saw. */
export interface GpgsmResult {
  status: number;
  stdout: string;
  stderr: string;
}

type HomeArg = GpgsmHome | string;

const homeOf = (h: HomeArg): string => (typeof h === 'string' ? h : h.home);
const envOf = (h: HomeArg): NodeJS.ProcessEnv => ({ ...process.env, GNUPGHOME: homeOf(h) });

/** Uppercase SHA-1 fingerprint of a DER certificate, colon-separated (as trustlist.txt wants it). */
export function sha1Fingerprint(der: Uint8Array, separator = ':'): string {
  return createHash('sha1').update(der).digest('hex').toUpperCase().match(/../g)!.join(separator);
}

/** DER of the first CERTIFICATE block of a PEM file (or the file itself when it is DER). */
function certDer(path: string): Uint8Array {
  const bytes = readFileSync(path);
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN')) return new Uint8Array(bytes);
  const block = parsePem(text).find((b) => b.label === 'CERTIFICATE');
  if (block === undefined) throw new Error(`${path}: no CERTIFICATE block`);
  return block.der;
}

function gpgsm(home: HomeArg, args: string[], input?: string): GpgsmResult {
  const r = spawnSync('gpgsm', ['--homedir', homeOf(home), ...args], { env: envOf(home), input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function gpgsmOrThrow(home: HomeArg, args: string[], input?: string): GpgsmResult {
  const r = gpgsm(home, args, input);
  if (r.status !== 0) throw new Error(`gpgsm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
}

/**
 * A fresh GNUPGHOME that trusts `rootPemPath` (trustlist.txt: `<SHA-1 fingerprint> S relax`), with
 * CRL, policy and dirmngr checks off (no network in tests) and loopback pinentry allowed.
 */
export function createGpgsmHome(rootPemPath: string): GpgsmHome {
  const { dir, cleanup: removeDir } = makeTempDir('scelle-gpgsm-');
  const home = join(dir, 'gnupg');
  runPeer('mkdir', ['-m', '700', home]);
  writeFileSync(join(home, 'gpgsm.conf'), 'disable-crl-checks\ndisable-policy-checks\ndisable-dirmngr\nbatch\n');
  writeFileSync(join(home, 'gpg-agent.conf'), 'allow-loopback-pinentry\n');
  gpgsmOrThrow(home, ['--import', rootPemPath]);
  const trustlist = join(home, 'trustlist.txt');
  writeFileSync(trustlist, `${sha1Fingerprint(certDer(rootPemPath))} S relax\n`);
  chmodSync(trustlist, 0o600);
  return {
    home,
    env: envOf(home),
    cleanup: () => {
      spawnSync('gpgconf', ['--homedir', home, '--kill', 'all'], { env: envOf(home), stdio: 'ignore' });
      removeDir();
    },
  };
}

/**
 * Imports a PKCS#12 file (key, certificate, chain) into the home's keybox and gpg-agent.
 * The p12 is first re-wrapped with PBE-SHA1-3DES (see the module header for why).
 */
export function gpgsmImportP12(home: HomeArg, p12Path: string, password: string): void {
  const env = { ...process.env, SCELLE_TEST_P12_PASS: password };
  const pem = runPeer('openssl', ['pkcs12', '-in', p12Path, '-nodes', '-passin', 'env:SCELLE_TEST_P12_PASS'], { env });
  const legacy = join(homeOf(home), `${basename(p12Path)}.legacy.p12`);
  // openssl's store loader cannot read the PEM from a pipe, so it goes through a 0600 file that
  // lives only for the next command (inside the temp home).
  const plain = join(homeOf(home), `${basename(p12Path)}.pem`);
  writeFileSync(plain, pem, { mode: 0o600 });
  try {
    runPeer('openssl', [
      'pkcs12', '-export', '-in', plain, '-out', legacy, '-passout', 'env:SCELLE_TEST_P12_PASS',
      '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1',
    ], { env });
  } finally {
    rmSync(plain, { force: true });
  }
  gpgsmOrThrow(home, ['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--import', legacy], `${password}\n`);
}

/**
 * Signs `file` with a detached CMS signature (`gpgsm --sign --detach`), DER unless `armor`.
 * @param signer - `0x` + SHA-1 fingerprint of the signing certificate (see {@link sha1Fingerprint}
 *   with separator ''), or its e-mail address — but the demo practitioners' signature and encryption
 *   certificates share one address, which gpgsm rejects as "Ambiguous name": use the fingerprint.
 * @param options.password - the key's passphrase in gpg-agent (the p12 password it was imported with).
 * @returns the path of the signature (`file.p7s` unless `out` is given).
 */
export function gpgsmSignDetached(
  home: HomeArg,
  signer: string,
  file: string,
  options: { password: string; armor?: boolean; out?: string },
): string {
  const out = options.out ?? `${file}.p7s`;
  gpgsmOrThrow(home, [
    '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--sign', '--detach',
    ...(options.armor === true ? ['--armor'] : []), '--local-user', signer, '--output', out, file,
  ], `${options.password}\n`);
  return out;
}

/** `gpgsm --verify sig file`: status 0 with "Good signature" on stderr when gpgsm accepts it. */
export function gpgsmVerify(home: HomeArg, sig: string, file: string): GpgsmResult {
  return gpgsm(home, ['--verify', sig, file]);
}
