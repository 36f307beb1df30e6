/**
 * The hash trees of RFC 4998 §4.2–§4.3: one time-stamp for many data objects, and for each object
 * a reduced hash tree that proves it alone.
 *
 * Building (§4.2): the leaves are the hash values of the data objects, sorted in binary ascending
 * order (duplicates kept once); each pair of neighbours is hashed as `H(binary-sorted
 * concatenation)`; a node without a neighbour (the last of an odd row) goes up unchanged; until
 * one root remains, which is time-stamped. This is the left-weighted binary tree BouncyCastle's
 * `BinaryTreeRootCalculator` builds, so either side's records verify on the other.
 *
 * Reducing (§4.2 "reduced hash tree"): the first list holds the object's hash and its first real
 * sibling; every further list holds the sibling of the node reached so far.
 *
 * Verifying (§4.3): the object's hash must be in the first list; the first list is hashed (sorted),
 * and the result joins each further list, hashed in turn (sorted); the last value must be the
 * time-stamped root. A first list of one value is that value itself (BouncyCastle writes the
 * object's own hash alone first, then one sibling per list): both readings give the same root for
 * the records either side writes.
 */
import * as crypto from 'node:crypto';
import { compareBytes } from '../../crypto/asn1/ber.js';
import { bytesEqual } from '../../crypto/asn1/asn1js-util.js';
import type { TspHash } from '../tsp.js';

/** H(a ‖ b ‖ …) with Node's native hash. */
export function digestOf(hash: TspHash, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = crypto.createHash(hash);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** H(binary-sorted concatenation of `values`) (RFC 4998 §4.2 step 4). */
export function hashSorted(hash: TspHash, values: readonly Uint8Array[]): Uint8Array {
  return digestOf(hash, ...[...values].sort(compareBytes));
}

/** A built tree: every row from the sorted leaves (row 0) to the root. */
export class HashTree {
  readonly hash: TspHash;
  /** Row 0: the distinct leaves in binary ascending order; the last row: the root alone. */
  readonly rows: readonly Uint8Array[][];

  private constructor(hash: TspHash, rows: Uint8Array[][]) {
    this.hash = hash;
    this.rows = rows;
  }

  /**
   * Builds the tree over `leaves` (hash values of the data objects, each of the hash's length).
   * @throws RangeError when there is no leaf (a caller's bug, never a user's input).
   */
  static build(hash: TspHash, leaves: readonly Uint8Array[]): HashTree {
    if (leaves.length === 0) throw new RangeError('a hash tree needs at least one leaf');
    const sorted = [...leaves].sort(compareBytes);
    const row0: Uint8Array[] = [sorted[0]!];
    for (const l of sorted) if (!bytesEqual(l, row0[row0.length - 1]!)) row0.push(l);
    const rows: Uint8Array[][] = [row0];
    let row = row0;
    while (row.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < row.length; i += 2) next.push(hashSorted(hash, [row[i]!, row[i + 1]!]));
      if (row.length % 2 === 1) next.push(row[row.length - 1]!);
      rows.push(next);
      row = next;
    }
    return new HashTree(hash, rows);
  }

  /** The root: what the time-stamp covers. */
  get root(): Uint8Array {
    return this.rows[this.rows.length - 1]![0]!;
  }

  /** The number of distinct leaves. */
  get size(): number {
    return this.rows[0]!.length;
  }

  /** Index of `leaf` in row 0, or -1. */
  indexOf(leaf: Uint8Array): number {
    const row = this.rows[0]!;
    let lo = 0;
    let hi = row.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareBytes(row[mid]!, leaf);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * The reduced hash tree of `leaf` (RFC 4998 §4.2), or undefined when the tree is that one leaf
   * (the time-stamp then covers the object's hash directly, and the record has no tree).
   * @throws RangeError when `leaf` is not a leaf of this tree.
   */
  reducedTree(leaf: Uint8Array): Uint8Array[][] | undefined {
    let index = this.indexOf(leaf);
    if (index < 0) throw new RangeError('not a leaf of this hash tree');
    if (this.rows.length === 1) return undefined;
    const lists: Uint8Array[][] = [];
    for (let level = 0; level < this.rows.length - 1; level++) {
      const row = this.rows[level]!;
      const sibling = index ^ 1;
      if (sibling < row.length) {
        const s = row[sibling]!;
        lists.push(lists.length === 0 ? [leaf, s].sort(compareBytes) : [s]);
      }
      index >>= 1;
    }
    return lists;
  }
}

/**
 * The root a reduced hash tree leads to (RFC 4998 §4.3 step 3), for checking against the
 * time-stamp's message imprint. Undefined for an empty tree.
 */
export function rootOfReducedTree(hash: TspHash, lists: readonly (readonly Uint8Array[])[]): Uint8Array | undefined {
  const first = lists[0];
  if (first === undefined || first.length === 0) return undefined;
  let node = first.length > 1 ? hashSorted(hash, first) : first[0]!;
  for (let k = 1; k < lists.length; k++) {
    const list = lists[k]!;
    if (list.length === 0) return undefined;
    node = hashSorted(hash, [node, ...list]);
  }
  return node;
}

/** True when `value` is one of the first list's hash values (RFC 4998 §4.3 step 2). */
export function firstListHolds(lists: readonly (readonly Uint8Array[])[], value: Uint8Array): boolean {
  return (lists[0] ?? []).some((h) => bytesEqual(h, value));
}
