/**
 * `scelle archive retention [list|set|hold|release]` and `scelle archive destroy`: what retention
 * makes due (French rules: 20 years after the last care, a minor's 28th birthday, 10 years after a
 * death, 3 months for care-sheet duplicates), rules set on items, legal holds, and destruction of
 * what is due with a signed, time-stamped certificate.
 */
import type { Command } from 'commander';
import {
  ScelleError, destroyDue, liftHold, placeHold, retentionReport, selectCertificate, setRetention, type RetentionRow,
} from '../../src/index.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, hasIdentity, openIdentity, parseAt, type IdentityOptions } from '../options.js';
import { tsaTokenSource } from './timestamp.js';
import { actorOf, addArchiveOption, addRuleOptions, dayText, ruleOf, ruleText, withArchive, type RuleOptions } from './archive-text.js';

function rowJson(r: RetentionRow): Record<string, unknown> {
  return { id: r.id, batch: r.batch, name: r.name, rule: r.rule, status: r.state.status, dueAt: r.state.dueAt?.toISOString(), explanation: r.state.explanation, holds: r.state.holds };
}

function renderRows(ctx: Ctx, rows: readonly RetentionRow[]): void {
  for (const r of rows) {
    const when = r.state.dueAt !== undefined ? dayText(ctx, r.state.dueAt) : '-';
    ctx.line(`${r.id}${r.name !== undefined ? ` (${r.name})` : ''}: ${ctx.t(`retention.status.${r.state.status}`, { date: when })} — ${ruleText(ctx, r.rule)}${r.state.holds.length > 0 ? ` — ${ctx.t('retention.holds', { holds: r.state.holds.join(', ') })}` : ''}`);
  }
}

export function registerArchiveRetention(archive: Command): void {
  const retention = archive.command('retention').description('what retention makes due (list), rules on items (set), legal holds (hold, release)');
  addArchiveOption(retention.command('list', { isDefault: true }).description('items due for destruction (--all: every item with its date)')
    .option('--all', 'every item, not only those due')
    .option('--at <iso-8601>', 'as of this date'))
    .action(action(async (ctx: Ctx, opts: { archive?: string; all?: boolean; at?: string }) => {
      const now = parseAt(opts.at, ctx) ?? new Date();
      const rows = await withArchive(ctx, opts.archive, (store) => retentionReport(store, now, opts.all !== true));
      if (ctx.json) ctx.emitJson({ ok: true, at: now.toISOString(), due: rows.filter((r) => r.state.status === 'due').length, items: rows.map(rowJson) });
      else {
        renderRows(ctx, rows);
        ctx.line(ctx.t('retention.summary', { due: rows.filter((r) => r.state.status === 'due').length, date: dayText(ctx, now) }));
      }
      return;
    }));

  addRuleOptions(addArchiveOption(retention.command('set').description('set the retention rule of items').argument('<item...>', 'item ids or file names')))
    .action(action(async (ctx: Ctx, refs: string[], opts: RuleOptions & { archive?: string }) => {
      const rule = ruleOf(opts);
      if (rule === undefined) throw new ScelleError('USAGE', 'give the rule: --retention medical|fse|appointment|until|none', { params: { detail: 'give the rule: --retention …' } });
      const ids = await withArchive(ctx, opts.archive, (store) => setRetention(store, refs, rule, actorOf(ctx)));
      if (ctx.json) ctx.emitJson({ ok: true, items: ids, rule });
      else ctx.line(ctx.t('retention.set', { n: ids.length, rule: ruleText(ctx, rule) }));
      return;
    }));

  addArchiveOption(retention.command('hold').description('place a legal hold (litigation): nothing it covers may be destroyed while it lasts')
    .argument('[item...]', 'items (default: the whole archive)')
    .requiredOption('--reason <text>', 'the litigation it is for')
    .option('--since <date>', 'start (YYYY-MM-DD, default today)'))
    .action(action(async (ctx: Ctx, refs: string[], opts: { archive?: string; reason: string; since?: string }) => {
      const h = await withArchive(ctx, opts.archive, (store) => placeHold(store, { reason: opts.reason, ...(opts.since !== undefined ? { since: opts.since } : {}), ...(refs.length > 0 ? { items: refs } : {}) }, actorOf(ctx)));
      if (ctx.json) ctx.emitJson({ ok: true, hold: h });
      else ctx.line(ctx.t('retention.held', { id: h.id, scope: h.items === undefined ? ctx.t('retention.all') : h.items.join(', ') }));
      return;
    }));

  addArchiveOption(retention.command('release').description('lift a legal hold: the time it lasted is added to the delays it suspended')
    .argument('<hold>', 'the hold id (hold-…)')
    .option('--until <date>', 'end (YYYY-MM-DD, default today)'))
    .action(action(async (ctx: Ctx, id: string, opts: { archive?: string; until?: string }) => {
      const h = await withArchive(ctx, opts.archive, (store) => liftHold(store, id, actorOf(ctx), opts.until));
      if (ctx.json) ctx.emitJson({ ok: true, hold: h });
      else ctx.line(ctx.t('retention.released', { id: h.id, until: h.until ?? '' }));
      return;
    }));

  addIdentityOptions(addArchiveOption(archive.command('destroy')
    .description('delete what retention makes due and no legal hold keeps; a destruction certificate, signed and time-stamped, goes to the archive and the journal')
    .argument('[item...]', 'only these items (each must be due); default every due item')
    .option('--dry-run', 'list what would be destroyed; change nothing')
    .option('--tsa <url>', 'time-stamping authority for the certificate')
    .option('--reason <text>', 'reason written in the certificate')))
    .action(action(async (ctx: Ctx, refs: string[], opts: IdentityOptions & { archive?: string; dryRun?: boolean; tsa?: string; reason?: string }) => {
      const dry = opts.dryRun === true;
      if (!dry && (!hasIdentity(opts) || opts.tsa === undefined)) throw new ScelleError('USAGE', 'destroy needs your identity (to sign the destruction certificate) and --tsa, or --dry-run', { params: { detail: 'destroy needs an identity and --tsa, or --dry-run' } });
      const identity = dry ? undefined : await openIdentity(ctx, opts);
      try {
        const signer = identity !== undefined ? selectCertificate(identity, 'sign').entry : undefined;
        const chain = identity?.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) ?? [];
        const r = await withArchive(ctx, opts.archive, (store) => destroyDue(store, {
          actor: actorOf(ctx), dryRun: dry, chain, ...(refs.length > 0 ? { items: refs } : {}), ...(signer !== undefined ? { signer } : {}),
          ...(opts.tsa !== undefined ? { getToken: tsaTokenSource(opts.tsa) } : {}), ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        }));
        if (ctx.json) ctx.emitJson({ ok: true, ...r });
        else {
          for (const it of r.items) ctx.line(ctx.t(dry ? 'destroy.would' : 'destroy.done', { id: it.id, due: dayText(ctx, new Date(it.dueAt)) }));
          ctx.line(r.certificate !== undefined ? ctx.t('destroy.certificate', { n: r.items.length, id: r.certificate.id }) : ctx.t(dry ? 'destroy.dry' : 'destroy.nothing', { n: r.items.length }));
        }
        return;
      } finally {
        identity?.close();
      }
    }));
}
