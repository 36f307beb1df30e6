/**
 * Seals: what lets anyone check a backup without any key (docs/drafts/backup-repository.md §5).
 *
 * A seal is a canonical UTF-8 text listing the snapshot and every object needed to restore it
 * (the packs it references, the index objects its run wrote), each with its ciphertext SHA-256
 * and size, signed with a detached CAdES signature by the practice identity (RFC 5652, ETSI EN
 * 319 122-1) and, when a TSA is configured, time-stamped (CAdES-T, RFC 3161). `sha256sum` and
 * `openssl cms -verify` check it by hand.
 */
import { ScelleError } from '../errors.js';
import { signDetached, type SignOptions } from '../crypto/cms/sign.js';
import { verifySignature } from '../validation/verify-signature.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';

export const SEAL_HEADER = 'scelle-backup-seal 1';

/** One object listed by a seal. */
export interface SealedObject {
  key: string;
  sha256: string;
  size: number;
}

/** A parsed seal. */
export interface Seal {
  repository: string;
  /** The snapshot object's name (SHA-256). */
  snapshot: string;
  time: string;
  host: string;
  files: number;
  bytes: number;
  sources: string[];
  objects: SealedObject[];
}

/** Key of a seal and of its signature. */
export const sealKey = (snapshot: string): string => `seals/${snapshot}.seal`;
export const sealSignatureKey = (snapshot: string): string => `seals/${snapshot}.p7s`;

/** The canonical text: fixed field order, objects sorted by key, LF line ends, no trailing spaces. */
export function formatSeal(s: Seal): string {
  const lines = [
    SEAL_HEADER,
    `repository ${s.repository}`,
    `snapshot ${s.snapshot}`,
    `time ${s.time}`,
    `host ${s.host.replace(/\s/g, '_')}`,
    `files ${s.files}`,
    `bytes ${s.bytes}`,
    ...s.sources.map((p) => `source ${encodeURIComponent(p)}`),
    ...[...s.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((o) => `object ${o.key} ${o.sha256} ${o.size}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Parses a seal. @throws ScelleError SEAL_INVALID. */
export function parseSeal(bytes: Uint8Array, what = 'seal'): Seal {
  const text = Buffer.from(bytes).toString('utf8');
  const bad = (why: string): ScelleError => new ScelleError('SEAL_INVALID', `${what} is not a valid seal: ${why}`, { params: { object: what } });
  const lines = text.split('\n');
  if (lines[0] !== SEAL_HEADER || lines[lines.length - 1] !== '') throw bad('wrong header or ending');
  const s: Seal = { repository: '', snapshot: '', time: '', host: '', files: 0, bytes: 0, sources: [], objects: [] };
  for (const line of lines.slice(1, -1)) {
    const sp = line.indexOf(' ');
    const k = line.slice(0, sp);
    const v = line.slice(sp + 1);
    if (k === 'repository') s.repository = v;
    else if (k === 'snapshot') s.snapshot = v;
    else if (k === 'time') s.time = v;
    else if (k === 'host') s.host = v;
    else if (k === 'files') s.files = Number(v);
    else if (k === 'bytes') s.bytes = Number(v);
    else if (k === 'source') s.sources.push(decodeURIComponent(v));
    else if (k === 'object') {
      const m = /^([a-z0-9/._-]+) ([0-9a-f]{64}) (\d+)$/.exec(v);
      if (m === null) throw bad(`malformed object line ${JSON.stringify(line.slice(0, 200))}`);
      s.objects.push({ key: m[1]!, sha256: m[2]!, size: Number(m[3]) });
    } else throw bad(`unknown field ${JSON.stringify(k.slice(0, 40))}`);
  }
  if (!/^[0-9a-f]{64}$/.test(s.snapshot) || Number.isNaN(Date.parse(s.time))) throw bad('missing snapshot or time');
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

/** The verdict on a seal's signature. */
export interface SealSignatureVerdict {
  ok: boolean;
  code?: string;
  message?: string;
  signer?: string;
  signingTime?: string;
  timestamp?: { ok: boolean; genTime?: string; code?: string };
}

/** Options of {@link verifySealSignature}. */
export interface VerifySealOptions {
  trustAnchors: X509Cert[];
  crls?: Crl[];
  /** Require a valid signature time-stamp. */
  requireTimestamp?: boolean;
  clock?: () => Date;
}

/** Verifies a seal's detached signature and its time-stamp, never throwing on a negative verdict. */
export async function verifySealSignature(text: Uint8Array, signature: Uint8Array, options: VerifySealOptions): Promise<SealSignatureVerdict> {
  try {
    const v = await verifySignature(signature, {
      trustAnchors: options.trustAnchors, content: (async function* () { yield text; })(),
      ...(options.crls ? { crls: options.crls } : {}), ...(options.clock ? { clock: options.clock } : {}),
    });
    const s = v.signers[0];
    const out: SealSignatureVerdict = { ok: v.ok && s !== undefined };
    if (!out.ok) {
      out.code = v.code ?? 'SIGNATURE_INVALID';
      out.message = s?.problems.map((p) => p.message).join('; ') ?? 'no signer';
    }
    if (s?.signer) out.signer = s.signer.subject;
    if (s?.signingTime) out.signingTime = s.signingTime.toISOString();
    const tv = s?.timestamps[0];
    if (tv !== undefined) {
      // The engine already judged the time-stamp (a bad one makes the signer not ok).
      out.timestamp = { ok: tv.ok, ...(tv.genTime ? { genTime: tv.genTime.toISOString() } : {}), ...(tv.code ? { code: tv.code } : {}) };
    } else if (options.requireTimestamp && out.ok) {
      out.ok = false;
      out.code = 'TIMESTAMP_INVALID';
      out.message = 'the seal has no time-stamp';
    }
    return out;
  } catch (e) {
    return { ok: false, code: e instanceof ScelleError ? e.code : 'SIGNATURE_INVALID', message: (e as Error).message };
  }
}
