/**
 * The WebAssembly binary format, as far as scelle's two small SIMD modules use it (pbkdf2-sha1-simd.ts,
 * xor-simd.ts): LEB128 numbers, sections, names, the header, and compiling a module here. The
 * modules are assembled from their opcodes at run time: nothing is fetched or shipped as a binary.
 */

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    o.push(b);
  } while (n !== 0);
  return o;
}

/** Signed LEB128 (an `i32.const` operand). */
export function sleb(n: number): number[] {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
}

/** Byte pieces joined into one array. */
export function concatBytes(parts: readonly (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** A section: its id, its size, its content. */
export const section = (id: number, content: Uint8Array | number[]): Uint8Array => concatBytes([[id, ...leb(content.length)], content]);

/** A name (an export's): its length, its UTF-8 bytes. */
export const wasmName = (s: string): number[] => [...leb(s.length), ...new TextEncoder().encode(s)];

/** The magic number and version 1 that begin every module. */
export const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** The part of the WebAssembly JS API used here (Node's types do not declare it without the DOM lib). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** Compiles and instantiates a module; throws when this runtime has no WebAssembly (or no SIMD). */
export function instantiate(bytes: Uint8Array): unknown {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) throw new Error('no WebAssembly in this runtime');
  return new wasm.Instance(new wasm.Module(bytes)).exports;
}
