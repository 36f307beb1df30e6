/** `scelle demo`: the whole tour on embedded defaults; one line per step; exit 0 only if all pass. */
import { Command } from 'commander';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDemo, type DemoStep } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { formatDate } from '../dates.js';
import { failedIf } from '../outcome.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function registerDemoCommand(program: Command): void {
  program.command('demo')
    .description('the whole tour on embedded defaults, no network: each step prints one line')
    .option('--dir <dir>', 'folder for the demo files (default: a new temporary folder)')
    .action(action(async (ctx: Ctx, opts: { dir?: string }) => {
      const dir = opts.dir ? resolve(ctx.io.cwd, opts.dir) : await mkdtemp(join(tmpdir(), 'scelle-demo-'));
      ctx.line(ctx.t('demo.title', { dir }));
      let n = 0;
      const onStep = (s: DemoStep): void => {
        n++;
        const mark = s.ok ? ctx.t('demo.ok') : ctx.t('demo.fail');
        // dates a person reads: local and in the reader's language (--json keeps ISO-8601 UTC)
        const params = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, typeof v === 'string' && ISO_UTC.test(v) ? formatDate(new Date(v), ctx.lang, ctx.io.env) : v]));
        const text = ctx.t(`demo.step.${s.id}`, params);
        ctx.line(`[${String(n).padStart(2)}] ${mark.padEnd(6)} ${text}${s.ok ? '' : ` — ${s.code}: ${s.error}`}`);
      };
      const result = await runDemo({ dir, onStep });
      const failed = result.steps.filter((s) => !s.ok).length;
      if (ctx.json) {
        ctx.emitJson({ ok: result.ok, dir, steps: result.steps });
      } else {
        ctx.line(failed === 0 ? ctx.t('demo.summary.ok', { n: result.steps.length }) : ctx.t('demo.summary.fail', { failed, n: result.steps.length }));
      }
      return failedIf(!result.ok);
    }));
}
