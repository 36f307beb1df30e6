/**
 * PAdES baseline signatures (ETSI EN 319 142-1 §6): B-B, B-T, B-LT and B-LTA, each an incremental
 * update of the PDF (ISO 32000-1 §12.8) that leaves the original bytes untouched.
 *
 * - B-B (§6.3): a signature dictionary with /SubFilter /ETSI.CAdES.detached, /M (the signing time
 *   — the CMS carries no signing-time attribute), optional /Reason, /Location, /ContactInfo; a
 *   detached CAdES signature over the /ByteRange with content-type, message-digest and
 *   signing-certificate-v2, and the certificate chain.
 * - B-T: a signature time-stamp (id-aa-signatureTimeStampToken) on the SignerInfo.
 * - B-LT: a later update with the DSS (`dss.ts`): certificates, CRLs, OCSP responses, VRI.
 * - B-LTA: then a document time-stamp (/SubFilter /ETSI.RFC3161) over everything before it.
 *
 * The /Contents hole is sized from the signature itself: the CAdES-B size is computed exactly with
 * a stand-in key of the real key's signature length (no private-key operation), and a time-stamp
 * token's size is learnt from the first token; if a signature still does not fit, the revision is
 * rebuilt with the exact size and signed again — never truncated.
 */
import { ScelleError } from '../errors.js';
import { createSigner, type SignatureDigest, type Signer } from '../crypto/cms/sign.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { SignatureScheme } from '../crypto/signature-scheme.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';
import type { TimestampHash } from '../timestamp/imprint.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import { appearanceLines } from './appearance.js';
import { PdfDocument } from './document.js';
import { PdfName, PdfStream, textString, type PdfObject } from './objects.js';
import { decodeStream } from './filters.js';
import { extendPdf, type ExtendResult, type PadesWarning } from './extend.js';
import { docMdpPermission, formatPdfDate } from './signatures.js';
import { fillContents, fits, prepareSignatureRevision, signedRanges, type PreparedRevision, type VisiblePlacement } from './signature-field.js';
import { concat } from './writer.js';
import type { ValidationDataOptions } from './validation-data.js';

/** The PAdES baseline levels (ETSI EN 319 142-1 §6.1). */
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** How to sign. */
export interface PadesSignOptions {
  /** The certificate and key (software, or on a card). */
  signer: IdentityEntry;
  /** CA certificates to embed after the signer's. */
  chain?: X509Cert[];
  hash?: SignatureDigest;
  scheme?: SignatureScheme;
  /** Default B-B. */
  level?: PadesLevel;
  /** Time-stamps for B-T and above (signature time-stamp, document time-stamp). */
  timestamps?: TimestampTokenSource;
  /** Imprint hash of the time-stamps. Default sha256. */
  timestampHash?: TimestampHash;
  /** A visible signature box; invisible by default. */
  visible?: VisiblePlacement;
  reason?: string;
  location?: string;
  contactInfo?: string;
  /** Validation data for B-LT / B-LTA. */
  validation?: ValidationDataOptions;
  /** The clock of /M and of revocation checks. Default now. */
  clock?: () => Date;
}

/** A signed PDF. */
export interface PadesResult {
  /** The file: the original bytes, then each update (concatenate to get it). */
  parts: Uint8Array[];
  length: number;
  level: PadesLevel;
  /** The new signature's field name. */
  fieldName: string;
  /** What the updates added, in order. */
  updates: ('signature' | 'dss' | 'document-timestamp')[];
  /** Things the signer should know (the signature is written all the same). */
  warnings: PadesWarning[];
}

/** A signer bound to one key, for many PDFs (one PIN or password entry). */
export interface PadesSigner {
  readonly certificate: X509Cert;
  /**
   * Signs a PDF held in memory.
   * @throws ScelleError PDF_MALFORMED, PDF_ENCRYPTED, PDF_LOCKED, USAGE (a bad visible box),
   *   the key's errors, the TSA's (TSA_UNAVAILABLE, TIMESTAMP_REJECTED…), and for B-LT/B-LTA
   *   VALIDATION_DATA_MISSING, CERT_REVOKED.
   */
  signPdf(pdf: Uint8Array): Promise<PadesResult>;
}

/** Rounds of "sign, and if it does not fit, make the hole bigger". */
const MAX_ROUNDS = 3;
/** Slack added to a measured size: a token's serial number, nonce and time vary by a few bytes. */
const SLACK = 256;
/** First guess for a time-stamp token (with the TSA's chain) until one has been seen. */
const FIRST_TOKEN_GUESS = 8 * 1024;

/** The longest signature value the key can produce, for sizing. */
function maxSignatureLength(cert: X509Cert): number {
  const k = cert.keyAlgorithm;
  if ((k.type === 'rsa' || k.type === 'rsa-pss') && k.bits !== undefined) return Math.ceil(k.bits / 8);
  if (k.type === 'ec') return k.curve === 'P-384' ? 104 : k.curve === 'P-521' ? 139 : 72;
  if (k.type === 'ed25519') return 64;
  return 1024;
}

/** A signer whose key returns zeros of the right length: the exact size of a CAdES-B without a key operation. */
function sizingSigner(options: PadesSignOptions): Signer {
  const length = maxSignatureLength(options.signer.certificate);
  const stand: IdentityEntry = { ...options.signer, key: { ...options.signer.key, sign: async () => new Uint8Array(length) } };
  return createSigner(cmsOptions({ ...options, signer: stand }));
}

