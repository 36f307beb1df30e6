/** `scelle password check` (the candidate is read like a password) and `scelle password generate`. */
import { Command, Option } from 'commander';
import { checkPassword, generatePassword } from '../../src/index.js';
import { generatedPasswordBits } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { passwordReader } from '../options.js';
import { negativeIf } from '../outcome.js';

export function registerPasswordCommands(program: Command): void {
  const pw = program.command('password').description('check a password against the policy (CNIL), or generate a strong one');
  pw.command('check')
    .description('judge a password or passphrase (read from --pass-file, SCELLE_PASSWORD or a no-echo prompt); exit 3 when too weak')
    .option('--pass-file <file>', 'read the candidate from this file')
    .option('--context <word>', 'a word the password must not contain (name, practice…); repeatable', (v: string, p: string[] = []) => [...p, v], [])
    .action(action(async (ctx: Ctx, opts: { passFile?: string; context: string[] }) => {
      const candidate = await passwordReader(ctx, opts.passFile)();
      const v = checkPassword(candidate, { context: opts.context });
      const reasons = v.reasons.map((r) => ({ code: r, message: ctx.t(`password.reason.${r}`) }));
      if (ctx.json) {
        ctx.emitJson({ ok: v.ok, kind: v.kind, length: v.length, classes: v.classes, words: v.words, estimatedBits: v.estimatedBits, reasons });
      } else if (v.ok) {
        ctx.line(ctx.t('password.strong', { kind: ctx.t(`password.kind.${v.kind}`), length: v.length, classes: v.classes.length, bits: v.estimatedBits }));
      } else {
        ctx.line(ctx.t('password.weak'));
        for (const r of reasons) ctx.line(`  - ${r.message}`);
        ctx.line(ctx.t('hint.WEAK_PASSWORD'));
      }
      return negativeIf(!v.ok);
    }));
  pw.command('generate')
    .description('print a strong random password (16 characters, 4 classes) or passphrase (7 words)')
    .addOption(new Option('--kind <kind>', 'password or passphrase').choices(['password', 'passphrase']).default('password'))
    .option('--length <n>', 'characters of a password (at least 12)', (v) => Number.parseInt(v, 10))
    .option('--words <n>', 'words of a passphrase (at least 7)', (v) => Number.parseInt(v, 10))
    .action(action(async (ctx: Ctx, opts: { kind: 'password' | 'passphrase'; length?: number; words?: number }) => {
      const gen = { kind: opts.kind, ...(opts.length !== undefined ? { length: opts.length } : {}), ...(opts.words !== undefined ? { words: opts.words } : {}) };
      const value = generatePassword(gen);
      const v = { estimatedBits: generatedPasswordBits(gen) };
      if (ctx.json) {
        ctx.emitJson({ ok: true, kind: opts.kind, value, estimatedBits: v.estimatedBits });
        return;
      }
      ctx.io.stdout.write(`${value}\n`);
      ctx.log(ctx.t('password.generated', { kind: ctx.t(`password.kind.${opts.kind}`), bits: v.estimatedBits }));
    }));
}
