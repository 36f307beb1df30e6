/** `scelle token list`: cards and tokens a PKCS#11 module sees (no PIN needed). */
import { Command } from 'commander';
import { listPkcs11Tokens } from '../../src/index.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('smart cards and tokens (PKCS#11)');
  token.command('list')
    .description('list the tokens a PKCS#11 module sees')
    .requiredOption('--pkcs11 <module.so>', 'PKCS#11 module (Cryptolib CPS, SoftHSM2…)')
    .action(action(async (ctx: Ctx, opts: { pkcs11: string }) => {
      const tokens = listPkcs11Tokens(opts.pkcs11);
      if (ctx.json) {
        ctx.emitJson({ ok: true, module: opts.pkcs11, tokens });
        return;
      }
      if (tokens.length === 0) ctx.line(ctx.t('token.none'));
      for (const tk of tokens) ctx.line(ctx.t('token.line', { slot: tk.slot, label: tk.label, manufacturer: tk.manufacturer, model: tk.model, serial: tk.serial }));
    }));
}
