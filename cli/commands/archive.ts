/**
 * `scelle archive init|add|renew|status|export` — the practice archive (RFC 4998 evidence records
 * over a folder or any backup destination). `verify` is in archive-verify.ts; `retention` and
 * `destroy` in archive-retention.ts.
 */
import { Command, Option } from 'commander';
import { basename, resolve } from 'node:path';
import {
  ScelleError, addToArchive, archiveStatus, createArchive, exportItems, openDestination, renewArchive,
  type ArchiveStatusReport, type GatherOptions,
} from '../../src/index.js';
import { parseDestinationUrl, MAX_DOCUMENT, readInputFile } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { parseAt, readCrls, readTrust } from '../options.js';
import { formatDate } from '../dates.js';
import { tsaTokenSource } from './timestamp.js';
import { actorOf, addArchiveOption, addRuleOptions, archiveUrl, dayText, limitText, ruleOf, withArchive, type RuleOptions } from './archive-text.js';
import { registerArchiveVerify } from './archive-verify.js';
import { registerArchiveRetention } from './archive-retention.js';
import { failedIf } from '../outcome.js';

const collect = (v: string, p: string[] = []): string[] => [...p, v];

interface TrustCli {
  trust: string[];
  crl: string[];
  online?: boolean;
}

/** `--trust/--crl/--online`: where validation data of the time-stamps comes from. */
export function addValidationOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--trust <file>', `trusted roots of the TSAs: ${what} (repeatable)`, collect, [])
    .option('--crl <file>', 'revocation lists (repeatable)', collect, [])
    .option('--online', 'fetch CRLs and OCSP answers named in the certificates');
}

/** The validation sources, or undefined when no trust anchor was given. */
export async function validationOf(ctx: Ctx, o: TrustCli): Promise<GatherOptions | undefined> {
  if (o.trust.length === 0) return undefined;
  return { trustAnchors: await readTrust(ctx, o.trust), crls: await readCrls(ctx, o.crl), online: o.online === true };
}

