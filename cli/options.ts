/** Options shared by several commands: identity, secrets, trust. */
import { Command, Option } from 'commander';
import { basename, resolve } from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import {
  ScelleError, loadPkcs12Identity, loadKeyAndCertIdentity, openPkcs11Identity, parseCertificateBundle, parseCrls,
  checkPassword, type Identity, type X509Cert, type Crl,
} from '../src/index.js';
import { readInputFile } from '../src/internal.js';
import type { Ctx } from './context.js';
import { readSecret, readNewSecret } from './secrets.js';
import { parseUserDate } from './dates.js';

export interface IdentityOptions {
  identity?: string;
  key?: string;
  cert?: string;
  pkcs11?: string;
  token?: string;
  keyLabel?: string;
  passFile?: string;
  pinFile?: string;
  /** `--identity-pass-file`, on commands that have a password of their own. */
  identityPassFile?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `--identity FILE.p12 | --key FILE --cert FILE | --pkcs11 MODULE [--token L] [--key-label L]` + secrets. */
export function addIdentityOptions(cmd: Command): Command {
  return cmd
    .option('--identity <file.p12>', 'PKCS#12 identity (password from --pass-file, SCELLE_PASSWORD or a prompt)')
    .option('--key <file>', 'private key file (PEM or DER, PKCS#8; with --cert)')
    .option('--cert <file>', 'certificate file for --key (may carry the chain)')
    .option('--pkcs11 <module.so>', 'PKCS#11 module of a card or token (PIN from --pin-file, SCELLE_PIN or a prompt)')
    .option('--token <label>', 'token label (with --pkcs11)')
    .option('--key-label <label>', 'key label on the token (with --pkcs11)')
    .option('--pass-file <file>', 'read the password from this file')
    .option('--pin-file <file>', 'read the card PIN from this file');
}

/** `--trust`, `--crl`, `--at`. */
export function addTrustOptions(cmd: Command): Command {
  return cmd
    .option('--trust <file>', 'trusted root certificates, PEM bundle or folder (repeatable)', collect, [])
    .option('--crl <file>', 'certificate revocation list, PEM or DER (repeatable)', collect, [])
    .option('--at <iso-8601>', 'validate as of this time instead of now');
}

export function addSecretOptions(cmd: Command): Command {
  return cmd.option('--pass-file <file>', 'read the password from this file');
}

/** What a prompt asks for: a catalog key and its values (`{ name: 'praticien.p12' }`). */
export interface PromptText {
  key: string;
  params?: Readonly<Record<string, string>>;
}

/** The prompt naming a file: `Mot de passe de praticien.p12 : `. */
export const passwordOf = (file: string): PromptText => ({ key: 'prompt.passwordOf', params: { name: basename(file) } });

export function passwordReader(ctx: Ctx, passFile: string | undefined, prompt: PromptText = { key: 'prompt.password' }): () => Promise<string> {
  return () => readSecret({
    ...(passFile !== undefined ? { file: passFile } : {}), envVar: 'SCELLE_PASSWORD', promptKey: prompt.key, ...(prompt.params ? { promptParams: prompt.params } : {}), missingCode: 'PASSWORD_REQUIRED',
  }, ctx.io, ctx.t);
}

/**
 * Reads a password that will protect new data: on a terminal it must pass the CNIL policy before
 * it is typed a second time (a weak one is refused with its reasons and asked again).
 */
export function newPasswordReader(ctx: Ctx, passFile: string | undefined, prompt: PromptText = { key: 'prompt.newPassword' }): () => Promise<string> {
  const check = (candidate: string): string[] => {
    const v = checkPassword(candidate);
    return v.ok ? [] : v.reasons.map((r) => ctx.t(`password.reason.${r}`));
  };
  return () => readNewSecret({
    ...(passFile !== undefined ? { file: passFile } : {}), envVar: 'SCELLE_PASSWORD', promptKey: prompt.key, ...(prompt.params ? { promptParams: prompt.params } : {}),
    confirmKey: 'prompt.confirmPassword', missingCode: 'PASSWORD_REQUIRED', check,
  }, ctx.io, ctx.t);
}

export function pinReader(ctx: Ctx, pinFile: string | undefined, token?: string): () => Promise<string> {
  return () => readSecret({
    ...(pinFile !== undefined ? { file: pinFile } : {}), envVar: 'SCELLE_PIN', missingCode: 'PIN_REQUIRED',
    ...(token !== undefined ? { promptKey: 'prompt.pinOf', promptParams: { name: token } } : { promptKey: 'prompt.pin' }),
  }, ctx.io, ctx.t);
}

/** True when the identity options name an identity. */
export function hasIdentity(o: IdentityOptions): boolean {
  return o.identity !== undefined || o.key !== undefined || o.pkcs11 !== undefined;
}

/**
 * Where the identity's password comes from when the command has another password of its own
 * (an export's archive password, a mail account): `--identity-pass-file` or
 * `SCELLE_IDENTITY_PASSWORD`, else a prompt that names the identity.
 */
export interface IdentitySecret {
  separate?: boolean;
}

/** The option of commands whose own password is `--pass-file`. */
export function addIdentityPassOption(cmd: Command): Command {
  return cmd.option('--identity-pass-file <file>', 'read the identity’s password from this file (env SCELLE_IDENTITY_PASSWORD)');
}

/** The identity's password, asked as `Mot de passe de praticien.p12 : ` (or of the key file). */
function identityPasswordReader(ctx: Ctx, o: IdentityOptions & { identityPassFile?: string }, secret: IdentitySecret, file: string): () => Promise<string> {
  const prompt = passwordOf(file);
  if (!secret.separate) return passwordReader(ctx, o.passFile, prompt);
  return () => readSecret({
    ...(o.identityPassFile !== undefined ? { file: o.identityPassFile } : {}), envVar: 'SCELLE_IDENTITY_PASSWORD', promptKey: prompt.key, promptParams: prompt.params!, missingCode: 'PASSWORD_REQUIRED',
  }, ctx.io, ctx.t);
}

/**
 * Opens the identity named by the options. Exactly one of --identity, --key/--cert, --pkcs11.
 * @throws ScelleError `USAGE` on a bad combination.
 */
export async function openIdentity(ctx: Ctx, o: IdentityOptions, secret: IdentitySecret = {}): Promise<Identity> {
  const given = [o.identity, o.key, o.pkcs11].filter((v) => v !== undefined).length;
  if (given !== 1) throw new ScelleError('USAGE', 'give exactly one identity: --identity FILE.p12, --key FILE --cert FILE, or --pkcs11 MODULE', { params: { detail: 'give exactly one identity: --identity FILE.p12, --key FILE --cert FILE, or --pkcs11 MODULE' } });
  if (o.identity !== undefined) {
    const der = await readInputFile(resolve(ctx.io.cwd, o.identity));
    const password = await identityPasswordReader(ctx, o, secret, o.identity)();
    return loadPkcs12Identity(der, password, { name: o.identity });
  }
  if (o.key !== undefined) {
    if (o.cert === undefined) throw new ScelleError('USAGE', '--key needs --cert', { params: { detail: '--key needs --cert' } });
    return loadKeyAndCertIdentity(await readInputFile(resolve(ctx.io.cwd, o.key)), await readInputFile(resolve(ctx.io.cwd, o.cert)), {
      keyName: o.key, certName: o.cert, password: identityPasswordReader(ctx, o, secret, o.key),
    });
  }
  const pin = await pinReader(ctx, o.pinFile, o.token)();
  return openPkcs11Identity({ module: o.pkcs11!, ...(o.token ? { tokenLabel: o.token } : {}), ...(o.keyLabel ? { keyLabel: o.keyLabel } : {}), pin });
}

/** Reads trust anchors from files or folders (every *.pem, *.crt, *.cer, *.der, *.p7b inside): PEM, DER or PKCS#7 bundles. */
export async function readTrust(ctx: Ctx, paths: string[]): Promise<X509Cert[]> {
  const out: X509Cert[] = [];
  for (const p of paths) {
    const full = resolve(ctx.io.cwd, p);
    let files = [full];
    try {
      if ((await stat(full)).isDirectory()) {
        files = (await readdir(full)).filter((f) => /\.(pem|crt|cer|der|p7b|p7c)$/i.test(f)).sort().map((f) => resolve(full, f));
      }
    } catch {
      // readInputFile reports the missing file
    }
    for (const f of files) out.push(...parseCertificateBundle(await readInputFile(f), f));
  }
  return out;
}

export async function readCrls(ctx: Ctx, paths: string[]): Promise<Crl[]> {
  const out: Crl[] = [];
  for (const p of paths) out.push(...parseCrls(await readInputFile(resolve(ctx.io.cwd, p))));
  return out;
}

/** Parses `--at` (ISO-8601; local time when no zone is given). @throws ScelleError DATE_INVALID. */
export function parseAt(at: string | undefined, ctx: Pick<Ctx, 'lang' | 'io'>): Date | undefined {
  return parseUserDate(at, '--at', ctx.lang, ctx.io.env);
}

export const purposeOption = (): Option => new Option('--purpose <purpose>', 'what the certificate must be fit for').choices(['sign', 'encrypt', 'tsa', 'tls', 'any']);
