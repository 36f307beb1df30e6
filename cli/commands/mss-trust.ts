/**
 * Which roots the `mss` commands trust: `--trust FILE…`, or, with `--trust-igc-sante`, only the
 * configured IGC-Santé trust store (Référentiel socle MSSanté #2, ECO.1.1.10: IGC-Santé is the only
 * certification authority an MSSanté client accepts). The store is a folder of PEM/DER certificates
 * or a PEM bundle, found by `--igc-sante-store PATH`, else SCELLE_IGC_SANTE_STORE, else
 * `$XDG_CONFIG_HOME/scelle/igc-sante` (`~/.config/scelle/igc-sante`). With the store, a server or a
 * signer outside it is refused with NOT_IGC_SANTE.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { X509Cert } from '../../src/index.js';
import type { Ctx } from '../context.js';
import { readTrust } from '../options.js';
import { usage } from './mss-common.js';

/** The trust options of an `mss` command. */
export interface TrustCliOptions {
  trust: string[];
  trustIgcSante?: boolean;
  igcSanteStore?: string;
}

/** What the command trusts. */
export interface MssTrust {
  anchors: X509Cert[];
  /** Set when the anchors are the IGC-Santé store. */
  scope?: 'igc-sante';
  /** Where the anchors came from (for messages). */
  source: string;
}

/** `--trust-igc-sante`, `--igc-sante-store`. */
export function addIgcSanteOptions(cmd: Command): Command {
  return cmd
    .option('--trust-igc-sante', 'trust only the IGC-Santé trust store for servers and signatures (a certificate outside it is refused: NOT_IGC_SANTE)')
    .option('--igc-sante-store <path>', 'the IGC-Santé trust store: a folder of certificates or a PEM bundle (default: SCELLE_IGC_SANTE_STORE, else ~/.config/scelle/igc-sante)');
}

function storePath(ctx: Ctx, o: TrustCliOptions): string | undefined {
  if (o.igcSanteStore !== undefined) return resolve(ctx.io.cwd, o.igcSanteStore);
  if (ctx.io.env.SCELLE_IGC_SANTE_STORE) return resolve(ctx.io.cwd, ctx.io.env.SCELLE_IGC_SANTE_STORE);
  const base = ctx.io.env.XDG_CONFIG_HOME || (ctx.io.env.HOME ? join(ctx.io.env.HOME, '.config') : undefined);
  return base === undefined ? undefined : join(base, 'scelle', 'igc-sante');
}

/**
 * Reads what the command trusts.
 * @throws ScelleError USAGE (both --trust and --trust-igc-sante, no store configured, an empty store).
 */
export async function readMssTrust(ctx: Ctx, o: TrustCliOptions): Promise<MssTrust> {
  if (!o.trustIgcSante) {
    if (o.igcSanteStore !== undefined) throw usage('--igc-sante-store goes with --trust-igc-sante');
    return { anchors: await readTrust(ctx, o.trust), source: o.trust.join(', ') };
  }
  if (o.trust.length > 0) throw usage('--trust-igc-sante trusts the IGC-Santé store only: leave out --trust');
  const path = storePath(ctx, o);
  if (path === undefined || !existsSync(path)) {
    throw usage(`--trust-igc-sante: no IGC-Santé trust store at ${path ?? '(no HOME)'}: put the IGC-Santé root certificates (from igc-sante.esante.gouv.fr) there, or give --igc-sante-store PATH or SCELLE_IGC_SANTE_STORE`);
  }
  const anchors = await readTrust(ctx, [path]);
  if (anchors.length === 0) throw usage(`--trust-igc-sante: the IGC-Santé trust store ${path} holds no certificate`);
  return { anchors, scope: 'igc-sante', source: path };
}
