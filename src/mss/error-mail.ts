/**
 * The integration-error e-mail of the ANS volet (struct-email-standard.md): when a document could
 * not be integrated and the sender asked for no receipt (no Disposition-Notification-To, so RFC 8098
 * §2.1 forbids an MDN), a "standard" e-mail goes back to the sender instead:
 *
 * - Subject `[KO Intégration système !][code erreur] XDM/1.0/DDM+<libellé> <NOM> <prénom> <date>`;
 * - `multipart/mixed` (RFC 5322 / RFC 2046): a text/plain part for a person with the code and the
 *   label; the original message as `message/rfc822` (`message_original.eml`); the original's
 *   attachments (IHE_XDM.zip, the PDF) again, base64.
 *
 * The error code travels in the subject and in the text only (the volet: "Le code erreur ne peut
 * être véhiculé que dans l'objet, dans le corps ou en pièce jointe").
 */
import { ScelleError } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { concat } from '../crypto/asn1/ber.js';
import { base64Lines } from './mime.js';
import { newBoundary } from './smime.js';
import { buildOuterMessage, isMssanteAddress, type ComposedMessage } from './compose.js';
import { integrationSubject, type SubjectDocument } from './integration-errors.js';
import type { ReceiptRequest } from './mdn.js';
import type { CdaHeader } from './cda.js';
import { mssHeadersFor } from './mss-headers.js';

/** Options of {@link buildIntegrationErrorMail}. */
export interface IntegrationErrorMailOptions {
  request: ReceiptRequest;
  /** Who reports: the recipient's address. */
  from: string;
  error: { code: string; label: string };
  /** The document and patient of the original (from its CDA). */
  document: SubjectDocument;
  /** The original's attachments (decrypted when the original was encrypted). */
  attachments: { fileName: string; contentType: string; content: Uint8Array }[];
  /**
   * The CDA headers of the documents in the IHE_XDM.zip re-attached: the e-mail then carries an
   * XDM archive with CDA documents, so it gets X-MSS-CODECDA / X-MSS-INS too (ECO.2.4.1, 2.4.2).
   */
  cda?: CdaHeader[];
  /** Sign the e-mail (multipart/signed). */
  sign?: { signer: IdentityEntry; chain?: X509Cert[] };
  date?: Date;
}

/** A Content-Disposition / Content-Type name parameter: quoted ASCII, or RFC 2231 UTF-8. */
function nameParam(param: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && !/["\\]/.test(value)) return `${param}="${value}"`;
  return `${param}*=utf-8''${encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function humanText(o: IntegrationErrorMailOptions): string {
  return [
    'Bonjour,',
    '',
    'Le document envoyé n’a pas pu être intégré automatiquement dans le système du destinataire.',
    '',
    `- Erreur détectée : ${o.error.label}`,
    `- Code d’erreur : ${o.error.code}`,
    `- Message d’origine : ${o.request.subject ?? ''} (${o.request.originalMessageId})`,
    '',
    'Vous trouverez en pièces jointes le message d’origine et les fichiers qu’il portait.',
    'Veuillez vérifier les informations et soumettre à nouveau le document après correction.',
    '',
    `The document could not be integrated: error ${o.error.code}^${o.error.label}. The original message and its files are attached.`,
    '',
  ].join('\r\n');
}

/**
 * Builds the integration-error e-mail, addressed to the original's sender.
 * @throws ScelleError USAGE (the original has no From, the sender is outside MSSanté — its
 *   documents would go back in clear —, 8-bit content to sign) and the signing errors.
 */
export async function buildIntegrationErrorMail(o: IntegrationErrorMailOptions): Promise<ComposedMessage> {
  const to = o.request.from;
  if (to === undefined) throw new ScelleError('USAGE', 'the original message has no From address: the error cannot be sent back', { params: { detail: 'no From in the original' } });
  if (o.attachments.length > 0 && !isMssanteAddress(to)) {
    throw new ScelleError('USAGE', `the sender ${to} is outside MSSanté: the error e-mail would carry the documents back in clear`, { params: { detail: `error e-mail to ${to} outside MSSanté` } });
  }
  const original = o.request.original;
  const eightBit = original.some((b) => b >= 0x80 || b === 0);
  if (o.sign && eightBit) throw new ScelleError('USAGE', 'the original message holds 8-bit characters: a signed e-mail that carries it must be 7-bit (RFC 8551 §3.1.2); send it unsigned', { params: { detail: '8-bit original in a signed e-mail' } });
  const b = newBoundary('scelle_ko');
  const chunks: Uint8Array[] = [
    Buffer.from([
      `Content-Type: multipart/mixed; boundary="${b}"`, '',
      `--${b}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', base64Lines(Buffer.from(humanText(o), 'utf8')) + `--${b}`,
      'Content-Type: message/rfc822', `Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}`, 'Content-Disposition: attachment; filename="message_original.eml"', '', '',
    ].join('\r\n'), 'latin1'),
    original,
    // the line break before the next delimiter belongs to the delimiter: the original stays whole
    Buffer.from('\r\n', 'latin1'),
  ];
  for (const a of o.attachments) {
    chunks.push(Buffer.from([
      `--${b}`, `Content-Type: ${a.contentType}; ${nameParam('name', a.fileName)}`, 'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; ${nameParam('filename', a.fileName)}`, '', base64Lines(a.content).replace(/\r\n$/, ''), '',
    ].join('\r\n'), 'latin1'));
  }
  chunks.push(Buffer.from(`--${b}--\r\n`, 'latin1'));
  return buildOuterMessage({
    from: o.from, to: [to], subject: integrationSubject(o.document, o.error.code), ...(o.date ? { date: o.date } : {}),
    inReplyTo: o.request.originalMessageId, references: [o.request.originalMessageId],
    headers: mssHeadersFor(o.cda ?? [], { recipients: [to] }),
    ...(o.sign ? { sign: o.sign } : {}),
  }, concat(chunks));
}
