/**
 * Signing PDF files: `letter.pdf` → `letter.signed.pdf` (or a chosen path), written atomically
 * (a temporary file in the same folder, fsync, rename): an interrupted or failed run leaves no
 * output, and the original is never modified. Many files go through one {@link PadesSigner} (one
 * PIN or password entry), a few at a time so that reading, hashing and time-stamping overlap.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { ScelleError, isScelleError } from '../errors.js';
import { syncFolder, writeStreamAtomic } from '../io/atomic-output.js';
import { readInputFile } from '../io/read-file.js';
import { MAX_PDF_BYTES } from './document.js';
import { extendPdf, type ExtendOptions, type ExtendResult } from './extend.js';
import type { PadesResult, PadesSigner } from './pades.js';

/** `letter.pdf` → `letter.signed.pdf` (`.pdf` appended when the name has no such extension). */
export function signedPdfPath(input: string): string {
  return /\.pdf$/i.test(input) ? input.replace(/\.pdf$/i, '.signed.pdf') : `${input}.signed.pdf`;
}

/** The outcome for one file: its result, or the error that stopped that file only. */
export type PdfSignOutcome =
  | { path: string; ok: true; outPath: string; result: PadesResult }
  | { path: string; ok: false; error: ScelleError };

/** Options of {@link signPdfFiles}. */
export interface SignPdfFilesOptions {
  /** One output file (a single input only). */
  outPath?: string;
  /** Write into this folder (`NAME.signed.pdf`). */
  outDir?: string;
  /** Files in flight at once. Default 4. */
  concurrency?: number;
  /** Called as soon as each file is done. */
  onResult?: (o: PdfSignOutcome) => void;
}

async function writeParts(path: string, parts: readonly Uint8Array[], syncDir: boolean): Promise<void> {
  await writeStreamAtomic(path, async (write) => {
    for (const p of parts) await write(p);
  }, syncDir ? {} : { syncFolder: false });
}

function asScelleError(e: unknown, path: string): ScelleError {
  if (isScelleError(e)) return e;
  return new ScelleError('INTERNAL', `signing ${path} failed: ${(e as Error)?.message ?? String(e)}`, { cause: e, params: { file: path } });
}

/**
 * Signs each PDF; a failing file is reported and the others are signed. Outcomes come back in
 * the order of `paths`.
 * @throws ScelleError USAGE (outPath with several files, or two inputs with the same output).
 */
export async function signPdfFiles(signer: PadesSigner, paths: readonly string[], options: SignPdfFilesOptions = {}): Promise<PdfSignOutcome[]> {
  if (options.outPath !== undefined && paths.length !== 1) throw new ScelleError('USAGE', '--out goes with one PDF only', { params: { detail: '--out goes with one PDF only' } });
  const outOf = (p: string): string => options.outPath ?? (options.outDir !== undefined ? join(options.outDir, basename(signedPdfPath(p))) : signedPdfPath(p));
  const claimed = new Map<string, string>();
  for (const p of paths) {
    const out = resolve(outOf(p));
    const other = claimed.get(out);
    if (other !== undefined) throw new ScelleError('USAGE', `${p} and ${other} would both be signed into ${out}`, { params: { detail: out } });
    claimed.set(out, p);
  }
  const outcomes = new Array<PdfSignOutcome>(paths.length);
  const folders = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < paths.length; i = next++) {
      const path = paths[i]!;
      const outPath = outOf(path);
      let outcome: PdfSignOutcome;
      try {
        const result = await signer.signPdf(await readInputFile(path, MAX_PDF_BYTES));
        await writeParts(outPath, result.parts, false);
        folders.add(dirname(resolve(outPath)));
        outcome = { path, ok: true, outPath, result };
      } catch (e) {
        outcome = { path, ok: false, error: asScelleError(e, path) };
      }
      outcomes[i] = outcome;
      options.onResult?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency ?? 4), paths.length) }, worker));
  for (const f of folders) await syncFolder(f);
  return outcomes;
}

/**
 * Extends a signed PDF file to B-LT or B-LTA ({@link extendPdf}), into `outPath` (default: the
 * file itself, replaced atomically — the update only appends to it).
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, and what {@link extendPdf} throws.
 */
export async function extendPdfFile(path: string, options: ExtendOptions & { outPath?: string }): Promise<ExtendResult & { outPath: string }> {
  const pdf = await readInputFile(path, MAX_PDF_BYTES);
  const result = await extendPdf(pdf, options);
  const outPath = options.outPath ?? path;
  await writeParts(outPath, result.parts, true);
  return { ...result, outPath };
}
