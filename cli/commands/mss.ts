/**
 * `scelle mss …` — secure health messaging as the ANS specifies it for MSSanté clients: S/MIME
 * signed and/or encrypted messages, IHE XDM packages, read receipts (MDN), over SMTP submission and
 * IMAP with TLS ≥ 1.2 checked against --trust. Thin: options → library → text or --json. One file
 * per subcommand (mss-send, mss-read, mss-ack, mss-directory); what they share is in mss-common,
 * mss-transport and mss-trust.
 *
 * The mail account password is not the identity's: `--mail-pass-file FILE` or SCELLE_MAIL_PASSWORD
 * (or a prompt); `--pass-file` / SCELLE_PASSWORD stay for the p12.
 */
import type { Command } from 'commander';
import { registerMssSend } from './mss-send.js';
import { registerMssRead } from './mss-read.js';
import { registerMssAck } from './mss-ack.js';
import { registerMssDirectory } from './mss-directory.js';

export function registerMssCommands(program: Command): void {
  const mss = program.command('mss').description('secure health messaging (MSSanté): S/MIME, IHE XDM, read receipts, SMTP/IMAP over TLS');
  registerMssSend(mss);
  registerMssRead(mss);
  registerMssAck(mss);
  registerMssDirectory(mss);
}