function cmsOptions(options: PadesSignOptions): Parameters<typeof createSigner>[0] {
  return {
    signer: options.signer,
    ...(options.chain !== undefined ? { chain: options.chain } : {}),
    ...(options.hash !== undefined ? { hash: options.hash } : {}),
    ...(options.scheme !== undefined ? { scheme: options.scheme } : {}),
    omitSigningTime: true,
  };
}

/** True when the catalog's XMP metadata declares PDF/A conformance (ISO 19005: pdfaid:part). */
function isPdfA(doc: PdfDocument): boolean {
  const meta = doc.resolve(doc.catalog.get('Metadata'));
  if (!(meta instanceof PdfStream)) return false;
  try {
    return /pdfaid:part/.test(Buffer.from(decodeStream(meta, (v) => doc.resolve(v))).toString('latin1'));
  } catch {
    return false;
  }
}

/** ETSI EN 319 142-1 §5.3 Table 1: the signature dictionary of a PAdES signature. */
function signatureEntries(options: PadesSignOptions, time: Date, name: string): [string, PdfObject][] {
  const entries: [string, PdfObject][] = [
    ['Type', new PdfName('Sig')], ['Filter', new PdfName('Adobe.PPKLite')], ['SubFilter', new PdfName('ETSI.CAdES.detached')],
    ['M', textString(formatPdfDate(time))], ['Name', textString(name)],
  ];
  if (options.reason !== undefined && options.reason !== '') entries.push(['Reason', textString(options.reason)]);
  if (options.location !== undefined && options.location !== '') entries.push(['Location', textString(options.location)]);
  if (options.contactInfo !== undefined && options.contactInfo !== '') entries.push(['ContactInfo', textString(options.contactInfo)]);
  return entries;
}

/**
 * Creates a PAdES signer. Every certificate-derived part is encoded once.
 * @throws ScelleError USAGE (B-T and above without `timestamps`), UNSUPPORTED_ALGORITHM.
 */
export function createPadesSigner(options: PadesSignOptions): PadesSigner {
  const level = options.level ?? 'B-B';
  if (level !== 'B-B' && options.timestamps === undefined) {
    throw new ScelleError('USAGE', `PAdES ${level} needs a time-stamping authority (--tsa URL)`, { params: { detail: `PAdES ${level} needs --tsa` } });
  }
  const clock = options.clock ?? (() => new Date());
  const cms = createSigner(cmsOptions(options));
  const sizing = sizingSigner(options);
  const tsHash = options.timestampHash ?? 'sha256';
  let baseSize: number | undefined;
  // Learnt from the tokens received: the next hole fits the next token (per signer, not per process).
  const tokens = { size: undefined as number | undefined };
  const displayName = summarizeCertificate(options.signer.certificate).holder.displayName;

  const signOnce = async (doc: PdfDocument, time: Date, holeBytes: number): Promise<{ prep: PreparedRevision; der: Uint8Array }> => {
    const prep = prepareSignatureRevision(doc, {
      entries: signatureEntries(options, time, displayName),
      contentsBytes: holeBytes,
      fieldPrefix: 'Signature',
      ...(options.visible !== undefined ? { visible: { placement: options.visible, lines: appearanceLines(options.signer.certificate, time, options.reason) } } : {}),
    });
    let der = await cms.signDetached(signedRanges(prep));
    if (level !== 'B-B') {
      der = await addSignatureTimestamp(der, options.timestamps!, { hash: tsHash, clock });
      const grown = der.length - (baseSize ?? der.length);
      if (grown > 0) tokens.size = Math.max(tokens.size ?? 0, grown);
    }
    return { prep, der };
  };

  return {
    certificate: options.signer.certificate,
    signPdf: async (pdf) => {
      const doc = PdfDocument.parse(pdf);
      if (docMdpPermission(doc) === 1) {
        throw new ScelleError('PDF_LOCKED', 'the PDF is certified with "no changes allowed" (DocMDP P=1): adding a signature would invalidate its certification', { params: { detail: 'DocMDP P=1' } });
      }
      const time = clock();
      const warnings: PadesWarning[] = [];
      if (options.visible !== undefined && isPdfA(doc)) {
        warnings.push({ code: 'PDFA_FONT_NOT_EMBEDDED', message: 'the PDF is a PDF/A: the visible signature uses the Helvetica font, which is not embedded, so the signed file no longer conforms to PDF/A; sign without --visible to keep PDF/A' });
      }
      baseSize ??= (await sizing.signDetached([new Uint8Array(0)])).length;
      let hole = baseSize + (level === 'B-B' ? SLACK : (tokens.size ?? FIRST_TOKEN_GUESS) + SLACK);
      for (let round = 1; ; round++) {
        const { prep, der } = await signOnce(doc, time, hole);
        if (fits(prep, der)) {
          fillContents(prep, der);
          const signed: ExtendResult = { parts: [prep.original, prep.update], length: prep.original.length + prep.update.length, updates: ['signature'], warnings };
          const out = level === 'B-LT' || level === 'B-LTA'
            ? await extendPdf(concat(signed.parts), { level, ...(options.timestamps !== undefined ? { timestamps: options.timestamps } : {}), timestampHash: tsHash, ...(options.validation !== undefined ? { validation: options.validation } : {}), clock, tokenSize: tokens }, signed)
            : signed;
          return { ...out, level, fieldName: prep.fieldName };
        }
        if (round >= MAX_ROUNDS) throw new ScelleError('INTERNAL', `the signature (${der.length} bytes) still does not fit after ${round} attempts`);
        hole = der.length + SLACK;
      }
    },
  };
}
