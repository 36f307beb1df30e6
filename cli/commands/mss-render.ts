/**
 * How `mss read` shows a verdict: in the terminal (the reader's language, dates in the local time
 * zone, the text of the message made safe to print) or as JSON.
 */
import { basename } from 'node:path';
import { saveAttachment, type CdaHeader, type MessageReport, type ScelleError } from '../../src/index.js';
import { sanitizeText, type SentRecord } from '../../src/internal.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { formatWhen } from './mss-common.js';

/** One message read: its verdict, or why it could not be read, and what was saved. */
export interface ReadEntry {
  source: string;
  report?: MessageReport;
  error?: ScelleError;
  saved: string[];
  /** With --sent-log, for a receipt: the sent message it answers (null: not in the register). */
  sent?: SentRecord | null;
}

/** Saves a passing message's attachments; XDM documents are extracted under their titles. */
export async function saveAll(dir: string, report: MessageReport): Promise<string[]> {
  const saved: string[] = [];
  for (const a of report.attachments) saved.push(await saveAttachment(dir, a.fileName, a.content));
  for (const d of report.xdm?.documents ?? []) {
    if (d.content !== undefined && d.ok) saved.push(await saveAttachment(dir, d.fileName ?? d.title ?? basename(d.path), d.content));
  }
  return saved;
}

/** The JSON form of a verdict (bytes left out: sizes and hashes name them). */
export function jsonReport(r: MessageReport): Record<string, unknown> {
  return {
    ok: r.ok, status: r.status, senderProven: r.senderProven, kind: r.kind,
    messageId: r.messageId, from: r.from, to: r.to, subject: r.subject, date: r.date?.toISOString(),
    receiptRequestedBy: r.receiptRequestedBy, layers: r.layers,
    encryption: r.encryption,
    signature: r.signature ? { ...r.signature, verdict: undefined, signingTime: r.signature.signingTime?.toISOString() } : undefined,
    text: r.text, textSource: r.textSource, hasHtml: r.hasHtml,
    attachments: r.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, size: a.size, sha256: a.sha256, integrity: a.integrity })),
    xdm: r.xdm ? { ok: r.xdm.ok, submissionSet: r.xdm.submissionSet, documents: r.xdm.documents.map((d) => ({ path: d.path, title: d.title, fileName: d.fileName, mimeType: d.mimeType, declared: d.declared, actual: d.actual, ...(d.cda ? { cda: cdaSummary(d.cda) } : {}), ok: d.ok, problems: d.problems })) } : undefined,
    mss: r.mss,
    mdn: r.mdn,
    receipt: r.receipt ? { ...r.receipt, original: r.receipt.original ? { ...r.receipt.original, date: r.receipt.original.date?.toISOString() } : undefined } : undefined,
    problems: r.problems,
  };
}

/** What a reader (or a script) needs of a CDA header: its type, title, date, patient and INS. */
function cdaSummary(c: CdaHeader): Record<string, unknown> {
  return {
    id: c.id, code: c.code, title: c.title, effectiveTime: c.effectiveTime, confidentiality: c.confidentiality?.code,
    patient: { family: c.patient.name.family, given: c.patient.name.given[0], gender: c.patient.gender, birthTime: c.patient.birthTime, ins: c.patient.ins },
    author: c.authors[0] ? { id: c.authors[0].id, family: c.authors[0].name?.family, given: c.authors[0].name?.given[0] } : undefined,
  };
}

function statusLine(ctx: Ctx, r: MessageReport): string {
  const code = r.problems[0] ? ` [${r.problems[0].code}]` : '';
  if (r.status === 'negative') return `${ctx.t('mss.read.negative')}${code}`;
  if (r.status === 'verified') return ctx.t('mss.read.verified');
  return r.signature === undefined ? ctx.t('mss.read.notProvenUnsigned') : ctx.t('mss.read.notProven');
}

