/**
 * `scelle sign --level B|T|LT|LTA`: the CAdES level of new signatures (ETSI EN 319 122-1 §6). B is
 * the signature alone; T adds a signature time-stamp (`--tsa`, as before); LT and LTA extend each
 * signature right after it is made, as `scelle extend` does — validation data embedded (from
 * `--crl` files or `--online`), and for LTA an archive time-stamp. A signature that cannot be
 * extended keeps its lower level and is reported as failed.
 */
import { resolve } from 'node:path';
import { ScelleError, extendSignatureFile, isScelleError, readFileChunks, type SignFileOutcome } from '../../src/index.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { readCrls, readTrust } from '../options.js';
import { tsaTokenSource } from './timestamp.js';

/** The options `--level` brings to `sign`. */
export interface LevelOptions {
  level?: 'B' | 'T' | 'LT' | 'LTA';
  tsa?: string;
  trust?: string[];
  crl?: string[];
  online?: boolean;
}

/**
 * `--level` as typed (B, T, LT, LTA; also B-B, B-T, B-LT, B-LTA as PAdES names them), upper case.
 * @throws ScelleError USAGE for anything else.
 */
export function normalizeLevel(level: string | undefined): LevelOptions['level'] {
  if (level === undefined) return undefined;
  const l = level.toUpperCase().replace(/^(CADES-|PADES-)/, '').replace(/^B-(?=LTA$|LT$|T$|B$)/, '');
  const map: Record<string, 'B' | 'T' | 'LT' | 'LTA'> = { B: 'B', T: 'T', LT: 'LT', LTA: 'LTA' };
  const out = map[l];
  if (out === undefined) {
    const detail = `--level must be B, T, LT or LTA, not "${level}"`;
    throw new ScelleError('USAGE', detail, { params: { detail } });
  }
  return out;
}

/**
 * The level asked for, checked against the other options.
 * @throws ScelleError USAGE (T/LT/LTA without --tsa, LT/LTA without --trust, B with --tsa).
 */
export function checkLevel(o: LevelOptions): 'B' | 'T' | 'LT' | 'LTA' {
  const level = o.level ?? (o.tsa !== undefined ? 'T' : 'B');
  const usage = (detail: string): ScelleError => new ScelleError('USAGE', detail, { params: { detail } });
  if (level === 'B' && o.tsa !== undefined) throw usage('--level B makes a signature without time-stamp: drop --tsa, or ask for --level T');
  if (level !== 'B' && o.tsa === undefined) throw usage(`--level ${level} needs a time-stamping authority: --tsa URL`);
  if ((level === 'LT' || level === 'LTA') && (o.trust ?? []).length === 0) throw usage(`--level ${level} needs --trust (the signature is validated before its validation data is embedded)`);
  return level;
}

/** Extends each signed file to LT or LTA; a file that cannot be extended is reported and counted as failed. */
export async function applyLevel(ctx: Ctx, outcomes: SignFileOutcome[], o: LevelOptions, level: 'LT' | 'LTA'): Promise<SignFileOutcome[]> {
  const trustAnchors = await readTrust(ctx, o.trust ?? []);
  const crls = await readCrls(ctx, o.crl ?? []);
  const getToken = tsaTokenSource(o.tsa!);
  const out: SignFileOutcome[] = [];
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      out.push(outcome);
      continue;
    }
    try {
      const content = resolve(ctx.io.cwd, outcome.path);
      const r = await extendSignatureFile(outcome.result.outPath, { level, trustAnchors, crls, online: o.online === true, getToken, content: () => readFileChunks(content) });
      if (!ctx.json && !ctx.quiet) ctx.line(ctx.t('extend.ok', { file: outcome.result.outPath, level: `CAdES-${r.level}` }));
      out.push(outcome);
    } catch (e) {
      if (!isScelleError(e)) throw e;
      if (!ctx.json) ctx.line(ctx.t('extend.fail', { file: outcome.result.outPath, message: `[${e.code}] ${localizedMessage(e, ctx.lang)}` }));
      out.push({ path: outcome.path, ok: false, error: e });
    }
  }
  return out;
}
