/**
 * What the `mss` subcommands share: usage errors, the mail password, the identity's chain and
 * authentication certificate, dates shown in the reader's language and time zone.
 */
import {
  ScelleError, selectCertificate,
  type Identity, type IdentityEntry, type X509Cert,
} from '../../src/index.js';
import type { Ctx } from '../context.js';
import { readSecret } from '../secrets.js';

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function usage(detail: string): ScelleError {
  return new ScelleError('USAGE', detail, { params: { detail } });
}

/** The mail account password: `--mail-pass-file`, SCELLE_MAIL_PASSWORD, or a prompt. */
export function mailPassword(ctx: Ctx, file: string | undefined): Promise<string> {
  return readSecret({ ...(file !== undefined ? { file } : {}), envVar: 'SCELLE_MAIL_PASSWORD', promptKey: 'mss.prompt.mailPassword', missingCode: 'PASSWORD_REQUIRED' }, ctx.io, ctx.t);
}

/** The CA certificates of an identity without the root (to embed in signatures and TLS chains). */
export function chainOf(identity: Identity): X509Cert[] {
  return identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued());
}

/** The identity's authentication certificate, for TLS client authentication. */
export function clientCertOf(identity: Identity | undefined): { entry: IdentityEntry; chain: X509Cert[] } {
  if (identity === undefined) throw usage('TLS client authentication needs an identity (--identity, --key/--cert) with an authentication certificate');
  return { entry: selectCertificate(identity, 'auth').entry, chain: chainOf(identity) };
}

export const emailsOf = (c: X509Cert): string[] => c.emailAddresses.map((e) => e.toLowerCase());

/**
 * A date as the reader expects it: French (« 23 novembre 2026 à 09:16:03 UTC+1 ») or English, in
 * the local time zone (TZ), with the zone written out so that a copied report stays exact.
 */
export function formatWhen(ctx: Ctx, d: Date): string {
  const locale = ctx.lang === 'fr' ? 'fr-FR' : 'en-GB';
  const tz = ctx.io.env.TZ;
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', ...(tz ? { timeZone: tz } : {}) }).format(d);
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone: 'UTC' }).format(d);
  }
}
