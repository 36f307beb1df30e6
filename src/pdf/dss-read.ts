/**
 * The validation data a PDF carries for its signatures (ISO 32000-2 §12.8.4.3 DSS): certificates,
 * CRLs and OCSP responses of the /DSS, as of a given revision — a document time-stamp proves the
 * DSS as it was in the revisions before it, not what was added after.
 */
import * as crypto from 'node:crypto';
import { X509Cert } from '../crypto/x509/certificate.js';
import { Crl } from '../crypto/x509/crl.js';
import type { PdfDocument } from './document.js';
import { decodeStream } from './filters.js';
import { PdfRef, PdfStream, dictOf, type PdfObject } from './objects.js';
import type { XrefEntry } from './xref.js';

/** The DSS of one revision, decoded. */
export interface DssContents {
  certificates: X509Cert[];
  crls: Crl[];
  ocspResponses: Uint8Array[];
  /** DER of every object, for proofs of existence. */
  ders: Uint8Array[];
  /** VRI keys present (upper-case hex SHA-1 of each signature's /Contents). */
  vriKeys: string[];
  /** Streams that could not be decoded or parsed (reported, never trusted). */
  unreadable: number;
}

function resolveIn(doc: PdfDocument, table: Map<number, XrefEntry>, v: PdfObject | undefined): PdfObject | undefined {
  let cur = v;
  for (let i = 0; cur instanceof PdfRef && i < 32; i++) cur = doc.objectIn(table, cur.num);
  return cur;
}

/** Decoded DER streams of one DSS array. */
function streamsOf(doc: PdfDocument, table: Map<number, XrefEntry>, v: PdfObject | undefined): { ders: Uint8Array[]; unreadable: number } {
  const arr = resolveIn(doc, table, v);
  const ders: Uint8Array[] = [];
  let unreadable = 0;
  for (const item of Array.isArray(arr) ? arr : []) {
    const s = resolveIn(doc, table, item);
    if (!(s instanceof PdfStream)) {
      unreadable++;
      continue;
    }
    try {
      ders.push(decodeStream(s, (x) => resolveIn(doc, table, x)));
    } catch {
      unreadable++;
    }
  }
  return { ders, unreadable };
}

/** The DSS as revision `revision` has it (the newest when omitted). */
export function readDss(doc: PdfDocument, revision = doc.revisions.length - 1): DssContents {
  const table = doc.tableOfRevision(revision);
  const catalog = dictOf(resolveIn(doc, table, doc.rootRef));
  const dss = dictOf(resolveIn(doc, table, catalog?.get('DSS')));
  const out: DssContents = { certificates: [], crls: [], ocspResponses: [], ders: [], vriKeys: [], unreadable: 0 };
  if (dss === undefined) return out;
  const certs = streamsOf(doc, table, dss.get('Certs'));
  const crls = streamsOf(doc, table, dss.get('CRLs'));
  const ocsps = streamsOf(doc, table, dss.get('OCSPs'));
  out.unreadable = certs.unreadable + crls.unreadable + ocsps.unreadable;
  for (const der of certs.ders) {
    try {
      out.certificates.push(X509Cert.fromDer(der));
    } catch {
      out.unreadable++;
    }
  }
  for (const der of crls.ders) {
    try {
      out.crls.push(Crl.fromDer(der));
    } catch {
      out.unreadable++;
    }
  }
  out.ocspResponses.push(...ocsps.ders);
  out.ders.push(...certs.ders, ...crls.ders, ...ocsps.ders);
  const vri = dictOf(resolveIn(doc, table, dss.get('VRI')));
  if (vri !== undefined) out.vriKeys.push(...vri.map.keys());
  return out;
}

/** SHA-256 hex of bytes (the PoeStore key). */
export const sha256Hex = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');
