/** `scelle doctor`'s report as text for a person (one line per check, what to do under it) or as JSON. */
import { ScelleError } from '../../src/index.js';
import type { Ctx } from '../context.js';
import { formatDate, formatDay } from '../dates.js';
import { localizedMessage } from '../localize.js';
import { frenchTypography } from '../i18n/typography.js';
import type { CheckStatus, DoctorCheck } from './check.js';
import type { DoctorReport } from './index.js';

function plural(ctx: Ctx, base: string, n: number): string {
  const one = ctx.lang === 'fr' ? n <= 1 : n === 1;
  return ctx.t(`${base}.${one ? 'one' : 'other'}`, { n });
}

/** The values of a check as the reader sees them: dates in their zone, counts with their noun, notes translated. */
function values(ctx: Ctx, c: DoctorCheck): Record<string, string | number> {
  const v: Record<string, string | number> = { ...c.params };
  for (const [k, iso] of Object.entries(c.dates ?? {})) v[k] = formatDate(new Date(iso), ctx.lang, ctx.io.env);
  for (const [k, iso] of Object.entries(c.days ?? {})) v[k] = formatDay(new Date(iso), ctx.lang, ctx.io.env);
  for (const [k, [base, n]] of Object.entries(c.counts ?? {})) v[k] = plural(ctx, base, n);
  for (const [k, text] of Object.entries(c.texts ?? {})) v[k] = ctx.t(text.key, text.params);
  if (c.error) v.detail = localizedMessage(new ScelleError(c.error.code, c.error.message, { params: c.error.params ?? {} }), ctx.lang);
  return v;
}

/** The sentence and what to do, in the reader's language. */
export function describeCheck(ctx: Ctx, c: DoctorCheck): { message: string; fix?: string } {
  const v = values(ctx, c);
  const ts = (s: string): string => (ctx.lang === 'fr' ? frenchTypography(s) : s);
  return { message: ts(ctx.t(c.key, v)), ...(c.fixKey ? { fix: ts(ctx.t(c.fixKey, v)) } : {}) };
}

const ORDER: CheckStatus[] = ['ok', 'warning', 'error', 'skipped'];

export function renderText(ctx: Ctx, r: DoctorReport): void {
  const ts = (s: string): string => (ctx.lang === 'fr' ? frenchTypography(s) : s);
  const labels = Object.fromEntries(ORDER.map((s) => [s, ctx.t(`doctor.status.${s}`)])) as Record<CheckStatus, string>;
  const width = Math.max(...Object.values(labels).map((l) => l.length)) + 2;
  ctx.line(ts(ctx.t('doctor.title', { date: formatDate(new Date(r.at), ctx.lang, ctx.io.env) })));
  for (const c of r.checks) {
    const d = describeCheck(ctx, c);
    ctx.line(`${labels[c.status].padEnd(width)}${d.message}`);
    if (d.fix) ctx.line(`${' '.repeat(width)}${ts(ctx.t('doctor.fix', { fix: d.fix }))}`);
  }
  const errors = plural(ctx, 'doctor.count.error', r.counts.error);
  const warnings = r.counts.warning === 0 ? ctx.t('doctor.count.warning.zero') : plural(ctx, 'doctor.count.warning', r.counts.warning);
  const key = r.counts.error > 0 ? 'doctor.summary.errors' : r.counts.warning > 0 ? 'doctor.summary.warnings' : 'doctor.summary.ok';
  ctx.line(ts(ctx.t(key, { errors, warnings })));
}

/** The JSON document: each check with its stable name, status, values, and its sentences in the reader's language. */
export function reportJson(ctx: Ctx, r: DoctorReport): unknown {
  return {
    ok: r.ok,
    at: r.at,
    counts: r.counts,
    checks: r.checks.map((c) => {
      const d = describeCheck(ctx, c);
      return {
        check: c.check, status: c.status, message: d.message, ...(d.fix ? { fix: d.fix } : {}),
        params: c.params, ...(c.dates || c.days ? { dates: { ...c.dates, ...c.days } } : {}), ...(c.counts ? { counts: Object.fromEntries(Object.entries(c.counts).map(([k, [, n]]) => [k, n])) } : {}),
        ...(c.error ? { error: { code: c.error.code, message: c.error.message } } : {}),
      };
    }),
  };
}
