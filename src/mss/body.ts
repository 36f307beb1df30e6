/**
 * The text of a message, as a practitioner reads it: the text/plain body, or the text rendering
 * of an HTML-only body (RFC 2046 §5.1.4: of multipart/alternative parts, the plain text is what a
 * text display shows), made safe to print in a terminal.
 *
 * HTML is never rendered: it is converted to text by mailparser (html-to-text, nesting bounded),
 * so scripts, styles, remote images and forms are dropped and links are shown as text with their
 * target beside them (`texte [https://…]`), which lets the reader see where a link really goes.
 *
 * Terminal safety: a sender controls every byte of the body. Escape sequences (ESC, CSI), other C0
 * and C1 controls, and Unicode bidirectional overrides (which can make text read differently from
 * what it is, CVE-2021-42574 "Trojan Source") are removed before display.
 */

/** Where the text of a message came from. */
export type TextSource = 'plain' | 'html' | 'headerless';

/** Largest body text kept in a report, characters. Longer text is cut with a note. */
export const MAX_TEXT_CHARS = 2 * 1024 * 1024;

const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
/** ECMA-48 control sequences (CSI … final byte, OSC … BEL/ST, two-byte ESC sequences): removed whole. */
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/**
 * Text made safe to print: CRLF and lone CR become LF; every control character except LF and tab
 * is removed (so no escape sequence reaches the terminal); bidirectional overrides and isolates are
 * removed; a byte-order mark is dropped. At most `maxChars` characters are kept.
 */
export function sanitizeText(text: string, maxChars = MAX_TEXT_CHARS): { text: string; truncated: boolean } {
  let t = text.replace(/\r\n?/g, '\n').replace(/^\ufeff/, '').replace(ESCAPES, '').replace(CONTROLS, '').replace(BIDI, '');
  const truncated = t.length > maxChars;
  if (truncated) t = t.slice(0, maxChars);
  return { text: t, truncated };
}

/**
 * Decodes the body of an entity that had no header fields (read as text/plain): UTF-8 when the
 * bytes are valid UTF-8 (what `openssl smime` signs on a French system), else Windows-1252 (the
 * superset of Latin-1 that older clients write).
 */
export function decodeHeaderlessText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
