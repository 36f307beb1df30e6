/**
 * The manifest of an export: `MANIFEST.sha256` at the root of the zip, in the format of GNU
 * `sha256sum` (`<64 hex>  <name>`, two spaces, one file per line, LF), so that after extraction
 * `sha256sum -c MANIFEST.sha256` checks every file. The size of each file is on a comment line
 * before it (`# size: N`); `sha256sum -c` skips lines that start with `#`.
 *
 * ```
 * # scelle-manifest 1
 * # SHA-256 and size of every file of this archive. Check: sha256sum -c MANIFEST.sha256
 * # created: 2026-11-23T08:00:00.000Z
 * # files: 2
 * # bytes: 12345
 * # size: 12000
 * 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  patients/lettre.txt
 * # size: 345
 * …  ordonnance.pdf
 * ```
 *
 * Names are the entry names (UTF-8, NFC, `/`-separated). Names that `sha256sum` would have to
 * escape (backslash, newline) are never exported (UNSAFE_PATH), so no line is escaped.
 * The detached CAdES signature of these exact bytes is `MANIFEST.sha256.p7s`.
 */
import { ScelleError } from '../errors.js';

/** Name of the manifest at the root of an export. */
export const MANIFEST_NAME = 'MANIFEST.sha256';
/** Name of its detached CAdES signature. */
export const MANIFEST_SIGNATURE_NAME = 'MANIFEST.sha256.p7s';
/** Largest manifest read on import (about 2 million files). */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** One file of a manifest. */
export interface ManifestFile {
  name: string;
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

/** Writes the manifest text. */
export function formatManifest(files: readonly ManifestFile[], created: Date): Uint8Array {
  const total = files.reduce((n, f) => n + f.size, 0);
  const lines = [
    '# scelle-manifest 1',
    `# SHA-256 and size of every file of this archive. Check: sha256sum -c ${MANIFEST_NAME}`,
    `# created: ${created.toISOString()}`,
    `# files: ${files.length}`,
    `# bytes: ${total}`,
  ];
  for (const f of files) {
    if (/[\\\n\r]/u.test(f.name)) throw new ScelleError('UNSAFE_PATH', `a manifest name cannot contain a backslash or a line break: "${f.name}"`, { params: { entry: f.name } });
    lines.push(`# size: ${f.size}`, `${f.sha256}  ${f.name}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/**
 * Reads a manifest: every hash line, with the size given by the `# size:` line before it.
 * @throws ScelleError `MANIFEST_MISMATCH` when it is not a scelle manifest, a line is malformed,
 *   a hash line lacks its size, or a name appears twice.
 */
export function parseManifest(bytes: Uint8Array): Map<string, ManifestFile> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bad('it is not UTF-8 text');
  }
  const lines = text.split('\n');
  if (lines[0] !== '# scelle-manifest 1') throw bad('its first line is not "# scelle-manifest 1"');
  const out = new Map<string, ManifestFile>();
  let size: number | undefined;
  for (const [i, line] of lines.entries()) {
    if (line === '' && i === lines.length - 1) break;
    if (line.startsWith('#')) {
      const m = /^# size: (\d{1,16})$/u.exec(line);
      if (m) size = Number(m[1]);
      continue;
    }
    const m = /^([0-9a-f]{64}) {2}(.+)$/u.exec(line);
    if (!m) throw bad(`line ${i + 1} is not "<sha256>  <name>"`);
    if (size === undefined) throw bad(`line ${i + 1} has no "# size:" line before it`);
    const name = m[2]!.normalize('NFC');
    if (out.has(name)) throw bad(`"${name}" is listed twice`);
    out.set(name, { name, size, sha256: m[1]! });
    size = undefined;
  }
  return out;
}

function bad(detail: string): ScelleError {
  return new ScelleError('MANIFEST_MISMATCH', `the archive's ${MANIFEST_NAME} is malformed: ${detail}`, { params: { entry: MANIFEST_NAME } });
}
