/**
 * Keeping immutable copies locked while they are needed (S3 Object Lock, COMPLIANCE): every
 * object is locked for N days when written; a newer snapshot that still uses an older pack extends
 * that pack's lock, so an object stays undeletable as long as a sealed snapshot needs it. Locks
 * are only ever extended — COMPLIANCE forbids shortening them, for everybody.
 */
import type { ActiveSet } from './pack-uploader.js';
import type { SealedObject } from './seal.js';

const DAY = 86_400_000;

/**
 * Extends the lock of every sealed object of each immutable destination to `now + days` when less
 * than half of the period is left. A destination whose locks cannot be extended is reported failed.
 */
export async function extendLocks(set: ActiveSet, objects: readonly SealedObject[], now: Date): Promise<void> {
  for (const d of [...set.active]) {
    const r = d.retention;
    if (r === undefined) continue;
    const until = new Date(now.getTime() + r.days * DAY);
    const soon = new Date(now.getTime() + (r.days * DAY) / 2);
    try {
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < objects.length) {
          const o = objects[next++]!;
          const current = await r.lockedUntil(o.key);
          if (current === undefined || current < soon) await r.extend(o.key, until);
        }
      }));
    } catch (e) {
      set.fail(d, e);
    }
  }
}
