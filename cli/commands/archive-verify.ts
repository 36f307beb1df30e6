/**
 * `scelle archive verify`: either one exported document with its evidence record — `archive verify
 * FILE [--ers FILE.ers] --trust T` (anyone, no key, no archive) — or the archive itself: every
 * document, pack and journal seal (`--archive A [ITEM…]`). The verdicts are the validation
 * engine's; this command renders them.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  ScelleError, readFileChunks, verifyArchive, verifyEvidenceRecord, type ArchiveVerifyReport,
  type EvidenceRecordVerdict,
} from '../../src/index.js';
import { MAX_EVIDENCE_RECORD, readInputFile } from '../../src/internal.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { formatDate } from '../dates.js';
import { parseAt, readCrls, readTrust } from '../options.js';
import { addArchiveOption, dayText, limitText, withArchive } from './archive-text.js';
import { negativeIf, outcome } from '../outcome.js';

const collect = (v: string, p: string[] = []): string[] => [...p, v];

interface VerifyCli {
  archive?: string;
  ers?: string;
  trust: string[];
  crl: string[];
  online?: boolean;
  at?: string;
}

export function registerArchiveVerify(archive: Command): void {
  addArchiveOption(archive.command('verify'))
    .description('verify a document with its evidence record (FILE [--ers FILE.ers]) — or, with --archive, every document, pack and journal seal of the archive')
    .argument('[item...]', 'a document (with --ers, default FILE.ers), or archive item ids')
    .option('--ers <file>', 'the evidence record of the document (RFC 4998)')
    .option('--trust <file>', 'trusted roots of the time-stamping authorities (repeatable)', collect, [])
    .option('--crl <file>', 'revocation lists (repeatable); those the record carries are used too', collect, [])
    .option('--online', 'fetch CRLs and OCSP answers named in the certificates')
    .option('--at <iso-8601>', 'verify as of this time')
    .action(action(async (ctx: Ctx, items: string[], opts: VerifyCli) => {
      if (opts.trust.length === 0) throw new ScelleError('USAGE', 'archive verify needs --trust (the trusted roots of the time-stamping authorities)', { params: { detail: 'archive verify needs --trust' } });
      const base = { trustAnchors: await readTrust(ctx, opts.trust), crls: await readCrls(ctx, opts.crl), online: opts.online === true, ...(opts.at !== undefined ? { at: parseAt(opts.at, ctx)! } : {}) };
      const standalone = opts.ers !== undefined || (opts.archive === undefined && ctx.io.env.SCELLE_ARCHIVE === undefined);
      if (standalone) {
        if (items.length !== 1) throw new ScelleError('USAGE', 'give one document to verify with its evidence record (or --archive to verify the archive)', { params: { detail: 'give one document to verify with its evidence record' } });
        const file = resolve(ctx.io.cwd, items[0]!);
        const ers = await readInputFile(resolve(ctx.io.cwd, opts.ers ?? `${items[0]!}.ers`), MAX_EVIDENCE_RECORD);
        const v = await verifyEvidenceRecord(ers, readFileChunks(file), base);
        if (ctx.json) ctx.emitJson(recordJson(items[0]!, v));
        else renderRecord(ctx, items[0]!, v);
        return negativeIf(!v.ok);
      }
      const report = await withArchive(ctx, opts.archive, (store) => verifyArchive(store, { ...base, ...(items.length > 0 ? { items } : {}) }));
      if (ctx.json) ctx.emitJson(archiveJson(report));
      else renderArchive(ctx, report);
      if (report.ok) return;
      return outcome([report.packs.problems.length > 0 || report.items.some((i) => i.code === 'ARCHIVE_CORRUPT') || !report.journal.ok ? 'corrupt' : 'negative']);
    }));
}

function recordJson(file: string, v: EvidenceRecordVerdict): Record<string, unknown> {
  return {
    file, ok: v.ok, indication: v.indication, subIndication: v.subIndication, code: v.code, problems: v.problems,
    existedAt: v.existedAt?.toISOString(), provenUntil: v.provenUntil?.toISOString(), limits: v.limits.map((l) => ({ ...l, until: l.until.toISOString() })),
    dataDigests: v.dataDigests, validationTime: v.validationTime.toISOString(),
    archiveTimeStamps: v.archiveTimeStamps.map((a) => ({ chain: a.chain, index: a.index, hash: a.hash, covers: a.covers, hashTreeOk: a.hashTreeOk, genTime: a.genTime?.toISOString(), tsa: a.tsa, ok: a.timestamp?.ok ?? false, code: a.timestamp?.code, provenBy: a.provenBy !== undefined ? { time: a.provenBy.time.toISOString(), origin: a.provenBy.origin } : undefined })),
  };
}

function renderRecord(ctx: Ctx, file: string, v: EvidenceRecordVerdict): void {
  const c = ctx.t('punct.colon');
  const date = (d: Date): string => formatDate(d, ctx.lang, ctx.io.env);
  ctx.line(`${file}: ${ctx.t(`ers.verdict.${v.indication}`)}`);
  if (!v.ok && v.code !== undefined) ctx.line(`  ${ctx.t(`ers.explain.${v.code === 'EVIDENCE_RECORD_MISMATCH' || v.code === 'EVIDENCE_RECORD_INVALID' ? v.code : 'other'}`)}`);
  if (v.existedAt !== undefined) ctx.line(`  ${ctx.t('ers.existed')}${c}${date(v.existedAt)}`);
  for (const a of v.archiveTimeStamps) {
    const state = a.timestamp?.ok === true ? ctx.t('sig.tsOk') : `${ctx.t('sig.tsBad')} [${a.timestamp?.code ?? 'EVIDENCE_RECORD_INVALID'}]`;
    const proven = a.provenBy !== undefined ? ` — ${ctx.t('ers.checkedAt', { at: date(a.provenBy.time) })}` : '';
    ctx.line(`  ${ctx.t(`ers.ats.${a.covers}`, { n: a.index + 1, chain: a.chain + 1, hash: a.hash })}${c}${a.genTime !== undefined ? date(a.genTime) : '?'}${a.tsa !== undefined ? ` — ${a.tsa}` : ''} — ${state}${proven}`);
  }
  if (v.provenUntil !== undefined && v.limits.length > 0) {
    const first = [...v.limits].sort((a, b) => a.until.getTime() - b.until.getTime())[0]!;
    ctx.line(`  ${ctx.t('ers.provenUntil')}${c}${limitText(ctx, first)}`);
  }
  for (const p of v.problems) ctx.line(`  ! [${p.code}] ${localizedMessage(new ScelleError(p.code, p.message), ctx.lang)}`);
}

function archiveJson(r: ArchiveVerifyReport): Record<string, unknown> {
  return {
    ok: r.ok, validationTime: r.validationTime.toISOString(), destroyed: r.destroyed, packs: r.packs,
    journal: { ...r.journal, seals: r.journal.seals.map((s) => ({ ...s, check: { ...s.check, genTime: s.check.genTime?.toISOString() } })) },
    valid: r.items.filter((i) => i.ok).length, invalid: r.items.filter((i) => !i.ok).length,
    items: r.items.map((i) => ({ ...i, existedAt: i.existedAt?.toISOString(), provenUntil: i.provenUntil?.toISOString() })),
  };
}

function renderArchive(ctx: Ctx, r: ArchiveVerifyReport): void {
  for (const i of r.items.filter((x) => !x.ok)) {
    ctx.line(`${i.id}${i.name !== undefined ? ` (${i.name})` : ''}: ${ctx.t(`ers.verdict.${i.indication}`)}`);
    for (const p of i.problems.slice(0, 3)) ctx.line(`  ! [${p.code}] ${localizedMessage(new ScelleError(p.code, p.message), ctx.lang)}`);
  }
  for (const p of r.packs.problems) ctx.line(`! [${p.code}] ${p.message}`);
  for (const p of r.journal.problems) ctx.line(`! [${p.code}] ${ctx.t('journal.problem', { message: p.message })}`);
  const valid = r.items.filter((i) => i.ok).length;
  ctx.line(ctx.t('archive.verified', { valid, total: r.items.length, destroyed: r.destroyed }));
  const until = r.items.filter((i) => i.provenUntil !== undefined).sort((a, b) => a.provenUntil!.getTime() - b.provenUntil!.getTime())[0];
  if (until?.provenUntil !== undefined) ctx.line(ctx.t('archive.provenUntil', { date: dayText(ctx, until.provenUntil) }));
  ctx.line(ctx.t(r.journal.ok ? 'journal.ok' : 'journal.broken', { entries: r.journal.entries, seals: r.journal.seals.filter((s) => s.check.ok).length, unsealed: r.journal.unsealed }));
  if (r.packs.unreferenced.length > 0) ctx.log(ctx.t('archive.unreferencedPacks', { n: r.packs.unreferenced.length }));
}
