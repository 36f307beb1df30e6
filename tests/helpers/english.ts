/**
 * Finds English prose in text meant to be French: lines holding frequent English function words
 * ("the", "of", "with", "file"…), after removing what is code — option names, placeholders,
 * backquoted code, URLs, file names, paths, Header-Names, and the values listed after "choix :" or
 * "par défaut :". Good at catching an untranslated sentence; not a grammar checker.
 */

const ENGLISH = new Set([
  'the', 'of', 'and', 'to', 'with', 'when', 'from', 'this', 'that', 'these', 'those', 'is', 'are', 'was', 'be', 'been', 'for', 'or', 'not', 'by',
  'its', 'it', 'which', 'into', 'each', 'every', 'without', 'only', 'will', 'can', 'cannot', 'must', 'should', 'may', 'your', 'you', 'than',
  'if', 'then', 'there', 'their', 'what', 'who', 'how', 'has', 'have', 'does', 'do', 'no', 'file', 'files', 'folder', 'folders', 'default',
  'read', 'write', 'written', 'given', 'none', 'new', 'one', 'use', 'used', 'instead', 'more', 'at', 'as', 'all', 'any', 'here', 'show', 'print',
  'display', 'help', 'command', 'commands', 'error', 'unknown', 'missing', 'did', 'mean', 'see', 'hint', 'expected', 'got', 'too', 'many',
  'needs', 'need', 'allowed', 'choices', 'invalid', 'value', 'required', 'specified',
]);

// Kept out on purpose, French too: 'an' (un an), 'on', 'a', 'in', 'usage', 'option(s)', 'argument(s)',
// and the command names ('sign', 'verify'…).

function prose(line: string): string {
  return line
    .replace(/`[^`]*`/g, ' ')
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ')
    .replace(/(choix|par défaut|variable)\s*:[^;)]*/gi, ' ')
    .replace(/<[^<>\s]+>|\[[^[\]\s]+\]/g, ' ')
    .replace(/(^|\s)--?[\w-]+(=\S*)?/g, ' ')
    .replace(/\b[A-Z][\w]*(?:-[A-Z][\w]*)+\b/g, ' ')
    .replace(/\S*[/\\=@_#]\S*/g, ' ')
    .replace(/\S+\.[A-Za-z0-9]{1,5}\b/g, ' ');
}

/** The English words of a line (after removing code), lower case. */
export function englishWords(line: string): string[] {
  return prose(line).toLowerCase().split(/[^\p{L}’']+/u).filter((w) => ENGLISH.has(w));
}

/**
 * The lines of `text` with English words, each with the words found. Help layout is understood:
 * a wrapped description (a line indented by 4 or more) is joined to its item, the term column of
 * an item (`  --trust <fichier>  …`, `  verify [options]  …`) and the usage line are code, and so
 * are command lines (`scelle …`).
 */
export function englishLines(text: string): { line: string; words: string[] }[] {
  return text.replace(/\n {4,}/g, ' ').split('\n')
    .filter((l) => !/^\s*scelle\s/.test(l) && !/^(Utilisation|Usage)\s*:/.test(l))
    .map((l) => l.replace(/^ {2}(?!#)\S+(?: \S+)*? {2,}/, ''))
    .map((line) => ({ line, words: englishWords(line) }))
    .filter((x) => x.words.length > 0);
}
