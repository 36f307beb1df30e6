/**
 * PBKDF2-HMAC-SHA1 (RFC 8018 §5.2, RFC 2104) for WinZip AES keys, four output blocks at once in
 * WebAssembly SIMD: each 32-bit lane of an i32x4 vector runs one block's chain of HMACs, so the
 * 66 bytes of an AES-256 entry (four SHA-1 blocks × 1 000 iterations) cost the instructions of
 * one. OpenSSL 3's PBKDF2 spends more time copying its HMAC contexts than hashing (~0.8 ms per
 * entry here); this runs in ~0.55 ms, and a folder of 4 000 letters derives 4 000 keys.
 *
 * The code is generated below, instruction by instruction, from SHA-1's definition (FIPS 180-4
 * §6.1.2): no binary blob, nothing fetched. Per iteration the inner and outer hashes each
 * compress one block whose first five words are the previous digest, the rest constant padding
 * (the HMAC key's ipad/opad states are computed once). The message schedule lives in linear
 * memory (x86 has 16 vector registers: SHA-1's 16-word window plus its state does not fit).
 *
 * Constant time: no table, no branch on secret data. Checked against OpenSSL on random inputs
 * (tests/unit/crypto/zip/pbkdf2-sha1-simd.test.ts). Without WebAssembly SIMD the caller uses
 * OpenSSL ({@link pbkdf2Sha1Simd} returns undefined).
 */
import { createHash } from 'node:crypto';
import { WASM_HEADER, concatBytes, instantiate, leb, section, sleb, wasmName } from './wasm.js';

const IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];

/** Linear memory layout (bytes): four lanes per 16-byte vector. */
const MEM = { istate: 0, ostate: 80, block: 160, out: 416, ring: 512 } as const;

