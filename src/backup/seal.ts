/**
 * Seals: what lets anyone check a backup copy without any key (docs/FORMAT.md, "Seals").
 *
 * A seal is a canonical UTF-8 text, one per run and per destination, signed with a detached CAdES
 * signature by the practice identity (RFC 5652, ETSI EN 319 122-1) and, when a TSA is configured,
 * time-stamped (CAdES-T, RFC 3161). It names its repository and its destination, carries a
 * sequence number and the SHA-256 of the destination's previous seal, so the seals of a
 * destination form a signed, time-stamped chain: a removed seal breaks it, an older copy of the
 * destination shows an older head. A `snapshot` seal lists the snapshot and every object needed
 * to restore it, each with its ciphertext SHA-256 and size; a `prune` seal records the seals
 * prune removed (their hashes keep the chain checkable). `witness` lines record what the writer
 * knew of the other destinations' heads, so one copy can reveal that another was rolled back.
 * `sha256sum` and `openssl cms -verify` check a seal by hand.
 */
import { ScelleError } from '../errors.js';
import { signDetached, type SignOptions } from '../crypto/cms/sign.js';
import { verifySignature } from '../validation/verify-signature.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';

export const SEAL_HEADER = 'scelle-backup-seal 2';

/** Largest seal text read (a snapshot of ~150 000 packs); a larger object is refused unread. */
export const MAX_SEAL_BYTES = 16 * 1024 * 1024;
/** Largest seal signature read (a CAdES-T signature with its chain is a few KiB). */
export const MAX_SEAL_SIGNATURE_BYTES = 1024 * 1024;

/** One object listed by a seal. */
export interface SealedObject {
  key: string;
  sha256: string;
  size: number;
}

/** A seal removed by prune: its sequence and hash, so the chain stays checkable. */
export interface RemovedSeal {
  sequence: number;
  sha256: string;
}

/** What the writer knew of another destination's head when it sealed. */
export interface Witness {
  destination: string;
  sequence: number;
  sha256: string;
}

/** A parsed seal. */
export interface Seal {
  repository: string;
  /** The destination's name (`disque`, `usb1`, `hds`): a seal is valid on that copy only. */
  destination: string;
  /** 1, 2, 3… on each destination. */
  sequence: number;
  /** SHA-256 of the previous seal's bytes on this destination; undefined for sequence 1. */
  previous: string | undefined;
  kind: 'snapshot' | 'prune';
  /** When sealed (the snapshot's time for a snapshot seal). ISO-8601. */
  time: string;
  host: string;
  /** kind snapshot: the snapshot object's name (SHA-256), files, bytes, sources, objects. */
  snapshot?: string;
  files?: number;
  bytes?: number;
  sources: string[];
  objects: SealedObject[];
  /** kind prune: every seal of the chain removed so far (cumulative). */
  removed: RemovedSeal[];
  witnesses: Witness[];
}

/** Key of the seal of `sequence`, and of its signature: `seals/0000000042.seal`, `.p7s`. */
export const sealKey = (sequence: number): string => `seals/${String(sequence).padStart(10, '0')}.seal`;
export const sealSignatureKey = (sequence: number): string => `seals/${String(sequence).padStart(10, '0')}.p7s`;

/** The sequence a seal key names, or undefined for another key. */
export function sequenceOfKey(key: string): number | undefined {
  const m = /^seals\/(\d{10})\.seal$/.exec(key);
  return m === null ? undefined : Number(m[1]);
}

const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The canonical text: fixed field order, lists sorted, LF line ends, no trailing spaces. */
export function formatSeal(s: Seal): string {
  const lines = [
    SEAL_HEADER,
    `repository ${s.repository}`,
    `destination ${s.destination}`,
    `sequence ${s.sequence}`,
    `previous ${s.previous ?? 'none'}`,
    `kind ${s.kind}`,
    `time ${s.time}`,
    `host ${s.host.replace(/\s/g, '_')}`,
  ];
  if (s.kind === 'snapshot') {
    lines.push(`snapshot ${s.snapshot ?? ''}`, `files ${s.files ?? 0}`, `bytes ${s.bytes ?? 0}`);
    lines.push(...s.sources.map((p) => `source ${encodeURIComponent(p)}`));
    lines.push(...[...s.objects].sort(byKey).map((o) => `object ${o.key} ${o.sha256} ${o.size}`));
  } else {
    lines.push(...[...s.removed].sort((a, b) => a.sequence - b.sequence).map((r) => `removed ${r.sequence} ${r.sha256}`));
  }
  lines.push(...[...s.witnesses].sort((a, b) => (a.destination < b.destination ? -1 : 1)).map((w) => `witness ${w.destination} ${w.sequence} ${w.sha256}`));
  return `${lines.join('\n')}\n`;
}

