/**
 * Errors raised by scelle. Every error carries a stable string code: scripts, the CLI's exit-code
 * table and the message catalogs key on it, so a code is never renamed once released.
 * Messages are English, say what failed and what it means, name the object, and never contain a
 * secret (password, PIN, key material).
 */

/** Stable error codes. Append only; never rename. */
export const ERROR_CODES = [
  // usage and input
  'USAGE',
  'PASSWORD_REQUIRED',
  'PIN_REQUIRED',
  'FILE_NOT_FOUND',
  'IO_ERROR',
  'MALFORMED_PEM',
  'MALFORMED_ASN1',
  'UNSUPPORTED_FORMAT',
  'UNSUPPORTED_ALGORITHM',
  // secrets
  'WRONG_PASSWORD',
  'WRONG_PIN',
  'PIN_LOCKED',
  'WRONG_KEY',
  // identities
  'NO_SUITABLE_CERTIFICATE',
  'KEY_CERT_MISMATCH',
  'NO_PRIVATE_KEY',
  'PKCS11_MODULE_ERROR',
  'TOKEN_NOT_FOUND',
  'PKCS11_ERROR',
  // certificate path validation (RFC 5280 §6) — negative verdicts
  'CHAIN_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_INVALID',
  'NOT_A_CA',
  'PATH_LENGTH_EXCEEDED',
  'CA_KEY_USAGE_MISSING',
  'KEY_USAGE_MISMATCH',
  'EKU_MISMATCH',
  'WEAK_ALGORITHM',
  'WEAK_KEY',
  'UNKNOWN_CRITICAL_EXTENSION',
  'CRL_INVALID',
  'CRL_EXPIRED',
  'OCSP_INVALID',
  'REVOCATION_UNKNOWN',
  // network
  'NETWORK_ERROR',
  // signatures (CMS / CAdES) — negative verdicts
  'SIGNATURE_INVALID',
  'CONTENT_TAMPERED',
  'CONTENT_MISMATCH',
  'SIGNER_CERT_MISSING',
  'SIGNING_CERT_MISMATCH',
  'CONTENT_REQUIRED',
  'TIMESTAMP_INVALID',
  // timestamps (RFC 3161) — negative verdicts
  'TIMESTAMP_REJECTED',
  'TIMESTAMP_IMPRINT_MISMATCH',
  'TIMESTAMP_NONCE_MISMATCH',
  'TIMESTAMP_POLICY_MISMATCH',
  'TSA_EKU_MISSING',
  'TSA_EKU_NOT_CRITICAL',
  'TSA_CERT_MISMATCH',
  'TSA_INJECTED_CA',
  'TSA_UNAVAILABLE',
  // concurrency: a resource (a TSA state folder) is held by another process (exit 11)
  'LOCKED',
  // encryption: CMS envelopes and AES zips
  'NOT_A_RECIPIENT',
  'DECRYPTION_FAILED',
  'TRUNCATED',
  'WEAK_PASSWORD',
  'OUTPUT_EXISTS',
  'UNSAFE_PATH',
  'ARCHIVE_BOMB',
  'DUPLICATE_ENTRY',
  'SYMLINK_REFUSED',
  'MANIFEST_MISMATCH',
  'RECIPIENT_CERT_INVALID',
  // backups
  'REPO_NOT_FOUND',
  'REPO_EXISTS',
  'REPO_CORRUPT',
  'OBJECT_MISSING',
  'OBJECT_CORRUPT',
  'SEAL_INVALID',
  'TARGET_OFFLINE',
  'TARGET_ERROR',
  'CONFIG_INVALID',
  'SNAPSHOT_NOT_FOUND',
  'POLICY_BROKEN',
  'INTERRUPTED',
  // secure messaging
  'MIME_MALFORMED',
  'XDM_MISMATCH',
  'TLS_UNTRUSTED',
  'SMTP_ERROR',
  'IMAP_ERROR',
  'AUTH_FAILED',
  // added later (append only)
  'SENDER_MISMATCH',
  'MALFORMED_ARCHIVE',
  // issue 11: validation engine (RFC 5280 §6 completed, ETSI EN 319 102-1)
  'REVOCATION_UNAVAILABLE',
  'NAME_CONSTRAINTS_VIOLATED',
  'POLICY_CONSTRAINTS_FAILED',
  // issue 16: a date typed by a person that is not ISO-8601
  'DATE_INVALID',
  // issue 12: backups — repository binding, tamper-evident seal chains, bounded reads, key slots
  'REPO_MISMATCH',
  'DESTINATION_MISMATCH',
  'SEAL_CHAIN_BROKEN',
  'ROLLBACK_DETECTED',
  'SIGNER_MISMATCH',
  'OBJECT_TOO_LARGE',
  'KEY_SLOT_CORRUPT',
  'SCHEDULE_ERROR',
  // issue 15: MSSanté as the ANS specifies it
  'NOT_SIGNED',
  'MSS_HEADER_MISMATCH',
  'CDA_INVALID',
  'NOT_IGC_SANTE',
  'RECEIPT_MISMATCH',
  'DIRECTORY_INVALID',
  'DIRECTORY_NOT_FOUND',
  'NOT_IN_DIRECTORY',
  'TOKEN_EXPIRED',
  'TOKEN_REFRESH_FAILED',
  // issue 14: PDF signatures (PAdES) and ASiC containers
  'PDF_MALFORMED',
  'PDF_ENCRYPTED',
  'PDF_LOCKED',
  'PDF_NOT_SIGNED',
  'PDF_BYTE_RANGE_INVALID',
  'PDF_MODIFIED',
  'VALIDATION_DATA_MISSING',
  'ASIC_MALFORMED',
  'ASIC_UNCOVERED_FILE',
  // issue 16: files and media, signals, archive caps, signing safety
  'PERMISSION_DENIED',
  'NOT_A_FILE',
  'NOT_A_FOLDER',
  'DISK_FULL',
  'READ_ONLY_MEDIUM',
  'OUTPUT_CLOSED',
  'TOO_MANY_ENTRIES',
  'SIGNER_CERT_INVALID',
  // issue 13: long-term proofs (evidence records, CAdES-LT/LTA, the practice archive, journal, retention)
  'EVIDENCE_RECORD_INVALID',
  'EVIDENCE_RECORD_MISMATCH',
  'ARCHIVE_TIMESTAMP_INVALID',
  // (VALIDATION_DATA_MISSING: issue 14's, shared by CAdES and PAdES extension)
  'ARCHIVE_NOT_FOUND',
  'ARCHIVE_EXISTS',
  'ARCHIVE_ITEM_NOT_FOUND',
  'ARCHIVE_CORRUPT',
  'JOURNAL_BROKEN',
  'RETENTION_NOT_DUE',
  'LEGAL_HOLD',
  // anything else
  'INTERNAL',
] as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Values a message template may interpolate (file names, subjects, counts — never secrets). */
export type ErrorParams = Readonly<Record<string, string | number>>;

/** Options of {@link ScelleError}. */
export interface ScelleErrorOptions {
  /** The lower-level error, kept for debugging; never shown to end users verbatim. */
  cause?: unknown;
  /** Values for the message catalogs (e.g. `{ file: 'a.p12' }`). */
  params?: ErrorParams;
  /** A short hint on what to do next (English; the CLI translates by code). */
  hint?: string;
}

/**
 * The one error class scelle throws. `code` is stable; `message` is English and safe to show.
 * Subclasses only add data (which certificate, which signer).
 */
export class ScelleError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ScelleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScelleError';
    this.code = code;
    this.params = options.params ?? {};
    this.hint = options.hint;
  }
}

/** True when `e` is a {@link ScelleError}, optionally with the given code. */
export function isScelleError(e: unknown, code?: ErrorCode): e is ScelleError {
  return e instanceof ScelleError && (code === undefined || e.code === code);
}
