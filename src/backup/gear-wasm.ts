/**
 * The Gear scan of the chunker (chunker.ts) in WebAssembly: the same int32 arithmetic, cut for
 * cut, without JavaScript's bounds checks on the data and the table. Measured on the 2-core test
 * VM: ~1.6 GiB/s hashed against ~0.9 GiB/s for the JavaScript loop, which was a tenth of a backup
 * worker's CPU.
 *
 * WebAssembly reads only its own memory, so the data is read from the file straight into it: the
 * memory holds the Gear table (1 KiB) then the read buffer, which the file processor uses as its
 * buffer (a Buffer view; the memory never grows, so the view stays valid). The module is
 * assembled below from its opcodes (wasm.ts), nothing fetched. Without WebAssembly the chunker
 * keeps its JavaScript loop.
 */
import { WASM_HEADER, concatBytes, instantiate, leb, section, sleb, wasmName } from '../crypto/zip/wasm.js';

/** Bytes before the data: the 256 int32 Gear values. */
const TABLE_BYTES = 1024;
const PAGE = 65536;

/**
 * `cut(i, warmEnd, e1, e2, maskS, maskL)`: h = 0; from i to warmEnd, h = (h << 1) + gear[byte];
 * then to e1, the same and a cut after the first byte where (h & maskS) = 0; then to e2 with
 * maskL. Returns the address after the cut, or -1. Addresses are byte offsets in the memory.
 */
function moduleBytes(pages: number): Uint8Array {
  const I32 = 0x7f;
  const get = (l: number): number[] => [0x20, l];
  const set = (l: number): number[] => [0x21, l];
  const [I, WARM, E1, E2, MASK_S, MASK_L, H] = [0, 1, 2, 3, 4, 5, 6];
  // h = (h << 1) + i32.load(load8_u(i) << 2); i += 1
  const step = [
    ...get(H), 0x41, 1, 0x74,
    ...get(I), 0x2d, 0x00, 0x00, 0x41, 2, 0x74, 0x28, 0x02, 0x00,
    0x6a, ...set(H),
    ...get(I), 0x41, 1, 0x6a, ...set(I),
  ];
  // if ((h & mask) == 0) return i
  const check = (mask: number): number[] => [...get(H), ...get(mask), 0x71, 0x45, 0x04, 0x40, ...get(I), 0x0f, 0x0b];
  // block { loop { if (i >= end) break; step; check?; continue } }
  const loop = (end: number, mask?: number): number[] => [
    0x02, 0x40, 0x03, 0x40,
    ...get(I), ...get(end), 0x4f, 0x0d, 0x01,
    ...step, ...(mask === undefined ? [] : check(mask)),
    0x0c, 0x00, 0x0b, 0x0b,
  ];
  const body = [0x01, 0x01, I32, ...loop(WARM), ...loop(E1, MASK_S), ...loop(E2, MASK_L), 0x41, ...sleb(-1), 0x0b];
  return concatBytes([
    WASM_HEADER,
    section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 1, I32]), // (i32 × 6) → i32
    section(3, [1, 0]),
    section(5, [1, 0x00, ...leb(pages)]), // memory: `pages`, no maximum (never grown)
    section(7, [2, ...wasmName('mem'), 0x02, 0, ...wasmName('cut'), 0x00, 0]),
    section(10, [1, ...leb(body.length), ...body]),
  ]);
}

/** A Gear scan over a buffer that lives in the module's memory. */
export interface GearScan {
  /** The buffer to read data into; {@link GearScan.cut} scans only views of it. */
  readonly buffer: Buffer;
  /** As the module's `cut`, with offsets into `buffer`; -1 when there is no cut. */
  cut(i: number, warmEnd: number, e1: number, e2: number, maskS: number, maskL: number): number;
}

/** A scan for `gear` over a buffer of `size` bytes; undefined without WebAssembly. */
export function gearScan(gear: Int32Array, size: number): GearScan | undefined {
  let exports: { mem: { buffer: ArrayBuffer }; cut: (i: number, w: number, e1: number, e2: number, s: number, l: number) => number };
  try {
    exports = instantiate(moduleBytes(Math.ceil((TABLE_BYTES + size) / PAGE))) as typeof exports;
  } catch {
    return undefined;
  }
  const table = new DataView(exports.mem.buffer, 0, TABLE_BYTES);
  for (let b = 0; b < 256; b++) table.setInt32(4 * b, gear[b]!, true);
  const wasmCut = exports.cut;
  return {
    buffer: Buffer.from(exports.mem.buffer, TABLE_BYTES, size),
    cut: (i, warmEnd, e1, e2, maskS, maskL) => {
      const r = wasmCut(i + TABLE_BYTES, warmEnd + TABLE_BYTES, e1 + TABLE_BYTES, e2 + TABLE_BYTES, maskS, maskL);
      return r < 0 ? -1 : r - TABLE_BYTES;
    },
  };
}