const HEX64 = /^[0-9a-f]{64}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Reads one `field value` line into the seal. Returns false for an unknown field. */
function readField(s: Seal, k: string, v: string, bad: (why: string) => ScelleError): boolean {
  const int = (x: string): number => {
    if (!/^(0|[1-9]\d{0,15})$/.test(x)) throw bad(`${k} is not a whole number`);
    return Number(x);
  };
  switch (k) {
    case 'repository': s.repository = v; return true;
    case 'destination': s.destination = v; return true;
    case 'sequence': s.sequence = int(v); return true;
    case 'previous': s.previous = v === 'none' ? undefined : v; return true;
    case 'kind':
      if (v !== 'snapshot' && v !== 'prune') throw bad(`unknown kind ${JSON.stringify(v.slice(0, 20))}`);
      s.kind = v;
      return true;
    case 'time': s.time = v; return true;
    case 'host': s.host = v; return true;
    case 'snapshot': s.snapshot = v; return true;
    case 'files': s.files = int(v); return true;
    case 'bytes': s.bytes = int(v); return true;
    case 'source': s.sources.push(decodeURIComponent(v)); return true;
    case 'object': {
      const m = /^([a-z0-9/._-]+) ([0-9a-f]{64}) (\d{1,15})$/.exec(v);
      if (m === null) throw bad(`malformed object line ${JSON.stringify(v.slice(0, 200))}`);
      s.objects.push({ key: m[1]!, sha256: m[2]!, size: Number(m[3]) });
      return true;
    }
    case 'removed': {
      const m = /^(\d{1,10}) ([0-9a-f]{64})$/.exec(v);
      if (m === null) throw bad(`malformed removed line ${JSON.stringify(v.slice(0, 200))}`);
      s.removed.push({ sequence: Number(m[1]), sha256: m[2]! });
      return true;
    }
    case 'witness': {
      const m = /^(\S{1,64}) (\d{1,10}) ([0-9a-f]{64})$/.exec(v);
      if (m === null || !NAME.test(m[1]!)) throw bad(`malformed witness line ${JSON.stringify(v.slice(0, 200))}`);
      s.witnesses.push({ destination: m[1]!, sequence: Number(m[2]), sha256: m[3]! });
      return true;
    }
    default:
      return false;
  }
}

