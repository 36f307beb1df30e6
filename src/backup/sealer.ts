/**
 * Writing seals (the commit point of a run or a prune): for each destination, the next seal of
 * its chain — its sequence, the hash of its previous seal, the witnesses of the other
 * destinations' heads — signed (and time-stamped) when an identity is configured. The signature
 * is written first, the seal last, created only if absent: a second writer racing for the same
 * sequence loses instead of forking the chain. A copy of each seal is kept in the local state.
 */
import { ScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { sha256Hex } from './envelope.js';
import { formatSeal, sealKey, sealSignatureKey, signSeal, type Seal, type SealSigning, type Witness } from './seal.js';
import { keepSealCopy, type HeadRecord } from './state.js';

/** What a seal says besides its place in the chain. */
export type SealContent = Omit<Seal, 'destination' | 'sequence' | 'previous' | 'witnesses'>;

/** One destination to seal, with the head its chain has now. */
export interface SealTarget {
  destination: Destination;
  head: { sequence: number; sha256: string } | undefined;
}

/** Options of {@link writeSeals}. */
export interface WriteSealsOptions {
  signing?: SealSigning;
  /** Where copies of the seals are kept (the local state folder). */
  stateDir?: string;
  /** What the writer knows of the other destinations' heads. */
  witnesses?: (destination: string) => Witness[];
  /** A destination whose seal could not be written (it stays unsealed; reported by the caller). */
  onFail: (d: Destination, e: unknown) => void;
}

/** Writes the next seal on every destination; returns the new heads by destination name. */
export async function writeSeals(targets: SealTarget[], content: SealContent, options: WriteSealsOptions): Promise<Map<string, HeadRecord>> {
  const heads = new Map<string, HeadRecord>();
  for (const { destination: d, head } of targets) {
    try {
      const seal: Seal = {
        ...content,
        destination: d.info.name,
        sequence: (head?.sequence ?? 0) + 1,
        previous: head?.sha256,
        witnesses: options.witnesses?.(d.info.name) ?? [],
      };
      const text = Buffer.from(formatSeal(seal), 'utf8');
      const signature = options.signing !== undefined ? await signSeal(text.toString('utf8'), options.signing) : undefined;
      if ((await d.stat(sealKey(seal.sequence))) !== undefined) throw sealRace(d, seal.sequence);
      if (signature !== undefined) await d.put(sealSignatureKey(seal.sequence), signature);
      if (!(await d.putIfAbsent(sealKey(seal.sequence), text))) throw sealRace(d, seal.sequence);
      if (options.stateDir !== undefined) await keepSealCopy(options.stateDir, d.info.name, seal.sequence, text, signature);
      heads.set(d.info.name, { sequence: seal.sequence, sha256: sha256Hex(text), time: seal.time });
    } catch (e) {
      options.onFail(d, e);
    }
  }
  return heads;
}

function sealRace(d: Destination, sequence: number): ScelleError {
  return new ScelleError('LOCKED', `another backup command sealed "${d.info.name}" at the same time (seal ${sequence} exists): this run is not sealed there`, {
    params: { target: d.info.name, detail: `${d.info.name}: seal ${sequence} exists` },
    hint: 'only one backup run at a time: check the schedules of the computers that back up to this destination',
  });
}
