/**
 * The IMAP wire format, server to client (RFC 9051 §7 and §9; RFC 3501 for IMAP4rev1 servers):
 * responses are lines ending in CRLF; a line ending in `{n}` announces a literal of exactly n bytes
 * that follows the CRLF, after which the response continues. This module cuts the byte stream into
 * responses and tokenises them (atoms, quoted strings, literals, NIL, parenthesised lists).
 *
 * Bounded: a line longer than {@link WireLimits.maxLine} or a literal larger than
 * {@link WireLimits.maxLiteral} is an error (IMAP_ERROR), never an unbounded buffer.
 */
import { ScelleError } from '../errors.js';

/** One token of a response. A literal stays bytes. */
export type ImapValue = string | Uint8Array | null | ImapValue[];

/** One complete server response. */
export interface ImapResponse {
  /** `*` (untagged), `+` (continuation) or the tag of the command it completes. */
  tag: string;
  /** The first line without the tag, as text (literals not included). */
  text: string;
  /** Tokens after the tag (untagged data and status responses). */
  tokens: ImapValue[];
}

/** Limits of {@link ImapReader}. */
export interface WireLimits {
  /** Longest line, bytes. Default 64 KiB. */
  maxLine?: number;
  /** Largest literal, bytes. Default 64 MiB. */
  maxLiteral?: number;
}

const bad = (detail: string): ScelleError => new ScelleError('IMAP_ERROR', `the IMAP server sent a malformed response: ${detail}`, { params: { detail } });

/**
 * Cuts a byte stream into complete responses. Chunks are kept apart until a response can be
 * complete, so a large literal is joined once, not once per chunk.
 */
export class ImapReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before trying again (a literal announced but not all here). */
  private need = 0;
  private readonly maxLine: number;
  private readonly maxLiteral: number;

  constructor(limits: WireLimits = {}) {
    this.maxLine = limits.maxLine ?? 64 * 1024;
    this.maxLiteral = limits.maxLiteral ?? 64 * 1024 * 1024;
  }

  /** Bytes received and not yet part of a complete response. */
  get pending(): number {
    return this.size;
  }

  push(chunk: Uint8Array): void {
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
  }

  private flat(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  /**
   * The next complete response, or undefined when more bytes are needed.
   * @throws ScelleError IMAP_ERROR (line or literal too long, malformed tokens).
   */
  next(): ImapResponse | undefined {
    if (this.size === 0 || this.size < this.need) return undefined;
    const buf = this.flat();
    const lines: string[] = [];
    const literals: Uint8Array[] = [];
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf('\r\n', pos);
      if (nl === -1) {
        if (buf.length - pos > this.maxLine) throw bad(`a line longer than ${this.maxLine} bytes`);
        this.need = buf.length + 1;
        return undefined;
      }
      if (nl - pos > this.maxLine) throw bad(`a line longer than ${this.maxLine} bytes`);
      const line = buf.toString('latin1', pos, nl);
      const lit = /\{(\d{1,12})\+?\}$/.exec(line);
      if (!lit) {
        lines.push(line);
        this.chunks = [buf.subarray(nl + 2)];
        this.size = buf.length - nl - 2;
        this.need = 0;
        return parseResponse(lines, literals);
      }
      const n = Number(lit[1]);
      if (n > this.maxLiteral) throw bad(`a literal of ${n} bytes (more than ${this.maxLiteral})`);
      if (buf.length < nl + 2 + n) {
        this.need = nl + 2 + n;
        return undefined;
      }
      lines.push(line);
      literals.push(new Uint8Array(buf.subarray(nl + 2, nl + 2 + n)));
      pos = nl + 2 + n;
    }
  }
}

