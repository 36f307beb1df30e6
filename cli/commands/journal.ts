/**
 * `scelle journal verify|seal --archive A`: the archive's journal (NF Z42-013 lifecycle journal) —
 * every entry checked (removed, changed, reordered ones named) and every seal's time-stamp
 * validated; `seal` adds a seal now (after a night's backups, say).
 */
import type { Command } from 'commander';
import { ScelleError, recordJournalEvents, sealJournal, verifyArchive, verifyJournal, type JournalEvent, type JournalReport } from '../../src/index.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { parseAt, readCrls, readTrust } from '../options.js';
import { tsaTokenSource } from './timestamp.js';
import { actorOf, addArchiveOption, withArchive } from './archive-text.js';
import { corruptIf } from '../outcome.js';

const collect = (v: string, p: string[] = []): string[] => [...p, v];

function render(ctx: Ctx, r: JournalReport, sealsChecked: boolean): void {
  for (const p of r.problems) ctx.line(`! [${p.code}] ${ctx.t('journal.problem', { message: p.message })}`);
  ctx.line(ctx.t(r.ok ? 'journal.ok' : 'journal.broken', { entries: r.entries, seals: r.seals.filter((s) => s.check.ok).length, unsealed: r.unsealed }));
  if (!sealsChecked) ctx.log(ctx.t('journal.sealsUnchecked'));
  const unverifiable = r.seals.filter((s) => !s.check.ok && !s.check.broken);
  if (sealsChecked && unverifiable.length > 0) ctx.log(ctx.t('journal.sealsUnverifiable', { n: unverifiable.length }));
}

export function registerJournalCommands(program: Command): void {
  const journal = program.command('journal').description('the archive’s journal of operations (add, export, renew, destroy, backups): hash-chained, sealed by time-stamps');
  addArchiveOption(journal.command('verify').description('find removed, changed or reordered entries and name them; check every seal (with --trust)')
    .option('--trust <file>', 'trusted roots of the time-stamping authorities, to check the seals (repeatable)', collect, [])
    .option('--crl <file>', 'revocation lists (repeatable)', collect, [])
    .option('--online', 'fetch CRLs and OCSP answers named in the certificates')
    .option('--at <iso-8601>', 'verify as of this time'))
    .action(action(async (ctx: Ctx, opts: { archive?: string; trust: string[]; crl: string[]; online?: boolean; at?: string }) => {
      const checkSeals = opts.trust.length > 0;
      const report = await withArchive(ctx, opts.archive, async (store) => {
        if (!checkSeals) return verifyJournal(store.target, async () => ({ ok: false, broken: false, message: 'not checked (no --trust)' }));
        const at = parseAt(opts.at, ctx);
        const r = await verifyArchive(store, { trustAnchors: await readTrust(ctx, opts.trust), crls: await readCrls(ctx, opts.crl), online: opts.online === true, items: [], ...(at !== undefined ? { at } : {}) });
        return r.journal;
      });
      if (ctx.json) ctx.emitJson({ ...report, sealsChecked: checkSeals, seals: report.seals.map((s) => ({ ...s, check: { ...s.check, genTime: s.check.genTime?.toISOString() } })) });
      else render(ctx, report, checkSeals);
      return corruptIf(!report.ok);
    }));

  addArchiveOption(journal.command('seal').description('seal the journal now: a time-stamp over its last entry')
    .requiredOption('--tsa <url>', 'the time-stamping authority'))
    .action(action(async (ctx: Ctx, opts: { archive?: string; tsa: string }) => {
      const e = await withArchive(ctx, opts.archive, (store) => sealJournal(store, tsaTokenSource(opts.tsa), actorOf(ctx)));
      if (e === undefined) throw new ScelleError('USAGE', 'the journal is empty: nothing to seal', { params: { detail: 'the journal is empty: nothing to seal' } });
      if (ctx.json) ctx.emitJson({ ok: true, seal: { seq: e.seq, time: e.time, covers: e.prev } });
      else ctx.line(ctx.t('journal.sealed', { seq: e.seq, time: e.time }));
      return;
    }));
}

/** Records an event of another command (a backup run, a restore) in an archive's journal. */
export async function recordInJournal(ctx: Ctx, archive: string, event: JournalEvent): Promise<void> {
  await withArchive(ctx, archive, (store) => recordJournalEvents(store, [event], actorOf(ctx)));
  ctx.log(ctx.t('journal.recorded', { operation: event.operation, id: event.object.id.slice(0, 12) }));
}
