/** The backup text formats: seals (v2), recovery and verifier kits, schedules — round trips, and hostile text. */
import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { formatSeal, parseSeal, type Seal } from '../../../src/backup/seal.js';
import { parseKit, recoveryKitText, verifierKitText, type Kit } from '../../../src/backup/kit.js';
import { formatRecoveryKey } from '../../../src/backup/keys.js';
import { cronLine, launchdPlist, nextRun, parseSchedule, systemdUnits, windowsTask } from '../../../src/backup/schedule.js';
import { isScelleError } from '../../../src/errors.js';

const seal: Seal = {
  repository: 'a'.repeat(32), destination: 'hds', sequence: 3, previous: 'b'.repeat(64), kind: 'snapshot', time: '2026-11-23T07:00:00.000Z', host: 'poste accueil',
  snapshot: 'c'.repeat(64), files: 12, bytes: 3456, sources: ['/home/médecin/Dossiers patients'], removed: [],
  objects: [{ key: 'config', sha256: 'e'.repeat(64), size: 321 }, { key: 'data/dd/' + 'd'.repeat(64), sha256: 'd'.repeat(64), size: 4_194_410 }],
  witnesses: [{ destination: 'disque', sequence: 7, sha256: 'f'.repeat(64) }],
};

/** Flips, cuts and splices: hostile variants of a valid text. */
function mangle(text: string, seed: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 60; i++) {
    const p = (seed * 7919 + i * 104_729) % Math.max(1, text.length);
    out.push(text.slice(0, p) + String.fromCharCode((text.charCodeAt(p) + 1 + i) % 0x250) + text.slice(p + 1));
    out.push(text.slice(0, p));
    out.push(text.slice(0, p) + text.slice(p).replace(/\n/, '\n\n'));
    out.push(text.replace(/ /g, i % 2 ? '  ' : '\t'));
  }
  return out;
}

describe('seals (format 2)', () => {
  it('round-trips canonically, host spaces as _', () => {
    const text = formatSeal(seal);
    expect(text.split('\n')[0]).toBe('scelle-backup-seal 2');
    expect(text).toContain('host poste_accueil\n');
    const back = parseSeal(Buffer.from(text));
    expect(back).toEqual({ ...seal, host: 'poste_accueil' });
    const prune = formatSeal({ ...seal, kind: 'prune', snapshot: undefined, objects: [], sources: [], removed: [{ sequence: 2, sha256: '1'.repeat(64) }, { sequence: 1, sha256: '2'.repeat(64) }] });
    expect(parseSeal(Buffer.from(prune)).removed.map((r) => r.sequence)).toEqual([1, 2]);
  });

  it.each([
    ['a version-1 seal', formatSeal(seal).replace('scelle-backup-seal 2', 'scelle-backup-seal 1'), /unsupported version/],
    ['sequence 1 naming a previous seal', formatSeal({ ...seal, sequence: 1 }), /previous must be "none"/],
    ['a later seal without a previous', formatSeal({ ...seal, previous: undefined }), /previous must be/],
    ['objects out of order', formatSeal(seal).replace(/(object config .*\n)(object data.*\n)/, '$2$1'), /canonical/],
    ['an unknown field', formatSeal(seal).replace('files 12', 'files 12\ncomment hello'), /unknown field/],
    ['not UTF-8', Buffer.concat([Buffer.from(formatSeal(seal)), Buffer.from([0xff, 0x0a])]).toString('latin1'), /UTF-8|canonical|ending/],
  ])('refuses %s (SEAL_INVALID)', (_what, text, why) => {
    expect(() => parseSeal(Buffer.from(text, 'latin1'))).toThrow(expect.objectContaining({ code: 'SEAL_INVALID', message: expect.stringMatching(why) }));
  });

  it('mangled and random seals give SEAL_INVALID, never another error', () => {
    const texts = [...mangle(formatSeal(seal), 1), ...Array.from({ length: 100 }, () => randomBytes(200).toString('latin1'))];
    for (const t of texts) {
      try {
        parseSeal(Buffer.from(t, 'utf8'));
      } catch (e) {
        expect(isScelleError(e, 'SEAL_INVALID'), String(e)).toBe(true);
      }
    }
  });
});

