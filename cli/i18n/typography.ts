/**
 * French typography for text a person reads: a non-breaking space (U+00A0) before « : ; ? ! »
 * and inside « guillemets », and between the groups of a number (`600 000`), so that a terminal
 * or the help's wrapping never leaves a colon alone at the start of a line. Catalogs are written
 * with plain spaces (easier to type and to review); this puts the non-breaking ones.
 * Applied to the help, the parser errors and `doctor`; the other French messages of the CLI keep
 * their plain spaces for now (their tests match them), and can be passed through it the same way.
 */

export const NBSP = '\u00a0';

/** The French text with its non-breaking spaces. Text without a space before the sign is unchanged. */
export function frenchTypography(text: string): string {
  return text
    .replace(/ ([:;?!»])/g, `${NBSP}$1`)
    .replace(/« /g, `«${NBSP}`)
    .replace(/(\d) (\d{3})(?!\d)/g, `$1${NBSP}$2`);
}
