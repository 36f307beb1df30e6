/**
 * Stream filters scelle needs to read a PDF's structure (ISO 32000-1 §7.4): FlateDecode with the
 * PNG and TIFF predictors (§7.4.4.4) — what cross-reference streams and object streams use — and
 * ASCIIHexDecode. Page contents and images are never decoded: signing and verifying do not look
 * inside them.
 *
 * Inflating is bounded ({@link MAX_DECODED}): a small stream that expands to gigabytes is refused.
 */
import { inflateSync, constants } from 'node:zlib';
import { ScelleError } from '../errors.js';
import { PdfDict, PdfName, PdfStream, numberOf, type PdfObject } from './objects.js';
import { malformed } from './parser.js';

/** Largest decoded structure stream (an xref or object stream). */
export const MAX_DECODED = 256 * 1024 * 1024;

function inflate(data: Uint8Array, max: number): Uint8Array {
  try {
    return new Uint8Array(inflateSync(data, { maxOutputLength: max }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (e as RangeError).name === 'RangeError') throw malformed(`a structure stream expands past ${Math.round(max / 1024 / 1024)} MiB`);
    // Truncated streams are common: keep what inflates (as readers do).
    try {
      return new Uint8Array(inflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: max }));
    } catch {
      throw malformed(`a Flate stream cannot be inflated (${(e as Error).message})`);
    }
  }
}

function asciiHex(data: Uint8Array): Uint8Array {
  let s = Buffer.from(data).toString('latin1');
  const end = s.indexOf('>');
  if (end >= 0) s = s.slice(0, end);
  s = s.replace(/[\x00\t\n\f\r ]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(s)) throw malformed('an ASCIIHex stream holds other characters');
  return new Uint8Array(Buffer.from(s.length % 2 === 1 ? `${s}0` : s, 'hex'));
}

/** §7.4.4.4 Table 8 and the PNG specification §6: undoes the predictor of one decoded stream. */
function unpredict(data: Uint8Array, parms: PdfDict | undefined): Uint8Array {
  const predictor = numberOf(parms?.get('Predictor')) ?? 1;
  if (predictor === 1) return data;
  const colors = numberOf(parms?.get('Colors')) ?? 1;
  const bpc = numberOf(parms?.get('BitsPerComponent')) ?? 8;
  const columns = numberOf(parms?.get('Columns')) ?? 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLength = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) throw new ScelleError('UNSUPPORTED_FORMAT', `TIFF predictor with ${bpc} bits per component is not supported in a structure stream`);
    const out = data.slice();
    for (let row = 0; row + rowLength <= out.length; row += rowLength) {
      for (let i = bpp; i < rowLength; i++) out[row + i] = (out[row + i]! + out[row + i - bpp]!) & 0xff;
    }
    return out;
  }
  if (predictor < 10) throw new ScelleError('UNSUPPORTED_FORMAT', `predictor ${predictor} is not supported`);
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  let prev = new Uint8Array(rowLength);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLength + 1)]!;
    const src = data.subarray(r * (rowLength + 1) + 1, (r + 1) * (rowLength + 1));
    const cur = out.subarray(r * rowLength, (r + 1) * rowLength);
    for (let i = 0; i < rowLength; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let v = src[i]!;
      switch (type) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw malformed(`unknown PNG predictor row type ${type}`);
      }
      cur[i] = v & 0xff;
    }
    prev = cur;
  }
  return out;
}

const asArray = (v: PdfObject | undefined): PdfObject[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The decoded bytes of a structure stream. `resolve` turns indirect /Filter or /DecodeParms
 * values into objects.
 * @throws ScelleError PDF_MALFORMED, UNSUPPORTED_FORMAT (a filter other than Flate or ASCIIHex).
 */
export function decodeStream(stream: PdfStream, resolve: (v: PdfObject | undefined) => PdfObject | undefined = (v) => v, maxDecoded = MAX_DECODED): Uint8Array {
  const filters = asArray(resolve(stream.dict.get('Filter')));
  const parms = asArray(resolve(stream.dict.get('DecodeParms')));
  let data = stream.data;
  filters.forEach((f, i) => {
    const p = resolve(parms[i]);
    const filterName = f instanceof PdfName ? f.name : '';
    if (filterName === 'FlateDecode' || filterName === 'Fl') data = unpredict(inflate(data, maxDecoded), p instanceof PdfDict ? p : undefined);
    else if (filterName === 'ASCIIHexDecode' || filterName === 'AHx') data = asciiHex(data);
    else throw new ScelleError('UNSUPPORTED_FORMAT', `a PDF structure stream uses the ${filterName || 'unnamed'} filter, which scelle does not read`, { params: { detail: filterName } });
  });
  return data;
}
