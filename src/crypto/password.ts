/**
 * Password policy and generation. The rule is the CNIL's (délibération 2022-100, and the ANS
 * memento that quotes it): at least 12 characters drawn from the 4 classes — lower case, upper
 * case, digits, special characters — with no dictionary word or obvious pattern; or a passphrase
 * of equal strength (the CNIL's example: at least 7 words). Both are about 80 bits when chosen at
 * random, which is what an export zip (whose KDF is only PBKDF2-SHA1 × 1 000) needs.
 *
 * The checker explains itself: every refusal carries reason codes (`too-short`, `few-classes`,
 * `common`, …) that the CLI translates, and an English sentence.
 */
import { randomInt } from 'node:crypto';
import { ScelleError } from '../errors.js';

/** Why a candidate was refused. Stable codes (the CLI catalogs key on `password.reason.<code>`). */
export type PasswordReason =
  | 'empty'
  | 'too-short'
  | 'few-classes'
  | 'common'
  | 'repeated'
  | 'sequence'
  | 'personal'
  | 'passphrase-short-words'
  | 'passphrase-repeated-words';

/** The verdict on a candidate password. */
export interface PasswordVerdict {
  ok: boolean;
  /** Judged as a password (characters and classes) or as a passphrase (words). */
  kind: 'password' | 'passphrase';
  length: number;
  /** Character classes present: lower, upper, digit, special. */
  classes: ('lower' | 'upper' | 'digit' | 'special')[];
  /** Words counted when judged as a passphrase. */
  words: number;
  /** Rough estimate for a randomly chosen candidate of this shape (an upper bound for human choices). */
  estimatedBits: number;
  reasons: PasswordReason[];
}

/** The policy's figures. */
export const PASSWORD_POLICY = {
  minLength: 12,
  minClasses: 4,
  passphraseMinWords: 7,
  passphraseMinWordLength: 2,
} as const;

const ENGLISH_REASONS: Record<PasswordReason, string> = {
  empty: 'it is empty',
  'too-short': `it has fewer than ${PASSWORD_POLICY.minLength} characters`,
  'few-classes': 'it must mix lower case, upper case, digits and special characters',
  common: 'it is, or is built on, a common password or word',
  repeated: 'it is mostly one repeated character or pattern',
  sequence: 'it is mostly a keyboard or alphabet sequence',
  personal: 'it contains a name or word tied to its context',
  'passphrase-short-words': `a passphrase needs at least ${PASSWORD_POLICY.passphraseMinWords} words of ${PASSWORD_POLICY.passphraseMinWordLength} letters or more`,
  'passphrase-repeated-words': 'a passphrase must not repeat its words',
};

/** English text of a reason. */
export function describePasswordReason(reason: PasswordReason): string {
  return ENGLISH_REASONS[reason];
}

// The passwords and roots that top every leak list, French and international, lower case and
// with l33t substitutions undone. A candidate whose letters reduce to one of these (plus digits
// and symbols) is refused.
const COMMON = [
  'password', 'motdepasse', 'azerty', 'qwerty', 'qwertz', 'abc', 'admin', 'administrateur', 'root', 'user',
  'utilisateur', 'login', 'welcome', 'bienvenue', 'bonjour', 'salut', 'soleil', 'chouchou', 'doudou',
  'loulou', 'nicolas', 'marseille', 'paris', 'france', 'iloveyou', 'jetaime', 'monkey', 'dragon',
  'master', 'letmein', 'football', 'princess', 'sunshine', 'secret', 'changeme', 'test', 'demo',
  'cabinet', 'medecin', 'docteur', 'sante', 'patient', 'secretariat', 'infirmier', 'pharmacie',
  'default', 'passw', 'pass', 'mdp', 'toto', 'titi', 'tata', 'coucou', 'hello', 'trustno',
];

const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  'azertyuiop', 'qsdfghjklm', 'wxcvbn',
  'qwertyuiop', 'asdfghjkl', 'zxcvbnm',
  '&é"\'(-è_çà)=',
];

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's', '!': 'i', '€': 'e' };