function parseResponse(lines: string[], literals: Uint8Array[]): ImapResponse {
  const first = lines[0]!;
  const sp = first.indexOf(' ');
  const tag = sp === -1 ? first : first.slice(0, sp);
  const rest = sp === -1 ? '' : first.slice(sp + 1);
  if (tag === '') throw bad('an empty tag');
  const text = literals.length > 0 ? rest.replace(/\{\d+\+?\}$/, '') : rest;
  if (tag === '+') return { tag, text: rest, tokens: [] };
  return { tag, text, tokens: tokenize(lines, literals) };
}

/** Tokenises the lines of a response (without the tag), literals in their places. */
function tokenize(lines: string[], literals: Uint8Array[]): ImapValue[] {
  const root: ImapValue[] = [];
  const stack: ImapValue[][] = [root];
  const push = (v: ImapValue): void => {
    stack[stack.length - 1]!.push(v);
  };
  lines.forEach((full, li) => {
    const line = li === 0 ? full.slice(full.indexOf(' ') + 1) : full;
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (c === ' ') i++;
      else if (c === '(') {
        const list: ImapValue[] = [];
        push(list);
        stack.push(list);
        i++;
      } else if (c === ')') {
        if (stack.length === 1) throw bad('an unbalanced ")"');
        stack.pop();
        i++;
      } else if (c === '"') i = quoted(line, i, push);
      else if (c === '{' && /^\{\d+\+?\}$/.test(line.slice(i))) {
        push(literals[li]!);
        i = line.length;
      } else i = atom(line, i, push);
    }
  });
  if (stack.length !== 1) throw bad('an unclosed "("');
  return root;
}

function quoted(line: string, start: number, push: (v: ImapValue) => void): number {
  let i = start + 1;
  let s = '';
  while (i < line.length && line[i] !== '"') {
    if (line[i] === '\\' && i + 1 < line.length) i++;
    s += line[i++];
  }
  if (line[i] !== '"') throw bad('an unterminated quoted string');
  push(s);
  return i + 1;
}

/** An atom; `[` … `]` belong to it (BODY[], response codes), so a section with spaces stays one token. */
function atom(line: string, start: number, push: (v: ImapValue) => void): number {
  let i = start;
  let depth = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === ' ' || c === '(' || c === ')' || c === '"')) break;
    i++;
  }
  const word = line.slice(start, i);
  push(word.toUpperCase() === 'NIL' ? null : word);
  return i;
}

/** The status of a tagged or untagged status response: `OK`, `NO`, `BAD`, `BYE`, `PREAUTH`, and its response code. */
export function statusOf(r: ImapResponse): { status: string; code?: string; text: string } {
  const m = /^(OK|NO|BAD|BYE|PREAUTH)\b\s*(?:\[([^\]]*)\])?\s*(.*)$/i.exec(r.text);
  if (!m) return { status: '', text: r.text };
  return { status: m[1]!.toUpperCase(), ...(m[2] !== undefined ? { code: m[2] } : {}), text: m[3] ?? '' };
}

/**
 * Quotes a string for a command (RFC 9051 §4.3): a quoted string when it is 7-bit without CR/LF,
 * else an error (scelle sends no literal in commands).
 * @throws ScelleError USAGE.
 */
export function quoteImap(s: string): string {
  if (/[\r\n\u0000]/.test(s) || /[^\x01-\x7f]/.test(s)) throw new ScelleError('USAGE', `"${s}" cannot be sent to an IMAP server as a quoted string`, { params: { detail: 'bad IMAP string' } });
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** A mailbox name in IMAP's modified UTF-7 (RFC 3501 §5.1.3), quoted: `Envoyés` → `"Envoy&AOk-s"`. */
export function mailboxName(name: string): string {
  let out = '';
  let pending = '';
  const flush = (): void => {
    if (pending === '') return;
    const utf16 = Buffer.alloc(pending.length * 2);
    for (let i = 0; i < pending.length; i++) utf16.writeUInt16BE(pending.charCodeAt(i), i * 2);
    out += `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = '';
  };
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else pending += ch;
  }
  flush();
  return quoteImap(out);
}