export function registerArchiveCommands(program: Command): void {
  const archive = program.command('archive').description('the practice archive: documents kept with RFC 4998 evidence records (one time-stamp per batch), renewed before their proofs expire, exported with their records, destroyed when retention allows, every operation journaled');
  addArchiveOption(archive.command('init').description('create an archive in a folder or on a backup destination'))
    .option('--accept-plaintext', 'allow a network or cloud destination: the archive stores documents unencrypted (back it up with scelle backup instead)')
    .action(action(async (ctx: Ctx, opts: { archive?: string; acceptPlaintext?: boolean }) => {
      const url = archiveUrl(ctx, opts.archive);
      const parsed = parseDestinationUrl(url);
      if ((parsed.media === 'network' || parsed.media === 'cloud') && opts.acceptPlaintext !== true) {
        throw new ScelleError('USAGE', `${parsed.url} is a ${parsed.media} destination: the archive keeps documents unencrypted; keep it in the practice and back it up with scelle backup, or confirm with --accept-plaintext`, { params: { detail: 'a network or cloud archive needs --accept-plaintext' } });
      }
      const target = await openDestination(url, { env: ctx.io.env });
      try {
        // init is the one command that makes the folder (or bucket); later ones say when it is missing
        await target.create();
        const store = await createArchive(target, actorOf(ctx));
        if (ctx.json) ctx.emitJson({ ok: true, archive: { id: store.descriptor.id, url: target.info.url, createdAt: store.descriptor.createdAt } });
        else ctx.line(ctx.t('archive.created', { url: target.info.url, id: store.descriptor.id }));
      } finally {
        await target.close();
      }
    }));

  addValidationOptions(addRuleOptions(addArchiveOption(archive.command('add')
    .description('archive documents as one batch under one time-stamp (one TSA request however many files)')
    .argument('<file...>', 'letters, scans, signed files…')
    .requiredOption('--tsa <url>', 'the time-stamping authority')
    .addOption(new Option('--hash <alg>', 'hash of the tree').choices(['sha256', 'sha384', 'sha512']).default('sha256')))), 'their validation data is kept with the batch')
    .action(action(async (ctx: Ctx, files: string[], opts: RuleOptions & TrustCli & { archive?: string; tsa: string; hash: 'sha256' | 'sha384' | 'sha512' }) => {
      const rule = ruleOf(opts);
      const validation = await validationOf(ctx, opts);
      const inputs = files.map((f) => ({ name: basename(f), read: async () => readInputFile(resolve(ctx.io.cwd, f), MAX_DOCUMENT) }));
      const r = await withArchive(ctx, opts.archive, (store) => addToArchive(store, inputs, {
        getToken: tsaTokenSource(opts.tsa), actor: actorOf(ctx), hash: opts.hash, ...(rule !== undefined ? { retention: rule } : {}), ...(validation !== undefined ? { validation } : {}),
      }));
      if (ctx.json) {
        ctx.emitJson({ ok: true, batch: r.batch, genTime: r.genTime.toISOString(), tsa: r.tsa, requests: r.requests, validationData: r.validationData, ...(r.validationProblem !== undefined ? { validationProblem: r.validationProblem } : {}), items: r.items });
        return;
      }
      if (!ctx.quiet) for (const it of r.items) ctx.line(ctx.t('archive.added', { id: it.id, name: it.name }));
      ctx.line(ctx.t('archive.batch', { batch: r.batch, n: r.items.length, time: dayText(ctx, r.genTime) }));
      if (validation === undefined) ctx.log(ctx.t('archive.noValidation'));
      else if (r.validationProblem !== undefined) ctx.log(ctx.t('archive.validationProblem', { detail: r.validationProblem }));
      return;
    }));

  addValidationOptions(addArchiveOption(archive.command('renew')
    .description('renew the proofs that reach their limit (TSA certificate expiry, algorithm deadlines) and keep every time-stamp’s validation data')
    .requiredOption('--tsa <url>', 'the time-stamping authority (one whose certificate lasts)')
    .option('--force', 'renew every batch now')
    .addOption(new Option('--hash <alg>', 'renew the hash trees to this algorithm (hash-tree renewal)').choices(['sha256', 'sha384', 'sha512']))
    .option('--horizon <days>', 'renew what reaches its limit within this many days', '365')), 'the validation data of each time-stamp is gathered and kept')
    .action(action(async (ctx: Ctx, opts: TrustCli & { archive?: string; tsa: string; force?: boolean; hash?: 'sha256' | 'sha384' | 'sha512'; horizon: string }) => {
      const validation = await validationOf(ctx, opts);
      const r = await withArchive(ctx, opts.archive, (store) => renewArchive(store, {
        getToken: tsaTokenSource(opts.tsa), actor: actorOf(ctx), horizonDays: Number(opts.horizon) || 365,
        ...(opts.force === true ? { force: true } : {}), ...(opts.hash !== undefined ? { hash: opts.hash } : {}), ...(validation !== undefined ? { validation } : {}),
      }));
      if (ctx.json) {
        ctx.emitJson({ ok: true, requests: r.requests, batches: r.batches.map((b) => ({ ...b, ...(b.limit !== undefined ? { limit: { ...b.limit, until: b.limit.until.toISOString() } } : {}), ...(b.genTime !== undefined ? { genTime: b.genTime.toISOString() } : {}) })) });
        return;
      }
      for (const b of r.batches) {
        const limit = b.limit !== undefined ? limitText(ctx, b.limit) : '';
        ctx.line(ctx.t(`archive.renew.${b.action}`, { batch: b.batch, limit }));
        if (b.unchecked > 0) ctx.log(ctx.t('archive.renew.unchecked', { batch: b.batch, n: b.unchecked }));
      }
      if (validation === undefined) ctx.log(ctx.t('archive.noValidation'));
      return;
    }));

  addArchiveOption(archive.command('status')
    .description('what the archive holds, what must be renewed and by when, what retention makes due, the journal (exit 1 when something needs doing)')
    .option('--at <iso-8601>', 'as of this date (planning)')
    .option('--horizon <days>', 'warn about renewals due within this many days', '180'))
    .action(action(async (ctx: Ctx, opts: { archive?: string; at?: string; horizon: string }) => {
      const now = parseAt(opts.at, ctx) ?? new Date();
      const s = await withArchive(ctx, opts.archive, (store) => archiveStatus(store, { now, horizonDays: Number(opts.horizon) || 180 }));
      if (ctx.json) ctx.emitJson(statusJson(s));
      else renderStatus(ctx, s);
      return failedIf(s.needsAction);
    }));

  addValidationOptions(addArchiveOption(archive.command('export')
    .description('copy documents out with their evidence records (NAME and NAME.ers) for a patient, a court or a colleague')
    .argument('<item...>', 'item ids (b3-7) or file names')
    .requiredOption('--out <dir>', 'the folder to write into')
    .option('--purpose <text>', 'why (recorded in the journal, e.g. "patient request")')), 'the records then carry the current revocation data of their newest time-stamp')
    .action(action(async (ctx: Ctx, refs: string[], opts: TrustCli & { archive?: string; out: string; purpose?: string }) => {
      const validation = await validationOf(ctx, opts);
      const out = await withArchive(ctx, opts.archive, (store) => exportItems(store, refs, resolve(ctx.io.cwd, opts.out), {
        actor: actorOf(ctx), ...(opts.purpose !== undefined ? { purpose: opts.purpose } : {}), ...(validation !== undefined ? { validation } : {}),
      }));
      if (ctx.json) ctx.emitJson({ ok: true, exported: out });
      else for (const e of out) ctx.line(ctx.t('archive.exported', { id: e.id, document: e.document, record: e.record }));
      return;
    }));

  registerArchiveVerify(archive);
  registerArchiveRetention(archive);
}

