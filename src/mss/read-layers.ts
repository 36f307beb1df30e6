/**
 * Peeling the S/MIME layers of a received message, outside in (RFC 8551 §3.3, §3.5, §3.6): at
 * most {@link MAX_LAYERS} enveloped / authEnveloped / multipart-signed / signed-data layers.
 * Decryption uses the reader's software keys; signatures go through src/mss/smime.ts, the one place
 * where messages call the signature engine.
 */
import { isScelleError, type ErrorCode } from '../errors.js';
import type { Identity } from '../crypto/identity.js';
import { parseMimeEntity, type MimeEntity, type MimeLimits } from './mime.js';
import { decryptMimeEntity, smimeLayerOf, verifySignedLayer, type VerifyLayerOptions } from './smime.js';
import { signatureReport } from './read-signature.js';
import type { MessageEncryption, MessageProblem, MessageSignature } from './read-types.js';

/** Most S/MIME layers peeled. */
export const MAX_LAYERS = 4;

/** What peeling found. */
export interface PeeledMessage {
  /** The innermost entity (undefined when a layer could not be opened). */
  entity?: MimeEntity;
  layers: string[];
  encryption?: MessageEncryption;
  signature?: MessageSignature;
  problems: MessageProblem[];
}

/** Options of {@link peelLayers}. */
export interface PeelOptions {
  name: string;
  identity?: Identity;
  verify: VerifyLayerOptions;
  from?: string;
  limits?: MimeLimits;
}

/**
 * Peels every S/MIME layer of `outer`. Negative findings are in `problems`.
 * @throws ScelleError MIME_MALFORMED when a layer's content cannot be parsed at all.
 */
export async function peelLayers(outer: MimeEntity, options: PeelOptions): Promise<PeeledMessage> {
  const { name } = options;
  const out: PeeledMessage = { layers: [], problems: [] };
  const problem = (code: ErrorCode, message: string): void => {
    out.problems.push({ code, message });
  };
  let entity: MimeEntity = outer;
  for (let depth = 0; depth < MAX_LAYERS; depth++) {
    const kind = smimeLayerOf(entity, name);
    if (kind === undefined) break;
    out.layers.push(kind);
    if (kind === 'enveloped-data' || kind === 'authEnveloped-data') {
      if (out.encryption !== undefined) problem('MIME_MALFORMED', `${name}: encrypted twice`);
      const opened = await openEnvelope(entity, kind, options);
      out.encryption = opened.encryption;
      if (opened.problem) {
        out.problems.push(opened.problem);
        return out;
      }
      if (opened.weak) problem('WEAK_ALGORITHM', `${name} is encrypted with ${opened.encryption.cipher}, which is obsolete`);
      entity = parseMimeEntity(opened.content!, `${name} (decrypted)`, options.limits, { headerless: 'text' });
      continue;
    }
    if (out.signature !== undefined) problem('MIME_MALFORMED', `${name}: signed twice; only the outer signature is reported`);
    let layer;
    try {
      layer = await verifySignedLayer(entity, kind, options.verify, name);
    } catch (e) {
      if (!isScelleError(e) || e.code === 'MIME_MALFORMED') throw e;
      problem(e.code === 'MALFORMED_ASN1' || e.code === 'UNSUPPORTED_FORMAT' ? 'SIGNATURE_INVALID' : e.code, `${name}: the signature cannot be read: ${e.message}`);
      return out;
    }
    if (out.signature === undefined) out.signature = signatureReport(layer, options.from, name);
    entity = parseMimeEntity(layer.content, `${name} (signed content)`, options.limits, { headerless: 'text' });
  }
  if (smimeLayerOf(entity, name) !== undefined) problem('MIME_MALFORMED', `${name}: more than ${MAX_LAYERS} S/MIME layers`);
  if (out.signature) out.problems.push(...out.signature.problems);
  out.entity = entity;
  return out;
}

async function openEnvelope(entity: MimeEntity, kind: 'enveloped-data' | 'authEnveloped-data', options: PeelOptions): Promise<{ encryption: MessageEncryption; content?: Uint8Array; weak?: boolean; problem?: MessageProblem }> {
  const { name } = options;
  if (options.identity === undefined) {
    return {
      encryption: { smimeType: kind, ok: false, code: 'NOT_A_RECIPIENT', message: 'no identity given to decrypt' },
      problem: { code: 'NOT_A_RECIPIENT', message: `${name} is encrypted and no identity was given to decrypt it` },
    };
  }
  try {
    const { content, info } = await decryptMimeEntity(entity, options.identity, name);
    return {
      encryption: {
        smimeType: kind, ok: true, cipher: info.cipher, authenticated: info.authenticated, recipients: info.recipients.length,
        ...(info.usedRecipient.certificate ? { openedWith: info.usedRecipient.certificate.subject } : {}),
      },
      content,
      weak: info.weakCipher,
    };
  } catch (e) {
    if (!isScelleError(e) || e.code === 'MIME_MALFORMED') throw e;
    return { encryption: { smimeType: kind, ok: false, code: e.code, message: e.message }, problem: { code: e.code, message: e.message } };
  }
}