function securityLines(ctx: Ctx, r: MessageReport): string[] {
  const { t } = ctx;
  const c = t('punct.colon');
  const lines: string[] = [];
  if (r.encryption) {
    lines.push(`  ${t('mss.read.encryption')}${c}${r.encryption.ok ? t('mss.read.decrypted', { type: r.encryption.smimeType, cipher: r.encryption.cipher ?? '', with: r.encryption.openedWith ?? '' }) : `${t('mss.read.notDecrypted')} [${r.encryption.code}]`}`);
  } else lines.push(`  ${t('mss.read.encryption')}${c}${t('mss.read.notEncrypted')}`);
  const s = r.signature;
  if (!s) {
    lines.push(`  ${t('mss.read.signature')}${c}${t('mss.read.unsigned')}`);
    return lines;
  }
  const who = s.signer ? `${s.signer.name}${s.signer.rpps ? ` (RPPS ${s.signer.rpps})` : ''}${s.signer.profession ? `, ${s.signer.profession}` : ''}` : '—';
  lines.push(`  ${t('mss.read.signature')}${c}${s.ok ? t('sig.valid') : t('sig.invalid')}${s.code ? ` [${s.code}]` : ''} — ${who}`);
  lines.push(`  ${t('mss.read.sender')}${c}${s.fromMatches ? t('mss.read.senderOk') : t('mss.read.senderMismatch')}; ${t('mss.read.chain')}${c}${s.chainOk ? t('sig.chainOk') : t('mss.read.chainBad')}${s.signingTime ? `; ${t('sig.when')}${c}${formatWhen(ctx, s.signingTime)}` : ''}`);
  return lines;
}

function receiptLines(ctx: Ctx, r: MessageReport, sent: SentRecord | null | undefined): string[] {
  const { t } = ctx;
  const link = r.receipt;
  if (!link) return [];
  const safe = (s: string | undefined): string => sanitizeText(s ?? '', 300).text;
  const lines: string[] = [];
  const original = link.originalMessageId ?? '?';
  const err = link.error ? t('mss.read.receiptError', { code: safe(link.error.code), label: safe(link.error.label ?? ''), description: link.error.description ? ` (${safe(link.error.description)})` : '' }) : '';
  if (link.kind === 'mdn') lines.push(`  ${t('mss.read.mdn', { original: safe(original), disposition: safe(r.mdn?.disposition.type), by: safe(r.mdn?.finalRecipient ?? r.from ?? '?') })}${err ? ` — ${err}` : ''}`);
  else lines.push(`  ${t('mss.read.integrationError', { original: safe(original) })} — ${err}`);
  const o = link.original;
  if (o) lines.push(`    ${t('mss.read.receiptOriginal', { subject: safe(o.subject), date: o.date ? formatWhen(ctx, o.date) : '?', to: safe(o.to.join(', ')) })}`);
  if (sent) lines.push(`    ${t('mss.read.receiptSent', { date: formatWhen(ctx, new Date(sent.date)), to: safe(sent.to.join(', ')), subject: safe(sent.subject) })}`);
  if (sent === null) lines.push(`    ${t('mss.read.receiptNotSent')}`);
  for (const n of link.notes) lines.push(`    ${t(`mss.read.receiptNote.${n.code}`, { detail: safe(n.detail) })}`);
  return lines;
}

function contentLines(ctx: Ctx, r: MessageReport): string[] {
  const { t } = ctx;
  const c = t('punct.colon');
  const lines: string[] = [];
  for (const a of r.attachments) {
    lines.push(`  ${t('mss.read.attachment')}${c}${sanitizeText(a.fileName, 200).text} (${a.contentType}, ${a.size} ${t('mss.read.bytes')}, SHA-256 ${a.sha256}) — ${t(`mss.read.integrity.${a.integrity}`)}`);
  }
  if (r.xdm) {
    lines.push(`  XDM${c}${r.xdm.ok ? t('mss.read.xdmOk', { n: r.xdm.documents.length }) : t('mss.read.xdmBad')}`);
    for (const d of r.xdm.documents) {
      lines.push(`    ${d.path}${d.title ? ` « ${sanitizeText(d.title, 200).text} »` : ''} ${d.actual ? `${d.actual.size} ${t('mss.read.bytes')}, SHA-1 ${d.actual.sha1}` : ''} ${d.ok ? 'OK' : t('mss.read.xdmDocBad')}`);
      if (d.cda) lines.push(`      ${cdaLine(ctx, d.cda)}`);
    }
  }
  if (r.mss) {
    const got = [r.mss.received.codeCda ? `X-MSS-CODECDA=${r.mss.received.codeCda.join(',')}` : '', r.mss.received.ins ? `X-MSS-INS=${r.mss.received.ins}` : '', r.mss.received.nil ? `X-MSS-NIL=${r.mss.received.nil}` : '', r.mss.received.mes ? `X-MSS-MES=${r.mss.received.mes}` : ''].filter((x) => x !== '').join(', ');
    lines.push(`  ${t('mss.read.mssHeaders')}${c}${sanitizeText(got || '—', 300).text} — ${r.mss.ok ? t('mss.read.mssOk') : t('mss.read.mssBad')}`);
  }
  if (r.receiptRequestedBy) lines.push(`  ${t('mss.read.receipt', { to: r.receiptRequestedBy })}`);
  return lines;
}