function statusJson(s: ArchiveStatusReport): Record<string, unknown> {
  return {
    ok: !s.needsAction,
    ...s,
    batches: s.batches.map((b) => ({ ...b, lastTimestamp: b.lastTimestamp?.toISOString(), renewBefore: b.renewBefore !== undefined ? { ...b.renewBefore, until: b.renewBefore.until.toISOString() } : undefined })),
    nextRenewal: s.nextRenewal !== undefined ? { ...s.nextRenewal, until: s.nextRenewal.until.toISOString() } : undefined,
    retention: { ...s.retention, nextDue: s.retention.nextDue?.toISOString() },
  };
}

function renderStatus(ctx: Ctx, s: ArchiveStatusReport): void {
  const c = ctx.t('punct.colon');
  ctx.line(ctx.t('status.archive', { url: s.archive.url, id: s.archive.id }));
  ctx.line(`  ${ctx.t('status.items')}${c}${ctx.t('status.itemsValue', { present: s.items.present, destroyed: s.items.destroyed, batches: s.batches.length })}`);
  for (const b of s.batches) {
    const until = b.renewBefore !== undefined ? limitText(ctx, b.renewBefore) : '?';
    ctx.line(`  ${ctx.t(`status.batch.${b.state}`, { batch: b.id, n: b.present, limit: until })}${b.validationData === 0 ? ` — ${ctx.t('status.noValidation')}` : ''}`);
  }
  if (s.nextRenewal !== undefined) ctx.line(`  ${ctx.t('status.nextRenewal')}${c}${limitText(ctx, s.nextRenewal)} (${s.nextRenewal.batch})`);
  const r = s.retention;
  ctx.line(`  ${ctx.t('status.retention')}${c}${ctx.t('status.retentionValue', { due: r.due, held: r.held, unset: r.unset, kept: r.kept })}${r.nextDue !== undefined ? ` — ${ctx.t('status.nextDue', { date: dayText(ctx, r.nextDue) })}` : ''}`);
  for (const h of s.holds.filter((x) => x.until === undefined)) ctx.line(`  ${ctx.t('status.hold', { id: h.id, since: h.since, reason: h.reason })}`);
  const j = s.journal;
  const last = j.lastSeal !== undefined ? formatDate(new Date(j.lastSeal), ctx.lang, ctx.io.env) : '-';
  ctx.line(`  ${ctx.t('status.journal')}${c}${ctx.t(j.ok ? 'status.journalOk' : 'status.journalBroken', { entries: j.entries, seals: j.seals, unsealed: j.unsealed, last })}`);
  ctx.line(s.needsAction ? ctx.t('status.action') : ctx.t('status.fine'));
}
