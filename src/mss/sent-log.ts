/**
 * The sent-messages register (`--sent-log FILE`): one JSON line per message sent, appended by
 * `mss send`, so that `mss read` can say which of the practitioner's messages a receipt or an
 * integration error answers (docs/FORMAT.md "Sent-messages register").
 *
 * Appending is one `write` of one line with O_APPEND (atomic for a line on a local file system),
 * then fsync; the file is created with mode 0600. Lines that are not JSON (a torn last line after a
 * crash) are skipped when reading.
 */
import { constants, createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { ScelleError } from '../errors.js';

/** One message sent. */
export interface SentRecord {
  /** Format version (1). */
  v: 1;
  messageId: string;
  /** ISO 8601 UTC. */
  date: string;
  from: string;
  to: string[];
  subject: string;
  receiptRequested: boolean;
  /** `smtp`: sent through a server; `file`: written with --out (to be sent by other means). */
  via: 'smtp' | 'file';
  /** `X-MSS-CODECDA` codes of the CDA documents sent, in order. */
  cdaCodes: string[];
  /** Names of the files sent (attachments and documents of the XDM package). */
  files: string[];
}

const MAX_LINE = 64 * 1024;

/**
 * Appends a record.
 * @throws ScelleError IO_ERROR.
 */
export async function appendSentRecord(path: string, record: SentRecord): Promise<void> {
  const line = `${JSON.stringify(record)}\n`;
  if (line.length > MAX_LINE) throw new ScelleError('IO_ERROR', `the record of ${record.messageId} is longer than ${MAX_LINE} bytes`, { params: { file: path } });
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await fh.write(line);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new ScelleError('IO_ERROR', `cannot append to the sent-messages register ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
  }
}

/**
 * Finds the record of a Message-ID (the last one when written twice), streaming the file.
 * A register that does not exist yet holds nothing.
 * @throws ScelleError IO_ERROR.
 */
export async function findSentRecord(path: string, messageId: string): Promise<SentRecord | undefined> {
  let found: SentRecord | undefined;
  const input = createReadStream(path, { encoding: 'utf8' });
  try {
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.length > MAX_LINE || !line.includes(messageId)) continue;
      try {
        const r = JSON.parse(line) as SentRecord;
        if (r.v === 1 && r.messageId === messageId) found = r;
      } catch {
        // a torn line: skipped
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ScelleError('IO_ERROR', `cannot read the sent-messages register ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
  } finally {
    input.destroy();
  }
  return found;
}