function cdaLine(ctx: Ctx, c: CdaHeader): string {
  const p = c.patient;
  const who = sanitizeText(`${p.name.family ?? '?'} ${p.name.given[0] ?? ''}`.trim(), 200).text;
  const born = p.birthTime && /^\d{8}/.test(p.birthTime) ? `${p.birthTime.slice(6, 8)}/${p.birthTime.slice(4, 6)}/${p.birthTime.slice(0, 4)}` : '?';
  const ins = p.ins ? ctx.t(p.ins.qualified ? 'mss.read.insQualified' : 'mss.read.insNotQualified', { kind: p.ins.kind, reasons: p.ins.reasons.join('; ') }) : ctx.t('mss.read.noIns');
  return ctx.t('mss.read.cda', { code: sanitizeText(`${c.code.code}${c.code.displayName ? ` (${c.code.displayName})` : ''}`, 200).text, patient: who, born, ins });
}

function bodyLines(ctx: Ctx, r: MessageReport): string[] {
  if (r.text === undefined || r.text.trim() === '') return [`  ${ctx.t('mss.read.noText')}`];
  const { text, truncated } = sanitizeText(r.text);
  const head = ctx.t(r.textSource === 'html' ? 'mss.read.textFromHtml' : 'mss.read.text');
  return [`  --- ${head} ---`, ...text.replace(/\n+$/, '').split('\n').map((l) => `  | ${l}`), ...(truncated ? [`  ${ctx.t('mss.read.textTruncated')}`] : []), '  ---'];
}

/** Prints one verdict in the terminal (nothing with --json). */
export function renderReport(ctx: Ctx, entry: ReadEntry, saving: boolean): void {
  if (ctx.json) return;
  const { t } = ctx;
  const c = t('punct.colon');
  if (entry.error) {
    ctx.line(`${entry.source}${c}${t('mss.read.error')} [${entry.error.code}] ${localizedMessage(entry.error, ctx.lang)}`);
    return;
  }
  const r = entry.report!;
  const safe = (s: string | undefined): string => sanitizeText(s ?? '', 500).text;
  const lines: string[] = [`${entry.source}${c}${statusLine(ctx, r)}`];
  lines.push(`  ${t('mss.read.message')}${c}${safe(r.messageId) || '—'}`);
  lines.push(`  ${t('mss.read.from')}${c}${safe(r.from) || '—'} → ${safe(r.to.join(', '))}`);
  lines.push(`  ${t('mss.read.subject')}${c}${safe(r.subject)}${r.date ? ` (${formatWhen(ctx, r.date)})` : ''}`);
  lines.push(...securityLines(ctx, r), ...receiptLines(ctx, r, entry.sent), ...contentLines(ctx, r));
  for (const p of r.problems) lines.push(`  ${t('verify.problem')} [${p.code}] ${ctx.lang === 'fr' ? `${t(`error.${p.code}`, { detail: '', file: '', host: '', user: '' }).replace(/\s*:\s*$/, '')} — ` : ''}${safe(p.message)}`);
  lines.push(...bodyLines(ctx, r));
  for (const f of entry.saved) lines.push(`  ${t('mss.read.saved', { file: f })}`);
  if (saving && !r.ok) lines.push(`  ${t('mss.read.notSaved')}`);
  if (saving && r.ok && !r.senderProven && entry.saved.length > 0) lines.push(`  ${t('mss.read.savedNotProven')}`);
  ctx.line(lines.join('\n'));
}
