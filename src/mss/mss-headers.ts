/**
 * The MSSanté header fields of the Référentiel socle MSSanté #2 "Clients de messageries sécurisées
 * de santé" (ANS; the ANS developer documentation "entête X-MSS" recalls them), set on the message
 * (outer header, read by the operator and by the recipient's software):
 *
 * - `X-MSS-CODECDA` (ECO.2.4.1, §3.8.1): set when the message carries, in an IHE_XDM archive, one or
 *   more CDA documents; its value is the `code` of each CDA header (CI-SIS "Structuration minimale",
 *   §3.5.5.5), comma-separated when there are several; never set without a CDA.
 * - `X-MSS-INS` (ECO.2.4.2, §3.8.2): with at least one CDA, `O` when the archive carries a qualified
 *   INS (the INS number with its OID and the four identity traits), else `N`; never set without a CDA.
 * - `X-MSS-NIL` (ECO.2.4.3, §3.8.3): on every message, the "référence produit" the ANS gives the
 *   software when it is declared on convergence.esante.gouv.fr. A toolkit has none of its own: the
 *   software that embeds scelle passes its number.
 * - `X-MSS-MES` (ECO.2.2.8, §3.4.2.3): `FIN` on a message to a patient's Mon espace santé address
 *   (`…@patient.mssante.fr`) when the practitioner does not want the patient to answer.
 *
 * Reading compares what the header fields say with what the XDM package holds
 * ({@link checkMssHeaders}).
 */
import { ScelleError } from '../errors.js';
import { headerValue, type MimeHeader } from './mime.js';
import type { CdaHeader } from './cda.js';
import type { XdmReport } from './xdm-check.js';

/** Field names. */
export const MSS_HEADER = {
  codeCda: 'X-MSS-CODECDA',
  ins: 'X-MSS-INS',
  nil: 'X-MSS-NIL',
  mes: 'X-MSS-MES',
} as const;

/** The domain of Mon espace santé mailboxes (patients' addresses are `<matricule INS>@patient.mssante.fr`). */
export const PATIENT_DOMAIN = 'patient.mssante.fr';

/** What the sender's software knows beyond the documents. */
export interface MssHeaderOptions {
  /** The software's "référence produit" (X-MSS-NIL). */
  nil?: string;
  /** Forbid the patient to answer (X-MSS-MES: FIN); only with a `@patient.mssante.fr` recipient. */
  blockPatientReply?: boolean;
  /** Every recipient (To and Cc). */
  recipients: string[];
}

/** True when a CDA header carries a qualified INS (ECO.2.4.2). */
export function hasQualifiedIns(cda: CdaHeader): boolean {
  return cda.patient.ins?.qualified === true;
}

/**
 * The X-MSS header fields for a message carrying these CDA documents in its IHE_XDM archive.
 * @throws ScelleError USAGE (X-MSS-MES without a patient recipient, a malformed référence produit).
 */
export function mssHeadersFor(cdas: CdaHeader[], options: MssHeaderOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (cdas.length > 0) {
    out[MSS_HEADER.codeCda] = cdas.map((c) => c.code.code).join(',');
    out[MSS_HEADER.ins] = cdas.some(hasQualifiedIns) ? 'O' : 'N';
  }
  if (options.nil !== undefined) {
    if (!/^[\x21-\x7e]{1,64}$/.test(options.nil)) throw new ScelleError('USAGE', `the product reference (X-MSS-NIL) "${options.nil}" must be 1 to 64 printable ASCII characters without spaces`, { params: { detail: 'bad X-MSS-NIL' } });
    out[MSS_HEADER.nil] = options.nil;
  }
  if (options.blockPatientReply) {
    if (!options.recipients.some(isPatientAddress)) throw new ScelleError('USAGE', `blocking the patient's reply (X-MSS-MES: FIN) applies to messages to a Mon espace santé address (…@${PATIENT_DOMAIN}), and there is none among the recipients`, { params: { detail: 'X-MSS-MES without a patient recipient' } });
    out[MSS_HEADER.mes] = 'FIN';
  }
  return out;
}

