/** `scelle identity show` and `scelle identity check`: what an identity holds and whether it works. */
import { Command, Option } from 'commander';
import { selectCertificate, summarizeCertificate, type IdentityPurpose, type Selection } from '../../src/index.js';
import { checkIdentityEntry, describeScheme } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, openIdentity, type IdentityOptions } from '../options.js';

const PURPOSES: IdentityPurpose[] = ['sign', 'encrypt', 'auth', 'tsa'];

export function registerIdentityCommands(program: Command): void {
  const identity = program.command('identity').description('what a p12, key or card holds, and which certificate scelle uses for what');

  addIdentityOptions(identity.command('show').description('list keys and certificates and the one picked for each use'))
    .action(action(async (ctx: Ctx, opts: IdentityOptions) => {
      const id = await openIdentity(ctx, opts);
      try {
        const picks: Partial<Record<IdentityPurpose, Selection>> = {};
        for (const p of PURPOSES) {
          try {
            picks[p] = selectCertificate(id, p);
          } catch {
            // not every identity serves every purpose
          }
        }
        if (ctx.json) {
          ctx.emitJson({
            ok: true,
            source: id.source,
            kind: id.kind,
            entries: id.entries.map((e) => ({ label: e.label, keyKind: e.key.kind, keyType: e.key.keyType, ...summarizeCertificate(e.certificate) })),
            picked: Object.fromEntries(Object.entries(picks).map(([p, s]) => [p, { subject: s.entry.certificate.subject, fingerprint: s.entry.certificate.sha256Fingerprint(), reason: s.reason }])),
          });
          return;
        }
        ctx.line(`${ctx.t('identity.source')}: ${id.source} (${id.kind})`);
        ctx.line(`${ctx.t('identity.entries')}:`);
        for (const e of id.entries) {
          const s = summarizeCertificate(e.certificate);
          ctx.line(`  - ${e.label ? `"${e.label}" ` : ''}${s.holder.displayName}${s.rpps ? `, RPPS ${s.rpps}` : ''} — ${s.roles.map((r) => ctx.t(`role.${r}`)).join(', ')} — ${s.keyUsage.join(', ')} — ${e.key.kind === 'pkcs11' ? 'PKCS#11' : 'software'} ${s.key} — ${s.sha256Fingerprint.slice(0, 23)}…`);
        }
        for (const [p, s] of Object.entries(picks)) {
          ctx.line(ctx.t('identity.picked', { purpose: ctx.t(`purpose.${p}`), subject: s.entry.label ?? s.entry.certificate.subject, reason: ctx.t(`pick.${s.reason}`) }));
        }
      } finally {
        id.close();
      }
    }));

  addIdentityOptions(identity.command('check').description('sign a test message with the key (on the card for a token) and verify it with the certificate'))
    .addOption(new Option('--purpose <purpose>', 'which certificate to test').choices(PURPOSES).default('sign'))
    .action(action(async (ctx: Ctx, opts: IdentityOptions & { purpose: IdentityPurpose }) => {
      const id = await openIdentity(ctx, opts);
      try {
        const sel = selectCertificate(id, opts.purpose);
        ctx.log(ctx.t('identity.picked', { purpose: ctx.t(`purpose.${opts.purpose}`), subject: sel.entry.label ?? sel.entry.certificate.subject, reason: ctx.t(`pick.${sel.reason}`) }));
        const scheme = await checkIdentityEntry(sel.entry);
        if (ctx.json) {
          ctx.emitJson({ ok: true, source: id.source, purpose: opts.purpose, picked: { subject: sel.entry.certificate.subject, reason: sel.reason, label: sel.entry.label }, scheme: describeScheme(scheme), keyKind: sel.entry.key.kind });
          return;
        }
        ctx.line(ctx.t('identity.checkOk', { scheme: describeScheme(scheme) }));
      } finally {
        id.close();
      }
    }));
}
