/** `scelle mss ack` — answer a received message with a read receipt (MDN). */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { readInputFile, readReceiptRequest, buildMdn, selectCertificate } from '../../src/index.js';
import { action } from '../main.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, hasIdentity, openIdentity, type IdentityOptions } from '../options.js';
import { chainOf, emailsOf, usage } from './mss-common.js';
import { addTransportOptions, deliver, type TransportCliOptions } from './mss-transport.js';

interface AckCliOptions extends IdentityOptions, TransportCliOptions {
  from?: string;
  sign?: boolean;
}

export function registerMssAck(mss: Command): void {
  addTransportOptions(addIdentityOptions(
    mss.command('ack')
      .description('answer a received message with a read receipt (MDN, RFC 8098: displayed), written (--out) or sent (--smtp)')
      .argument('<file.eml>', 'the received message')
      .option('--from <addr>', 'your address (default: the one of the original’s recipients that is yours)')
      .option('--sign', 'sign the receipt with the identity’s signature certificate'),
  )).action(action(async (ctx: Ctx, file: string, o: AckCliOptions) => {
    const raw = await readInputFile(resolve(ctx.io.cwd, file), 256 * 1024 * 1024);
    const request = await readReceiptRequest(raw, file);
    if (o.sign && !hasIdentity(o)) throw usage('--sign needs your identity');
    const identity = hasIdentity(o) ? await openIdentity(ctx, o) : undefined;
    try {
      let from = o.from;
      if (from === undefined) {
        const mine = identity ? identity.entries.flatMap((e) => emailsOf(e.certificate)) : [];
        from = request.recipients.find((r) => mine.includes(r.toLowerCase())) ?? (request.recipients.length === 1 ? request.recipients[0] : undefined);
        if (from === undefined) throw usage('the original has several recipients: say which one you are with --from ADDR');
      }
      const msg = await buildMdn({
        request, from,
        ...(o.sign ? { sign: { signer: selectCertificate(identity!, 'sign').entry, chain: chainOf(identity!) } } : {}),
      });
      const delivered = await deliver(ctx, msg, o, identity);
      if (ctx.json) ctx.emitJson({ ok: true, messageId: msg.messageId, originalMessageId: request.originalMessageId, to: request.notifyTo, layers: msg.layers, ...delivered });
      else ctx.line(ctx.t(delivered.out !== undefined ? 'mss.ack.written' : 'mss.ack.sent', { original: request.originalMessageId, to: request.notifyTo, file: String(delivered.out ?? ''), server: String(delivered.server ?? '') }));
      return 0;
    } finally {
      identity?.close();
    }
  }));
}