/** True for a Mon espace santé address. */
export function isPatientAddress(address: string): boolean {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase() === PATIENT_DOMAIN;
}

/** One problem with the X-MSS header fields. */
export interface MssHeaderProblem {
  code: 'MSS_HEADER_MISMATCH';
  message: string;
}

/** What the X-MSS header fields say, what the XDM content implies, and where they differ. */
export interface MssHeaderReport {
  /** The fields as received (absent ones left out). */
  received: { codeCda?: string[]; ins?: string; nil?: string; mes?: string };
  /** What the CDA documents of the XDM package imply. */
  expected: { codeCda?: string[]; ins?: 'O' | 'N' };
  /** False: the outer header fields are outside any S/MIME signature (RFC 8551 §3.1 signs the MIME entity). */
  signed: false;
  ok: boolean;
  problems: MssHeaderProblem[];
}

/**
 * Compares the X-MSS header fields of a message with the CDA documents of its XDM package.
 * `xdm` undefined means the message carries no readable XDM package (then no CDA).
 */
export function checkMssHeaders(headers: readonly MimeHeader[], xdm: XdmReport | undefined, name: string): MssHeaderReport | undefined {
  const codeCdaRaw = headerValue(headers, MSS_HEADER.codeCda);
  const ins = headerValue(headers, MSS_HEADER.ins)?.trim();
  const nil = headerValue(headers, MSS_HEADER.nil)?.trim();
  const mes = headerValue(headers, MSS_HEADER.mes)?.trim();
  const cdas = (xdm?.documents ?? []).map((d) => d.cda).filter((c): c is CdaHeader => c !== undefined);
  if (codeCdaRaw === undefined && ins === undefined && nil === undefined && mes === undefined && cdas.length === 0) return undefined;
  const received = {
    ...(codeCdaRaw !== undefined ? { codeCda: codeCdaRaw.split(',').map((c) => c.trim()).filter((c) => c !== '') } : {}),
    ...(ins !== undefined ? { ins } : {}), ...(nil !== undefined ? { nil } : {}), ...(mes !== undefined ? { mes } : {}),
  };
  const expected = cdas.length > 0 ? { codeCda: cdas.map((c) => c.code.code), ins: cdas.some(hasQualifiedIns) ? 'O' as const : 'N' as const } : {};
  const problems: MssHeaderProblem[] = [];
  const bad = (message: string): void => {
    problems.push({ code: 'MSS_HEADER_MISMATCH', message: `${name}: ${message}` });
  };
  if (expected.codeCda === undefined) {
    if (received.codeCda !== undefined) bad(`${MSS_HEADER.codeCda}: ${codeCdaRaw} is set, but the message carries no CDA document in an IHE_XDM archive (ECO.2.4.1: then it must not be set)`);
    if (ins !== undefined) bad(`${MSS_HEADER.ins}: ${ins} is set, but the message carries no CDA document (ECO.2.4.2: then it must not be set)`);
  } else {
    const sorted = (a: string[]): string => [...a].sort().join(',');
    if (received.codeCda === undefined) bad(`${MSS_HEADER.codeCda} is missing, and the XDM archive holds CDA document(s) of code ${expected.codeCda.join(',')} (ECO.2.4.1)`);
    else if (sorted(received.codeCda) !== sorted(expected.codeCda)) bad(`${MSS_HEADER.codeCda} says ${received.codeCda.join(',')}, the CDA document(s) of the XDM archive are of code ${expected.codeCda.join(',')}`);
    if (ins === undefined) bad(`${MSS_HEADER.ins} is missing, and the XDM archive holds a CDA document (ECO.2.4.2); it should be ${expected.ins}`);
    else if (ins !== expected.ins) bad(`${MSS_HEADER.ins} says ${ins}, the CDA document(s) ${expected.ins === 'O' ? 'carry a qualified INS (O)' : 'carry no qualified INS (N)'}`);
  }
  if (mes !== undefined && mes !== 'FIN') bad(`${MSS_HEADER.mes} is "${mes}"; the only value the référentiel defines is FIN (ECO.2.2.8)`);
  return { received, expected, signed: false, ok: problems.length === 0, problems };
}