function classesOf(s: string): PasswordVerdict['classes'] {
  const out: PasswordVerdict['classes'] = [];
  if (/\p{Ll}/u.test(s)) out.push('lower');
  if (/\p{Lu}/u.test(s)) out.push('upper');
  if (/\p{Nd}/u.test(s)) out.push('digit');
  if (/[^\p{L}\p{Nd}]/u.test(s)) out.push('special');
  return out;
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Letters only, l33t undone and accents dropped: what the candidate is "made of". */
function core(s: string): string {
  return [...fold(s)].map((c) => LEET[c] ?? c).join('').replace(/[^a-z]/g, '');
}

/** Length of the candidate once runs of a repeated unit (aaaa, abab, 1212) collapse to one unit. */
function compressedLength(s: string): number {
  const chars = [...s];
  let out = 0;
  let i = 0;
  while (i < chars.length) {
    let best = 1;
    for (let unit = 1; unit <= 4 && i + unit * 2 <= chars.length; unit++) {
      let reps = 1;
      while (i + unit * (reps + 1) <= chars.length && chars.slice(i, i + unit).join('') === chars.slice(i + unit * reps, i + unit * (reps + 1)).join('')) reps++;
      if (reps > 1 && unit * reps > best) best = unit * reps;
    }
    out += best > 1 ? Math.min(best, 4) : 1;
    i += best;
  }
  return out;
}

/** How many characters of `s` belong to runs of ≥ 3 along a known sequence (either direction). */
function sequenceChars(s: string): number {
  const f = fold(s);
  let covered = 0;
  let i = 0;
  while (i < f.length) {
    let run = 1;
    for (const seq of SEQUENCES) {
      for (const dir of [seq, [...seq].reverse().join('')]) {
        const at = dir.indexOf(f[i]!);
        if (at < 0) continue;
        let n = 1;
        while (i + n < f.length && dir[at + n] === f[i + n]) n++;
        if (n > run) run = n;
      }
    }
    if (run >= 3) covered += run;
    i += run >= 3 ? run : 1;
  }
  return covered;
}

function splitWords(s: string): string[] {
  return s.split(/[\s\-_.,;:+/|]+/u).filter((w) => w.length > 0);
}

/**
 * Judges a candidate. `context` lists words tied to it that must not appear (the practitioner's
 * name, the file name, the practice): compared without case and accents, for words of 4+ letters.
 */
export function checkPassword(candidate: string, options: { context?: readonly string[] } = {}): PasswordVerdict {
  const length = [...candidate].length;
  const classes = classesOf(candidate);
  const words = splitWords(candidate);
  const reasons: PasswordReason[] = [];
  const looksLikePassphrase = words.length >= 4 && /[\s\-_.]/u.test(candidate);
  if (length === 0) {
    return { ok: false, kind: 'password', length, classes, words: 0, estimatedBits: 0, reasons: ['empty'] };
  }
  const folded = fold(candidate);
  for (const c of options.context ?? []) {
    for (const w of splitWords(fold(c))) {
      if (w.length >= 4 && folded.includes(w)) {
        if (!reasons.includes('personal')) reasons.push('personal');
      }
    }
  }

  if (looksLikePassphrase) {
    const long = words.filter((w) => [...w].length >= PASSWORD_POLICY.passphraseMinWordLength);
    const distinct = new Set(long.map(fold));
    if (long.length < PASSWORD_POLICY.passphraseMinWords) reasons.push('passphrase-short-words');
    else if (distinct.size < long.length - 1) reasons.push('passphrase-repeated-words');
    // ~11 bits per word for a word picked among a couple of thousand: a floor, not a promise.
    const estimatedBits = Math.round(distinct.size * 11);
    const verdict: PasswordVerdict = { ok: reasons.length === 0, kind: 'passphrase', length, classes, words: long.length, estimatedBits, reasons };
    if (verdict.ok || long.length >= PASSWORD_POLICY.passphraseMinWords) return verdict;
    // Not enough words for a passphrase: it may still be a good password; judge it as one.
    reasons.length = 0;
    if (options.context && verdict.reasons.includes('personal')) reasons.push('personal');
  }

  if (length < PASSWORD_POLICY.minLength) reasons.push('too-short');
  if (classes.length < PASSWORD_POLICY.minClasses) reasons.push('few-classes');
  const letters = core(candidate);
  if (letters.length > 0) {
    const squeeze = (x: string): string => x.replace(/(.)\1+/g, '$1');
    const c = squeeze(letters);
    if (COMMON.some((word) => {
      const w = squeeze(word);
      return c === w || (w.length >= 4 && c.includes(w) && w.length * 2 >= c.length);
    })) reasons.push('common');
  }
  if (compressedLength(candidate) < Math.ceil(length / 2)) reasons.push('repeated');
  if (sequenceChars(candidate) * 2 > length) reasons.push('sequence');
  const pool = (classes.includes('lower') ? 26 : 0) + (classes.includes('upper') ? 26 : 0) + (classes.includes('digit') ? 10 : 0) + (classes.includes('special') ? 32 : 0);
  const estimatedBits = Math.round(length * Math.log2(Math.max(pool, 2)));
  if (looksLikePassphrase && reasons.length > 0) reasons.unshift('passphrase-short-words');
  return { ok: reasons.length === 0, kind: 'password', length, classes, words: words.length, estimatedBits, reasons };
}

/** Throws WEAK_PASSWORD (with the first reason, English, and its code) unless the policy passes. */
export function assertStrongPassword(candidate: string, options: { context?: readonly string[] } = {}): PasswordVerdict {
  const v = checkPassword(candidate, options);
  if (!v.ok) {
    const first = v.reasons[0]!;
    throw new ScelleError('WEAK_PASSWORD', `the password is too weak: ${v.reasons.map(describePasswordReason).join('; ')}`, {
      params: { reason: v.reasons.map(describePasswordReason).join('; '), reasonKey: `password.reason.${first}`, reasons: v.reasons.join(',') },
    });
  }
  return v;
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SPECIAL = '!#%+-=?@_*:;.';
const CONSONANTS = 'bcdfgjklmnprstvz';
const VOWELS = 'aeiou';

/** Options of {@link generatePassword}. */
export interface GeneratePasswordOptions {
  /** `password` (default): random characters of the 4 classes; `passphrase`: pronounceable words. */
  kind?: 'password' | 'passphrase';
  /** Characters of a password (default 16, at least 12). */
  length?: number;
  /** Words of a passphrase (default 7, at least 7). */
  words?: number;
}

/** The entropy, in bits, of what {@link generatePassword} makes with these options. */
export function generatedPasswordBits(options: GeneratePasswordOptions = {}): number {
  if (options.kind === 'passphrase') {
    const n = Math.max(options.words ?? 7, PASSWORD_POLICY.passphraseMinWords);
    return Math.floor(n * 3 * Math.log2(CONSONANTS.length * VOWELS.length));
  }
  const n = Math.max(options.length ?? 16, PASSWORD_POLICY.minLength);
  return Math.floor(n * Math.log2(LOWER.length + UPPER.length + DIGITS.length + SPECIAL.length));
}

/**
 * A strong password (16 characters, the 4 classes, no look-alike characters such as l/1/O/0:
 * about 96 bits) or passphrase (7 pronounceable words of 3 syllables joined by `-`: 3 × 6.3 bits a
 * word, about 132 bits), from the operating system's CSPRNG. Both pass {@link checkPassword}.
 */
export function generatePassword(options: GeneratePasswordOptions = {}): string {
  const pick = (s: string): string => s[randomInt(s.length)]!;
  for (;;) {
    let out: string;
    if (options.kind === 'passphrase') {
      const n = Math.max(options.words ?? 7, PASSWORD_POLICY.passphraseMinWords);
      const words: string[] = [];
      while (words.length < n) {
        let w = '';
        for (let s = 0; s < 3; s++) w += pick(CONSONANTS) + pick(VOWELS);
        if (!words.includes(w)) words.push(w);
      }
      out = words.join('-');
    } else {
      const n = Math.max(options.length ?? 16, PASSWORD_POLICY.minLength);
      const all = LOWER + UPPER + DIGITS + SPECIAL;
      const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SPECIAL)];
      while (chars.length < n) chars.push(pick(all));
      for (let i = chars.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j]!, chars[i]!];
      }
      out = chars.join('');
    }
    if (checkPassword(out).ok) return out;
  }
}
