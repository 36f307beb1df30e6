/**
 * `scelle mss directory import FILE` and `scelle mss lookup NAME|RPPS|ADDRESS`: the MSSanté
 * directory from the Annuaire Santé's public extraction (src/mss/directory.ts). The index lives at
 * `--directory FILE`, else SCELLE_MSS_DIRECTORY, else `$XDG_DATA_HOME/scelle/annuaire-mssante.idx`
 * (`~/.local/share/scelle/…`).
 */
import { Option, type Command } from 'commander';
import { join, resolve } from 'node:path';
import { importDirectory, lookupDirectory, type DirectoryEntry } from '../../src/index.js';
import { sanitizeText } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { formatWhen, usage } from './mss-common.js';

/** Where the index is. */
export function directoryPath(ctx: Ctx, given: string | undefined): string {
  if (given !== undefined) return resolve(ctx.io.cwd, given);
  if (ctx.io.env.SCELLE_MSS_DIRECTORY) return resolve(ctx.io.cwd, ctx.io.env.SCELLE_MSS_DIRECTORY);
  const base = ctx.io.env.XDG_DATA_HOME || (ctx.io.env.HOME ? join(ctx.io.env.HOME, '.local', 'share') : undefined);
  if (base === undefined) throw usage('no place for the MSSanté directory: give --directory FILE (or SCELLE_MSS_DIRECTORY)');
  return join(base, 'scelle', 'annuaire-mssante.idx');
}

const directoryOption = (): Option => new Option('--directory <file>', 'the directory index (default: SCELLE_MSS_DIRECTORY, else ~/.local/share/scelle/annuaire-mssante.idx)');

/** One entry, for a person: who, what, where, the address. */
function entryLines(ctx: Ctx, e: DirectoryEntry): string[] {
  const safe = (s: string | undefined): string => sanitizeText(s ?? '', 200).text;
  const who = [e.civility, e.given, e.family].filter(Boolean).map(safe).join(' ') || safe(e.organization) || '—';
  const what = [e.profession, e.specialty].filter(Boolean).map(safe).join(', ');
  const id = e.idNat ? ` — ${e.idNat.startsWith('8') ? `RPPS ${e.idNat.slice(1)}` : `${ctx.t('mss.lookup.idNat')} ${e.idNat}`}` : '';
  const where = [e.organization && (e.family || e.given) ? e.organization : undefined, e.service, e.city].filter(Boolean).map(safe).join(', ');
  return [`${who}${what ? ` — ${what}` : ''}${id}`, `  ${safe(e.address)} (${ctx.t(`mss.lookup.type.${e.type}`) !== `mss.lookup.type.${e.type}` ? ctx.t(`mss.lookup.type.${e.type}`) : safe(e.type)})${where ? ` — ${where}` : ''}`];
}

export function registerMssDirectory(mss: Command): void {
  const dir = mss.command('directory').description('the MSSanté directory (Annuaire Santé public extraction)');
  dir.command('import')
    .description('import the Annuaire Santé extraction of MSSanté mailboxes (Extraction_Correspondance_MSSante: the .txt or the zip); liste-rouge mailboxes are never kept')
    .argument('<file>', 'Extraction_Correspondance_MSSante_AAAAMMJJhhmm.txt (or .zip)')
    .addOption(directoryOption())
    .action(action(async (ctx: Ctx, file: string, o: { directory?: string }) => {
      const index = directoryPath(ctx, o.directory);
      const r = await importDirectory(resolve(ctx.io.cwd, file), index);
      if (ctx.json) ctx.emitJson({ ok: true, index, ...r });
      else {
        ctx.line(ctx.t('mss.directory.imported', { n: r.entries, index, date: r.generatedAt ?? '?' }));
        if (r.listeRouge > 0) ctx.line(ctx.t('mss.directory.listeRouge', { n: r.listeRouge }));
        if (r.skipped > 0) ctx.line(ctx.t('mss.directory.skipped', { n: r.skipped, lines: r.skippedLines.join(', ') }));
      }
      return;
    }));

  mss.command('lookup')
    .description('look a practitioner or an organisation up in the MSSanté directory: by name, RPPS (11 digits) or address')
    .argument('<query...>', 'a name ("durand claire", "clinique"), an RPPS number, or an address')
    .addOption(directoryOption())
    .addOption(new Option('--type <type>', 'only mailboxes of this type').choices(['PER', 'ORG', 'APP', 'CAB']))
    .option('--limit <n>', 'at most this many results', '20')
    .action(action(async (ctx: Ctx, words: string[], o: { directory?: string; type?: string; limit: string }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw usage('--limit: a number from 1 to 10000');
      const r = await lookupDirectory(directoryPath(ctx, o.directory), words.join(' '), { limit, ...(o.type ? { types: [o.type] } : {}) });
      if (ctx.json) {
        ctx.emitJson({ ok: true, kind: r.kind, total: r.total, entries: r.entries, index: { source: r.index.source, generatedAt: r.index.generatedAt, importedAt: r.index.importedAt, entries: r.index.entries } });
        return;
      }
      if (r.total === 0) ctx.line(ctx.t('mss.lookup.none', { query: sanitizeText(words.join(' '), 200).text }));
      for (const e of r.entries) ctx.line(entryLines(ctx, e).join('\n'));
      if (r.total > r.entries.length) ctx.line(ctx.t('mss.lookup.more', { shown: r.entries.length, total: r.total }));
      ctx.log(ctx.t('mss.lookup.source', { source: r.index.source, date: formatWhen(ctx, new Date(r.index.importedAt)) }));
      return;
    }));
}
