/**
 * `scelle completion bash|zsh|fish` and `scelle man`: the completion script and the man page,
 * generated from this very program's help (cli/help/), in the user's language.
 */
import { Argument, Command } from 'commander';
import { action } from '../action.js';
import { EXIT } from '../exit-codes.js';
import type { Ctx } from '../context.js';
import { describeCommand } from '../help/model.js';
import { completionScript, SHELLS, type Shell } from '../help/completion.js';
import { renderMan } from '../help/man.js';

/** The program a command belongs to. */
function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

export function registerSelfHelpCommands(program: Command): void {
  program.command('completion')
    .description('print a shell completion script (bash, zsh or fish) for scelle')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(action(async (ctx: Ctx, shell: Shell, _opts: unknown, cmd: Command) => {
      const script = completionScript(shell, describeCommand(rootOf(cmd), ctx.lang));
      if (ctx.json) ctx.emitJson({ shell, script });
      else ctx.io.stdout.write(script);
    }));
  program.command('man')
    .description('print the manual page of scelle (roff, in your language); read it with: scelle man | man -l -')
    .action(action(async (ctx: Ctx, _opts: unknown, cmd: Command) => {
      const root = rootOf(cmd);
      const man = renderMan(describeCommand(root, ctx.lang), { lang: ctx.lang, version: root.version() ?? '', exitCodes: Object.values(EXIT) });
      if (ctx.json) ctx.emitJson({ lang: ctx.lang, roff: man });
      else ctx.io.stdout.write(man);
    }));
}
