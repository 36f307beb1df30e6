/**
 * Trust stores and identities: can they be read, and when do their certificates expire. A PKCS#12
 * identity is opened with its password when one is given (--pass-file or SCELLE_PASSWORD: doctor
 * never prompts); without it, the certificates it keeps in clear are read (not authenticated), and
 * when it keeps them encrypted, doctor says it needs the password.
 */
import { resolve } from 'node:path';
import { isScelleError, loadPkcs12Identity, parseCertificates, X509Cert } from '../../src/index.js';
import { readPkcs12Certificates, readInputFile, readPkcs12ClearCertificates } from '../../src/internal.js';
import type { Ctx } from '../context.js';
import { readTrust } from '../options.js';
import { readSecret } from '../secrets.js';
import { certificateDates, errorOf, found, type DoctorCheck } from './check.js';

/** A file as the user named it, and where it is. */
export interface NamedFile {
  shown: string;
  path: string;
}

/** Certificate checks of each trust store (file or folder). */
export async function checkTrustStores(ctx: Ctx, stores: NamedFile[], now: Date, warnDays: number): Promise<DoctorCheck[]> {
  if (stores.length === 0) return [found('trust', 'skipped', 'doctor.trust.none', { fixKey: 'doctor.trust.noneFix' })];
  const out: DoctorCheck[] = [];
  for (const { shown: file, path } of stores) {
    let certs: X509Cert[];
    try {
      certs = await readTrust(ctx, [path]);
    } catch (e) {
      out.push(found('trust', 'error', 'doctor.trust.unreadable', { params: { file }, error: errorOf(e), fixKey: 'doctor.trust.unreadableFix' }));
      continue;
    }
    if (certs.length === 0) out.push(found('trust', 'error', 'doctor.trust.empty', { params: { file }, fixKey: 'doctor.trust.emptyFix' }));
    for (const c of certs) out.push(certificateDates('trust', file, c, now, warnDays));
  }
  return out;
}

/** The password of the identities, from --pass-file or SCELLE_PASSWORD; undefined when neither. */
async function identityPassword(ctx: Ctx, passFile: string | undefined): Promise<string | undefined> {
  if (passFile === undefined && ctx.io.env.SCELLE_PASSWORD === undefined) return undefined;
  return readSecret({ ...(passFile !== undefined ? { file: passFile } : {}), envVar: 'SCELLE_PASSWORD', promptKey: 'prompt.password', missingCode: 'PASSWORD_REQUIRED' }, ctx.io, ctx.t);
}

/** Certificate checks of each PKCS#12 identity. */
export async function checkIdentities(ctx: Ctx, files: string[], passFile: string | undefined, now: Date, warnDays: number): Promise<DoctorCheck[]> {
  if (files.length === 0) return [found('identity', 'skipped', 'doctor.identity.none', { fixKey: 'doctor.identity.noneFix' })];
  let password: string | undefined;
  try {
    password = await identityPassword(ctx, passFile);
  } catch (e) {
    return [found('identity', 'error', 'doctor.identity.unreadable', { params: { file: passFile ?? 'SCELLE_PASSWORD' }, error: errorOf(e) })];
  }
  const out: DoctorCheck[] = [];
  for (const file of files) out.push(...(await checkIdentity(ctx, file, password, now, warnDays)));
  return out;
}

async function checkIdentity(ctx: Ctx, file: string, password: string | undefined, now: Date, warnDays: number): Promise<DoctorCheck[]> {
  const unreadable = (e: unknown): DoctorCheck[] => [found('identity', 'error', 'doctor.identity.unreadable', { params: { file }, error: errorOf(e) })];
  let der: Uint8Array;
  try {
    der = await readInputFile(resolve(ctx.io.cwd, file));
  } catch (e) {
    return unreadable(e);
  }
  if (password !== undefined) {
    try {
      const id = loadPkcs12Identity(der, password, { name: file });
      const certs = id.certificates;
      id.close();
      return certs.map((c) => certificateDates('identity', file, c, now, warnDays));
    } catch (e) {
      if (isScelleError(e, 'NO_PRIVATE_KEY')) return [found('identity', 'error', 'doctor.identity.noKey', { params: { file }, fixKey: 'doctor.identity.noKeyFix' })];
      return unreadable(e);
    }
  }
  try {
    // A file protected by an empty password (or none) opens, and is authenticated, without asking.
    return readPkcs12Certificates(der, '', { name: file }).map((c) => certificateDates('identity', file, c.certificate, now, warnDays));
  } catch (e) {
    if (!isScelleError(e, 'WRONG_PASSWORD')) return unreadable(e);
  }
  try {
    const clear = readPkcs12ClearCertificates(der);
    const out = clear.certificates.map((c) => certificateDates('identity', file, X509Cert.fromDer(c.der), now, warnDays, true));
    if (clear.encryptedParts > 0) out.push(found('identity', 'warning', 'doctor.identity.needsPassword', { params: { file }, fixKey: 'doctor.identity.needsPasswordFix' }));
    return out;
  } catch (e) {
    return unreadable(e);
  }
}

/** The certificate file of a key + certificate identity (a backup config's `cle`/`certificat`). */
export async function checkCertificateFile(ctx: Ctx, file: string, now: Date, warnDays: number): Promise<DoctorCheck[]> {
  try {
    const certs = parseCertificates(await readInputFile(resolve(ctx.io.cwd, file)));
    return certs.map((c) => certificateDates('identity', file, c, now, warnDays));
  } catch (e) {
    return [found('identity', 'error', 'doctor.identity.unreadable', { params: { file }, error: errorOf(e) })];
  }
}