/** A WebAssembly function body, emitted opcode by opcode (into a growing byte buffer). */
class Body {
  private buf = new Uint8Array(64 * 1024);
  private length = 0;
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
  private op(...x: number[]): this {
    if (this.length + x.length > this.buf.byteLength) {
      const bigger = new Uint8Array(this.buf.byteLength * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    for (const b of x) this.buf[this.length++] = b;
    return this;
  }
  private simd(code: number, ...rest: number[]): this {
    return this.op(0xfd, ...leb(code), ...rest);
  }
  get(i: number): this { return this.op(0x20, ...leb(i)); }
  set(i: number): this { return this.op(0x21, ...leb(i)); }
  tee(i: number): this { return this.op(0x22, ...leb(i)); }
  i32(n: number): this { return this.op(0x41, ...sleb(n | 0)); }
  sub(): this { return this.op(0x6b); }
  eqz(): this { return this.op(0x45); }
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  brIf(depth: number): this { return this.op(0x0d, depth); }
  br(depth: number): this { return this.op(0x0c, depth); }
  end(): this { return this.op(0x0b); }
  /** v128.load / v128.store at a constant address (base 0 pushed first). */
  load(at: number): this { return this.i32(0).simd(0x00, 4, ...leb(at)); }
  storeTo(at: number, local: number): this { return this.i32(0).get(local).simd(0x0b, 4, ...leb(at)); }
  /** Stores the vector on the stack (below it: the base address, pushed by {@link base}). */
  base(): this { return this.i32(0); }
  store(at: number): this { return this.simd(0x0b, 4, ...leb(at)); }
  /** v128.const with the same 32-bit value in every lane. */
  splat(v: number): this {
    const b: number[] = [];
    for (let i = 0; i < 4; i++) b.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    return this.simd(0x0c, ...b);
  }
  and(): this { return this.simd(0x4e); }
  or(): this { return this.simd(0x50); }
  xor(): this { return this.simd(0x51); }
  /** v128.bitselect(a, b, mask) = (a & mask) | (b & ~mask). */
  select(): this { return this.simd(0x52); }
  shl(): this { return this.simd(0xab, 0x01); }
  shrU(): this { return this.simd(0xad, 0x01); }
  add(): this { return this.simd(0xae, 0x01); }
  /** Pushes rotl(local x, n). */
  rotl(x: number, n: number): this {
    return this.get(x).i32(n).shl().get(x).i32(32 - n).shrU().or();
  }
}

/** Locals: 0 = the iteration count (i32); v128 locals from 1. */
class Locals {
  private next = 1;
  take(n: number): number[] {
    return Array.from({ length: n }, () => this.next++);
  }
  get count(): number {
    return this.next - 1;
  }
}

/**
 * One SHA-1 compression (FIPS 180-4 §6.1.2) of the block whose words are W[0..15]: the first
 * five in `head` locals, the rest either in `head` too (a general block) or HMAC's constant
 * padding for a 20-byte message after a 64-byte key block (`padded`). `state` is added in.
 */
function compress(c: Body, v: { state: number[]; out: number[]; work: number[]; head: number[]; tmp: number }, padded: boolean): void {
  const ring = (t: number): number => MEM.ring + (t & 15) * 16;
  // The constant words of the padded block: 0x80000000 after the digest, the bit length (84 bytes) last.
  const constWord = (t: number): number => (t === 5 ? 0x80000000 : t === 15 ? 672 : 0);
  for (let t = 0; t < 16; t++) {
    if (t < v.head.length) c.base().get(v.head[t]!).store(ring(t));
    else c.base().splat(constWord(t)).store(ring(t));
  }
  let [a, b, cc, d, e] = v.work as [number, number, number, number, number];
  for (let i = 0; i < 5; i++) c.get(v.state[i]!).set(v.work[i]!);
  for (let t = 0; t < 80; t++) {
    if (t >= 16) {
      c.load(ring(t - 3)).load(ring(t - 8)).xor().load(ring(t - 14)).xor().load(ring(t)).xor().set(v.tmp);
      c.base().rotl(v.tmp, 1).store(ring(t));
    }
    // temp = e + (K + W) + f(b, c, d) + rotl(a, 5): rotl(a, 5) last keeps each round's chain short.
    const k = K[Math.floor(t / 20)]!;
    if (t < 16 && padded && t >= 5) c.get(e).splat((k + constWord(t)) >>> 0).add();
    else c.get(e).splat(k).add().load(ring(t)).add();
    if (t < 20) c.get(cc).get(d).get(b).select();
    else if (t < 40 || t >= 60) c.get(b).get(cc).xor().get(d).xor();
    else c.get(d).get(b).get(b).get(cc).xor().select();
    c.add().rotl(a, 5).add().set(e);
    c.rotl(b, 30).set(b);
    [a, b, cc, d, e] = [e, a, b, cc, d];
  }
  const fin = [a, b, cc, d, e];
  for (let i = 0; i < 5; i++) c.get(v.state[i]!).get(fin[i]!).add().set(v.out[i]!);
}

/** The module: `pbkdf2(iterations)` and `compress()`, over one page of memory. */
function buildModule(): Uint8Array {
  const l = new Locals();
  const [istate, ostate, inner, u, t, work, head] = [l.take(5), l.take(5), l.take(5), l.take(5), l.take(5), l.take(5), l.take(16)];
  const [tmp] = l.take(1);
  // pbkdf2(n): U1 = HMAC(P, S ‖ INT(lane+1)) from the prepared first inner block; then n − 1 more.
  const p = new Body();
  for (let i = 0; i < 5; i++) p.load(MEM.istate + i * 16).set(istate[i]!).load(MEM.ostate + i * 16).set(ostate[i]!);
  for (let i = 0; i < 16; i++) p.load(MEM.block + i * 16).set(head[i]!);
  compress(p, { state: istate, out: inner, work, head, tmp: tmp! }, false);
  compress(p, { state: ostate, out: u, work, head: inner, tmp: tmp! }, true);
  for (let i = 0; i < 5; i++) p.get(u[i]!).set(t[i]!);
  p.block().loop();
  p.get(0).i32(1).sub().tee(0).eqz().brIf(1);
  compress(p, { state: istate, out: inner, work, head: u, tmp: tmp! }, true);
  compress(p, { state: ostate, out: u, work, head: inner, tmp: tmp! }, true);
  for (let i = 0; i < 5; i++) p.get(t[i]!).get(u[i]!).xor().set(t[i]!);
  p.br(0).end().end();
  for (let i = 0; i < 5; i++) p.storeTo(MEM.out + i * 16, t[i]!);
  p.end();
  // compress(): out = state + SHA-1 block function(block), for the HMAC key's pads.
  const g = new Body();
  for (let i = 0; i < 5; i++) g.load(MEM.istate + i * 16).set(istate[i]!);
  for (let i = 0; i < 16; i++) g.load(MEM.block + i * 16).set(head[i]!);
  compress(g, { state: istate, out: inner, work, head, tmp: tmp! }, false);
  for (let i = 0; i < 5; i++) g.storeTo(MEM.out + i * 16, inner[i]!);
  g.end();

  // A function's code: its size, one group of v128 locals, its instructions.
  const code = (b: Body): Uint8Array => {
    const head = [1, ...leb(l.count), 0x7b];
    return concatBytes([leb(head.length + b.bytes.length), head, b.bytes]);
  };
  return concatBytes([
    WASM_HEADER,
    // one type, (i32) → (), for both functions: their v128 locals then number from 1 alike
    section(1, [1, 0x60, 1, 0x7f, 0]),
    section(3, [2, 0, 0]),
    section(5, [1, 0, 1]), // one page of memory
    section(7, [3, ...wasmName('pbkdf2'), 0, 0, ...wasmName('compress'), 0, 1, ...wasmName('memory'), 2, 0]),
    section(10, concatBytes([[2], code(p), code(g)])),
  ]);
}

interface Exports {
  pbkdf2(iterations: number): void;
  compress(unused?: number): void;
  memory: { buffer: ArrayBuffer };
}

/** The instance of this thread, compiled on first use (null: no WebAssembly SIMD here). */
let instance: Exports | null | undefined;

/** Compiles the module (once per thread). Exported for tests: the reason it may not compile. */
export function compileSimdPbkdf2(): Exports {
  return instantiate(buildModule()) as Exports;
}

function exportsOf(): Exports | undefined {
  if (instance === undefined) {
    try {
      instance = compileSimdPbkdf2();
    } catch {
      instance = null;
    }
  }
  return instance ?? undefined;
}

/** Big-endian words of a 64-byte block. */
function wordsOf(block: Uint8Array): number[] {
  const v = new DataView(block.buffer, block.byteOffset, 64);
  return Array.from({ length: 16 }, (_, i) => v.getUint32(i * 4, false));
}

/** The state after compressing one 64-byte block from SHA-1's initial value (every lane alike). */
function padState(x: Exports, mem: Uint32Array, pad: Uint8Array): number[] {
  const w = wordsOf(pad);
  for (let i = 0; i < 5; i++) mem.fill(IV[i]!, (MEM.istate >> 2) + i * 4, (MEM.istate >> 2) + i * 4 + 4);
  for (let i = 0; i < 16; i++) mem.fill(w[i]!, (MEM.block >> 2) + i * 4, (MEM.block >> 2) + i * 4 + 4);
  x.compress();
  return Array.from({ length: 5 }, (_, i) => mem[(MEM.out >> 2) + i * 4]!);
}

/**
 * PBKDF2-HMAC-SHA1(password, salt, iterations, length) for length ≤ 80 bytes (four SHA-1 blocks)
 * and a salt of at most 51 bytes; undefined when WebAssembly SIMD is not available (or the
 * arguments are out of that range): the caller then uses OpenSSL.
 */
export function pbkdf2Sha1Simd(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array | undefined {
  if (length > 80 || salt.byteLength > 51 || iterations < 1 || !Number.isInteger(iterations)) return undefined;
  const x = exportsOf();
  if (x === undefined) return undefined;
  const mem = new Uint32Array(x.memory.buffer);
  // HMAC key block (RFC 2104): a key longer than 64 bytes is hashed first.
  const key = new Uint8Array(64);
  key.set(password.byteLength > 64 ? createHash('sha1').update(password).digest() : password);
  const istate = padState(x, mem, key.map((b) => b ^ 0x36));
  const ostate = padState(x, mem, key.map((b) => b ^ 0x5c));
  for (let i = 0; i < 5; i++) {
    mem.fill(istate[i]!, (MEM.istate >> 2) + i * 4, (MEM.istate >> 2) + i * 4 + 4);
    mem.fill(ostate[i]!, (MEM.ostate >> 2) + i * 4, (MEM.ostate >> 2) + i * 4 + 4);
  }
  // The first inner block of lane j: S ‖ INT(j + 1), padded, after the 64-byte ipad block.
  for (let lane = 0; lane < 4; lane++) {
    const block = new Uint8Array(64);
    block.set(salt);
    new DataView(block.buffer).setUint32(salt.byteLength, lane + 1, false);
    block[salt.byteLength + 4] = 0x80;
    new DataView(block.buffer).setUint32(60, (64 + salt.byteLength + 4) * 8, false);
    const w = wordsOf(block);
    for (let i = 0; i < 16; i++) mem[(MEM.block >> 2) + i * 4 + lane] = w[i]!;
  }
  x.pbkdf2(iterations);
  const out = new Uint8Array(80);
  const v = new DataView(out.buffer);
  for (let lane = 0; lane < 4; lane++) {
    for (let i = 0; i < 5; i++) v.setUint32(lane * 20 + i * 4, mem[(MEM.out >> 2) + i * 4 + lane]!, false);
  }
  mem.fill(0); // the key's pad states and the derived keys do not outlive the call
  return out.subarray(0, length);
}