describe('kits', () => {
  const kit: Kit = {
    repository: '0123456789abcdef0123456789abcdef', created: new Date('2026-11-23T07:00:00Z'), recoveryKey: randomBytes(32),
    destinations: [{ name: 'nas', spec: 'nas=sftp://sauvegarde@nas:22/volume1/scelle;key=/home/x/.ssh/id;host_key=SHA256:abc' }, { name: 'hds', spec: "hds=s3://cabinet/p?endpoint=https%3A%2F%2Fs3.example&region=fr;lock=compliance,days=30" }],
    signers: ['CN=810101234567,GN=CLAIRE,SN=DURAND'], trustAnchors: [randomBytes(40)],
  };

  it('the recovery kit text (French) carries everything a restore needs, and reads back as it is', () => {
    const text = recoveryKitText(kit);
    expect(text).toMatch(/KIT DE RÉCUPÉRATION DES SAUVEGARDES/);
    expect(text).toContain(`  ${formatRecoveryKey(kit.recoveryKey!)}`);
    expect(text).toContain("scelle backup restore --from 'nas=sftp://sauvegarde@nas:22/volume1/scelle;key=/home/x/.ssh/id;host_key=SHA256:abc' --recovery-file kit.txt --to Restauration");
    expect(text).toContain('scelle backup restore --from nas --recovery-file kit.txt');
    const back = parseKit(text.replace(/\n/g, '\r\n'));
    expect(back.kind).toBe('recovery');
    if (back.kind !== 'recovery') return;
    expect(Buffer.from(back.kit.recoveryKey!).equals(Buffer.from(kit.recoveryKey!))).toBe(true);
    expect(back.kit).toMatchObject({ repository: kit.repository, destinations: kit.destinations, signers: kit.signers });
    expect(Buffer.from(back.kit.trustAnchors[0]!).equals(Buffer.from(kit.trustAnchors[0]!))).toBe(true);
  });

  it('the verifier kit holds no key; a bare key (as retyped from paper) is read too', () => {
    const v = verifierKitText(kit);
    expect(v).not.toMatch(/recovery-key|[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}/);
    expect(parseKit(v)).toMatchObject({ kind: 'verifier', kit: { repository: kit.repository } });
    const typed = formatRecoveryKey(kit.recoveryKey!).toLowerCase().replace(/-/g, ' ');
    const k = parseKit(`ma clé : ${typed}\n`);
    expect(k.kind === 'key' && Buffer.from(k.recoveryKey).equals(Buffer.from(kit.recoveryKey!))).toBe(true);
    expect(() => parseKit('rien ici')).toThrow(expect.objectContaining({ code: 'WRONG_KEY' }));
  });

  it('mangled kits give a ScelleError, never another error', () => {
    for (const t of mangle(recoveryKitText(kit), 3)) {
      try {
        parseKit(t);
      } catch (e) {
        expect(isScelleError(e), String(e)).toBe(true);
      }
    }
  });
});

describe('schedules', () => {
  const command = { argv: ['/usr/bin/node', '/opt/scelle/dist/cli/bin.js', 'backup', 'run', '--quiet', '--config', '/home/dr durand/.config/scelle/scelle-backup.conf'], env: { LANG: 'fr_FR.UTF-8', HOME: '/home/dr durand' }, name: 'scelle-backup-0123abcd', description: 'scelle: sauvegarde' };

  it('reads HH:MM and French or English day names; refuses the rest (USAGE)', () => {
    expect(parseSchedule('weekly', '7:05', 'vendredi')).toEqual({ every: 'weekly', at: '07:05', weekday: 5 });
    expect(parseSchedule('weekly', '23:59', 'Sunday').weekday).toBe(7);
    for (const [at, day] of [['24:00', 1], ['7h', 1], ['20:00', 'jeudredi'], ['20:00', 8]] as const) {
      expect(() => parseSchedule('weekly', at, day)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
  });

  it('systemd units, cron line, schtasks and launchd agree on the time, with the absolute config path quoted', () => {
    const s = parseSchedule('weekly', '19:30', 5);
    const u = systemdUnits(s, command);
    expect(u.timer).toContain('OnCalendar=Fri *-*-* 19:30:00');
    expect(u.timer).toContain('Persistent=true');
    expect(u.service).toContain('Environment="HOME=/home/dr durand"');
    expect(u.service).toContain('"/home/dr durand/.config/scelle/scelle-backup.conf"');
    expect(cronLine(s, command)).toBe("30 19 * * 5 LANG=fr_FR.UTF-8 HOME='/home/dr durand' /usr/bin/node /opt/scelle/dist/cli/bin.js backup run --quiet --config '/home/dr durand/.config/scelle/scelle-backup.conf' # scelle-backup-0123abcd");
    expect(cronLine(parseSchedule('daily', '02:00'), command)).toMatch(/^0 2 \* \* \* /);
    expect(windowsTask(s, command)).toContain('/SC WEEKLY /D FRI /ST 19:30');
    expect(launchdPlist(s, command)).toContain('<key>Weekday</key><integer>5</integer><key>Hour</key><integer>19</integer><key>Minute</key><integer>30</integer>');
  });

  it('the next run: later today, or the next matching weekday', () => {
    const friday = new Date(2026, 10, 27, 12, 0); // a Friday, local time
    expect(nextRun(parseSchedule('weekly', '19:30', 5), friday)).toEqual(new Date(2026, 10, 27, 19, 30));
    expect(nextRun(parseSchedule('weekly', '08:00', 5), friday)).toEqual(new Date(2026, 11, 4, 8, 0));
    expect(nextRun(parseSchedule('daily', '08:00'), friday)).toEqual(new Date(2026, 10, 28, 8, 0));
  });
});
