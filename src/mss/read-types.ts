/** The verdict types of {@link readMessage} (src/mss/read.ts), shared by the modules that fill them. */
import type { ErrorCode } from '../errors.js';
import type { SignatureVerdict } from '../validation/verify-signature.js';
import type { XdmReport } from './xdm.js';
import type { MdnReport } from './mdn.js';
import type { TextSource } from './body.js';
import type { MssHeaderReport } from './mss-headers.js';
import type { ReceiptLink } from './receipt-link.js';

/** One problem with a message: a negative check. */
export interface MessageProblem {
  code: ErrorCode;
  message: string;
}

/** Who signed, from the signer's certificate. */
export interface SenderIdentity {
  name: string;
  rpps?: string;
  profession?: string;
  email?: string;
  subject: string;
  issuer: string;
  sha256Fingerprint: string;
}

/** The signature layer of a message. */
export interface MessageSignature {
  kind: 'multipart-signed' | 'signed-data';
  ok: boolean;
  code?: ErrorCode;
  micalg?: string;
  signer?: SenderIdentity;
  /** The signer's own claim (signing-time attribute): never a proof of when. */
  signingTime?: Date;
  digestAlgorithm?: string;
  signatureAlgorithm?: string;
  chainOk: boolean;
  /** The signer's certificate carries the From address. */
  fromMatches: boolean;
  problems: MessageProblem[];
  verdict: SignatureVerdict;
}

/** The encryption layer of a message. */
export interface MessageEncryption {
  smimeType: 'enveloped-data' | 'authEnveloped-data';
  ok: boolean;
  code?: ErrorCode;
  cipher?: string;
  authenticated?: boolean;
  recipients?: number;
  /** The certificate of ours that opened it. */
  openedWith?: string;
  message?: string;
}

/** One attachment. */
export interface MessageAttachment {
  /** The name as the sender gave it (decoded), or a made-up one. */
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Uint8Array;
  /**
   * What vouches for its bytes: `signed` (inside a valid signature), `signature-failed` (inside a
   * signature that does not hold: do not rely on it), `not-signed` (nothing proves it is what the
   * sender sent).
   */
  integrity: AttachmentIntegrity;
}

/** See {@link MessageAttachment.integrity}. */
export type AttachmentIntegrity = 'signed' | 'signature-failed' | 'not-signed';

/**
 * What the reader can rely on, in one word:
 * - `verified`: signed, the signature and its chain hold, the From address is the signer's, and no
 *   other check failed;
 * - `not-proven`: no check failed but nothing proves who sent it (not signed, or signed by a
 *   certificate that carries no From address check, e.g. an MDN answered by a system);
 * - `negative`: a check failed (`problems`).
 */
export type MessageStatus = 'verified' | 'not-proven' | 'negative';

/** The verdict on one message. */
export interface MessageReport {
  /** True when no check is negative (an unsigned message can be ok: see `status`). */
  ok: boolean;
  status: MessageStatus;
  /** True only when a valid signature proves the From address. */
  senderProven: boolean;
  kind: 'message' | 'mdn' | 'integration-error';
  messageId?: string;
  from?: string;
  to: string[];
  subject?: string;
  date?: Date;
  /** The sender asks for a read receipt to this address. */
  receiptRequestedBy?: string;
  /** S/MIME layers found, outside in. */
  layers: string[];
  encryption?: MessageEncryption;
  signature?: MessageSignature;
  /** The text of the message (text/plain, or the text rendering of an HTML body), not yet made safe for a terminal. */
  text?: string;
  textSource?: TextSource;
  /** The message had an HTML body (never rendered: see src/mss/body.ts). */
  hasHtml: boolean;
  attachments: MessageAttachment[];
  xdm?: XdmReport;
  /** The MSSanté header fields (X-MSS-*) and how they compare with the CDA documents of the XDM package. */
  mss?: MssHeaderReport;
  /** For an MDN: what it acknowledges. */
  mdn?: MdnReport;
  /** For an MDN or an integration-error e-mail: the message it answers, the error it reports. */
  receipt?: ReceiptLink;
  problems: MessageProblem[];
}