/** Parses a seal. @throws ScelleError SEAL_INVALID naming `what`. */
export function parseSeal(bytes: Uint8Array, what = 'seal'): Seal {
  const bad = (why: string): ScelleError => new ScelleError('SEAL_INVALID', `${what} is not a valid seal: ${why}`, { params: { object: what, detail: why } });
  if (bytes.length > MAX_SEAL_BYTES) throw bad(`it has ${bytes.length} bytes (at most ${MAX_SEAL_BYTES})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bad('it is not UTF-8 text');
  }
  const lines = text.split('\n');
  if (lines[0] !== SEAL_HEADER || lines[lines.length - 1] !== '') throw bad(lines[0]?.startsWith('scelle-backup-seal ') ? `unsupported version ${JSON.stringify(lines[0].slice(19, 40))}` : 'wrong header or ending');
  const s: Seal = { repository: '', destination: '', sequence: 0, previous: undefined, kind: 'snapshot', time: '', host: '', sources: [], objects: [], removed: [], witnesses: [] };
  for (const line of lines.slice(1, -1)) {
    const sp = line.indexOf(' ');
    const k = sp < 0 ? line : line.slice(0, sp);
    let known: boolean;
    try {
      known = readField(s, k, sp < 0 ? '' : line.slice(sp + 1), bad);
    } catch (e) {
      if (e instanceof URIError) throw bad('a source path is not percent-encoded');
      throw e;
    }
    if (!known) throw bad(`unknown field ${JSON.stringify(k.slice(0, 40))}`);
  }
  if (!/^[0-9a-f]{32}$/.test(s.repository)) throw bad('missing or malformed repository id');
  if (!NAME.test(s.destination)) throw bad('missing or malformed destination name');
  if (s.sequence < 1) throw bad('the sequence starts at 1');
  if ((s.sequence === 1) !== (s.previous === undefined) || (s.previous !== undefined && !HEX64.test(s.previous))) throw bad('previous must be "none" for sequence 1 and a SHA-256 after');
  if (Number.isNaN(Date.parse(s.time))) throw bad('missing or malformed time');
  if (s.kind === 'snapshot' && (s.snapshot === undefined || !HEX64.test(s.snapshot))) throw bad('missing snapshot');
  if (formatSeal(s) !== text) throw bad('not in canonical form');
  return s;
}

/** How a seal is signed. */
export interface SealSigning {
  sign: SignOptions;
  /** A time-stamp source (the configured TSA). */
  timestamp?: TimestampTokenSource;
}

/** Signs the seal text (CAdES-B, detached; CAdES-T with a TSA). */
export async function signSeal(text: string, signing: SealSigning): Promise<Uint8Array> {
  const sig = await signDetached([Buffer.from(text, 'utf8')], signing.sign);
  return signing.timestamp !== undefined ? addSignatureTimestamp(sig, signing.timestamp) : sig;
}

/**
 * Codes that say a check could not be completed (revocation status unknown, stale revocation data,
 * an unreachable responder): the signature is neither valid nor proven invalid — INDETERMINATE
 * in ETSI EN 319 102-1 terms. A restore goes on with a warning; a verification is not `ok`.
 */
const INDETERMINATE = new Set(['REVOCATION_UNAVAILABLE', 'REVOCATION_UNKNOWN', 'CRL_EXPIRED', 'OCSP_INVALID', 'NETWORK_ERROR', 'TSA_UNAVAILABLE']);

/** The verdict on a seal's signature. `ok` only when the signature was checked and holds. */
export interface SealSignatureVerdict {
  ok: boolean;
  /** Not ok, but not proven invalid either: revocation data was missing or could not be had. */
  indeterminate?: boolean;
  code?: string;
  message?: string;
  /** The signer's subject (RFC 4514). */
  signer?: string;
  /** The signer's own claim of time (never proof). */
  signingTime?: string;
  /** The signature time-stamp (the proof of time), when present. */
  timestamp?: { ok: boolean; genTime?: string; code?: string };
}

/** Options of {@link verifySealSignature}: the caller supplies trust and revocation data. */
export interface VerifySealOptions {
  trustAnchors: X509Cert[];
  /** CRLs for the signer's and the TSA's certificates. */
  crls?: Crl[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  /** The seals must be signed by one of these subjects (RFC 4514); empty: any trusted signer. */
  expectedSigners?: string[];
  /** Require a valid signature time-stamp. */
  requireTimestamp?: boolean;
  clock?: () => Date;
}

/**
 * Verifies a seal's detached signature, its signer and its time-stamp. Never throws on a
 * negative verdict. This is the one place seal signatures are checked: the validation engine
 * plugs in here.
 */
export async function verifySealSignature(text: Uint8Array, signature: Uint8Array, options: VerifySealOptions): Promise<SealSignatureVerdict> {
  try {
    const revocation = { ...(options.crls ? { crls: options.crls } : {}), ...(options.online !== undefined ? { online: options.online } : {}) };
    const v = await verifySignature(signature, {
      trustAnchors: options.trustAnchors, content: (async function* () { yield text; })(), ...revocation,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const s = v.signers[0];
    const out: SealSignatureVerdict = { ok: v.ok && s !== undefined && v.signers.length === 1 };
    if (!out.ok) {
      out.code = v.code ?? 'SIGNATURE_INVALID';
      out.message = s?.problems.map((p) => p.message).join('; ') || 'no signer';
    }
    if (s?.signer) out.signer = s.signer.subject;
    if (s?.signingTime) out.signingTime = s.signingTime.toISOString();
    const expected = options.expectedSigners ?? [];
    if (out.ok && expected.length > 0 && !expected.includes(out.signer ?? '')) {
      out.ok = false;
      out.code = 'SIGNER_MISMATCH';
      out.message = `signed by ${out.signer}, not by the expected ${expected.join(' or ')}`;
    }
    const tv = s?.timestamps[0];
    if (tv !== undefined) {
      // The engine already judged the time-stamp (a bad one makes the signer not ok).
      out.timestamp = { ok: tv.ok, ...(tv.genTime ? { genTime: tv.genTime.toISOString() } : {}), ...(tv.code ? { code: tv.code } : {}) };
    } else if (options.requireTimestamp && out.ok) {
      out.ok = false;
      out.code = 'TIMESTAMP_INVALID';
      out.message = 'the seal has no time-stamp';
    }
    // The engine's ETSI indication decides; the codes cover verdicts made here (no time-stamp).
    if (!out.ok && out.code !== 'SIGNER_MISMATCH' && (v.indication === 'INDETERMINATE' || (out.code !== undefined && INDETERMINATE.has(out.code)))) out.indeterminate = true;
    return out;
  } catch (e) {
    return { ok: false, code: e instanceof ScelleError ? e.code : 'SIGNATURE_INVALID', message: (e as Error).message };
  }
}
