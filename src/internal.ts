/**
 * scelle/internal — what the CLI, the tests and the benchmarks need beyond the public API: the
 * parsers and builders of the structures, limits and constants, test-PKI builders, and the plumbing
 * under the high-level operations (files, backup keys and state, MIME, schedules…).
 *
 * NOT a stable API: names here move, change or disappear between any two versions, without notice.
 * A library user imports from `scelle` (src/index.ts); `cli/**` imports from here and from there only.
 */

/** Passwords: the policy's figures, the entropy of a generated password, a reason in words. */
export { generatedPasswordBits, describePasswordReason, PASSWORD_POLICY } from './crypto/password.js';

/** Encodings and keys: PEM, PKCS#8 and PKCS#12 files, private keys. */
export { parsePem, formatPem, looksLikePem } from './crypto/pem.js';
export type { PemBlock } from './crypto/pem.js';
export { decryptPkcs8, encryptPkcs8 } from './crypto/pkcs8.js';
export { parsePkcs12, buildPkcs12 } from './crypto/pkcs12.js';
export type { Pkcs12Contents, Pkcs12Key, Pkcs12Cert, BuildPkcs12Options } from './crypto/pkcs12.js';
export { loadPrivateKey, isEncryptedKey } from './crypto/private-key.js';
export type { LoadPrivateKeyOptions } from './crypto/private-key.js';

/** Certificates: the health-name tables (professions, national id kinds), EKU names; identity checks and roles. */
export { describeHolder, parseIdNat, PROFESSIONS, ID_NAT_KINDS } from './crypto/health-name.js';
export { EKU_NAMES } from './crypto/cert-summary.js';
export { readPkcs12Certificates, certificateRoles, checkIdentityEntry } from './crypto/identity.js';
export type { Pkcs12Certificate } from './crypto/identity.js';
export { Pkcs11Session } from './crypto/pkcs11.js';
export type { TokenCertificate, TokenPrivateKey, TokenIdentity } from './crypto/pkcs11.js';
export { checkSignerCertificate } from './crypto/cms/signing-cert-check.js';
export type { SignerCheckOptions, SignerCheck, SignerRefusal } from './crypto/cms/signing-cert-check.js';

/** Test PKIs: certificate and CRL building, the demo PKI (CA, practitioners, TSA) of `scelle pki` and the tests. */
export { buildCertificate, buildCrl, certificateSerial } from './crypto/cert-builder.js';
export { KEY_USAGE_BITS } from './crypto/x509/certificate.js';
export { CRL_REASON_NAMES } from './crypto/x509/crl.js';
export type { CertificateTemplate, CrlTemplate, DnAttribute, KeyUsageBit } from './crypto/cert-builder.js';
export { createDemoPki, writeDemoPki, randomDemoPassword } from './crypto/demo-pki.js';
export type { DemoPki, DemoIdentity, DemoPkiOptions, DemoPkiFiles } from './crypto/demo-pki.js';

/** Validation limits and policy: the largest PEM signature, algorithm deadlines, the report version, the chunk size of file reads. */
export { MAX_PEM_SIGNATURE } from './validation/verify-signature.js';
export { DIGEST_DEADLINES, RSA_DEADLINES, EC_DEADLINES } from './validation/algorithms.js';
export { REPORT_VERSION } from './validation/report.js';
export { FILE_CHUNK_SIZE } from './io/file-chunks.js';

/** RFC 3161 structures: requests, responses, tokens and their media types; imprints from a digest; the demo TSA policy. */
export {
  buildTimeStampReq, parseTimeStampReq, buildTimeStampResp, parseTimeStampResp, parseTimeStampToken, parseTstInfo,
  TSP_HASHES, TIMESTAMP_QUERY_TYPE, TIMESTAMP_REPLY_TYPE,
} from './timestamp/tsp.js';
export { DEMO_TSA_POLICY } from './timestamp/tsa.js';
export { SERIAL_STATE_FILE } from './timestamp/serial-state.js';
export { imprintFromDigest } from './timestamp/imprint.js';
export { digestFile } from './io/digest-file.js';

/** RFC 4998 evidence records: the structure, building one over a hash tree. */
export { parseEvidenceRecord, encodeEvidenceRecord, MAX_EVIDENCE_RECORD } from './timestamp/ers/structure.js';
export { timestampTree, evidenceRecordOf } from './timestamp/ers/generate.js';
export type { ErsTimestampOptions, TimestampedTree } from './timestamp/ers/generate.js';

/** CMS envelopes: a recipient certificate's check, an envelope in memory described, the password KDF's iterations. */
export { checkRecipientCertificate } from './crypto/cms/envelope.js';
export { describeEnvelope } from './crypto/cms/envelope-open.js';
export { PWRI_ITERATIONS } from './crypto/cms/envelope-algorithms.js';

/** USB export limits and names: the zip bomb bounds, the manifest's file names; AES zip reader and writer. */
export { DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MAX_RATIO, DEFAULT_RATIO_FLOOR, DEFAULT_MAX_ENTRIES } from './export/import.js';
export { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME } from './export/manifest.js';
export { ZipReader } from './crypto/zip/reader.js';
export type { ZipEntry, ZipReaderOptions, ReadEntryOptions } from './crypto/zip/reader.js';
export { ZipWriter } from './crypto/zip/writer.js';
export type { ZipWriterOptions, ZipEntryMeta, WrittenEntry, PreparedEntry } from './crypto/zip/writer.js';

/** Backup setup and repositories: config text, init warnings, kits, key slots, recovery keys, snapshots, policy, destinations specs and drive labels. */
export { initWarnings, kitOf } from './backup/setup.js';
export { parseBackupConfig, formatBackupConfig } from './backup/config.js';
export { initRepository, readRepoConfig, addKeySlot } from './backup/repository.js';
export type { InitRepositoryResult } from './backup/repository.js';
export { formatRecoveryKey, parseRecoveryKey } from './backup/keys.js';
export { recoveryKitText, recoveryKitHtml, verifierKitText, parseKit } from './backup/kit.js';
export type { ParsedKit } from './backup/kit.js';
export { findSnapshot, readSnapshot } from './backup/snapshot.js';
export type { SnapshotDoc, SnapshotEntry, ChunkRef } from './backup/snapshot.js';
export { evaluateStatus, DEFAULT_POLICY } from './backup/policy.js';
export { parseDestinationUrl, formatDestinationSpec, initRemovable, readDriveLabel, DRIVE_LABEL_FILE } from './backup/destination/index.js';
export type { DriveLabel } from './backup/destination/index.js';

/** MSSanté layers: the outer message, S/MIME, IHE XDM, CDA headers, MSSanté headers, MDN parsing, integration error codes, receipt links. */
export { buildOuterMessage, isMssanteAddress, splitMessage, joinMessage } from './mss/compose.js';
export type { OuterFields } from './mss/compose.js';
export { signMimeEntity, encryptMimeEntity, verifyMultipartSigned, verifyOpaqueSigned, verifySignedLayer, decryptMimeEntity, smimeLayerOf, MICALG } from './mss/smime.js';
export type { SignMimeOptions, EncryptMimeOptions, SignedLayer, SmimeLayerKind, VerifyLayerOptions } from './mss/smime.js';
export { buildXdmPackage, checkXdmPackage, XDM_ATTACHMENT_NAME } from './mss/xdm.js';
export { parseCdaHeader, validNirKey, INS_OIDS, CDA_NAMESPACE } from './mss/cda.js';
export { mssHeadersFor, checkMssHeaders, isPatientAddress, hasQualifiedIns, MSS_HEADER, PATIENT_DOMAIN } from './mss/mss-headers.js';
export { parseMdn, parseDisposition, isMdn } from './mss/mdn.js';
export { INTEGRATION_ERRORS, integrationError, integrationSubject, xdmSubject, errorCodeOfSubject } from './mss/integration-errors.js';
export { linkReceipt } from './mss/receipt-link.js';

/** PDF and ASiC limits: the largest PDF read, a PDF's signature fields, the ASiC media types; the archive's largest document. */
export { MAX_PDF_BYTES } from './pdf/document.js';
export { listSignatures } from './pdf/signatures.js';
export type { PdfSignatureEntry } from './pdf/signatures.js';
export { ASIC_MIMETYPES } from './asic/create.js';
export { MAX_DOCUMENT } from './archive/add.js';

/** Files: atomic writes, temp-file scopes, bounded reads, and the errors of a failed file operation. */
export { writeFileAtomic } from './io/atomic-write.js';
export type { AtomicWriteOptions } from './io/atomic-write.js';
export { openAtomicOutput, writeStreamAtomic, syncFolder } from './io/atomic-output.js';
export type { AtomicOutput, AtomicOutputOptions } from './io/atomic-output.js';
export { readInputFile, MAX_STRUCTURE_FILE } from './io/read-file.js';
export { fsError, mediumOf, freeBytes, assertFreeSpace } from './io/fs-errors.js';
export type { FsOperation, FsErrorOptions, MediumKind } from './io/fs-errors.js';
export { createTempScope, runInTempScope, removeLiveTemps, sweepStaleTemps, STALE_TEMP_AGE_MS } from './io/temp-files.js';
export type { TempScope } from './io/temp-files.js';

/** Raw signature schemes over a key (the CMS layers above use them). */
export { defaultSchemeFor, describeScheme, signWithKeyObject, verifyWithPublicKey } from './crypto/signature-scheme.js';
export { publicSpkiOf } from './crypto/private-key.js';

/** `scelle doctor`: a p12's certificates, read without its password. */
export { readPkcs12ClearCertificates } from './crypto/pkcs12.js';
export type { Pkcs12ClearCertificates } from './crypto/pkcs12.js';

/** Validation engine internals: chain conclusions, proofs of existence, chained time-stamps. */
export { chainConclusion } from './validation/indication.js';
export { PoeStore, poeKey, validateTimestampChain } from './validation/poe.js';
export type { ChainedTimestamp, ChainedTimestampVerdict } from './validation/poe.js';

/** RFC 3161 status codes, as numbers and bits. */
export { PKI_STATUS, PKI_FAILURE_BITS } from './timestamp/tsp.js';

/** `scelle demo`: the guided tour. */
export { runDemo } from './demo.js';
export type { DemoStep, DemoOptions, DemoResult } from './demo.js';

/** Backup internals: config paths, repository keys and slots, index, chunker, seals, seal chain, state, locks. */
export { sourceLabels } from './backup/run.js';
export { stateDirOf, defaultConfigPath, DEFAULT_CONFIG_NAME } from './backup/config.js';
export { expectRepository, readSlots, DEFAULT_PACK_SIZE } from './backup/repository.js';
export { loadIndex } from './backup/repo-index.js';
export { prewarmReadPool } from './backup/read-pool.js';
export type { RepoIndex, BlobLocation } from './backup/repo-index.js';
export {
  newMasterSecret, deriveWriteKeys, writeKeysOf, makePassphraseSlot, makeRecoverySlot, makeCertificateSlot, openSlot,
  DEFAULT_KDF_LOG_N, MIN_KDF_LOG_N,
} from './backup/keys.js';
export type { WriteKeys, KeySlot } from './backup/keys.js';
export { readChain, checkHead, witnessedHeads } from './backup/chain.js';
export { selectKept } from './backup/policy.js';
export { formatSeal, parseSeal, signSeal, verifySealSignature } from './backup/seal.js';
export type { SealSignatureVerdict } from './backup/seal.js';
export { readState, writeState, updateState } from './backup/state.js';
export { acquireLock } from './backup/lock.js';
export type { HeldLock, LockKind } from './backup/lock.js';
export { Chunker, gearTable, DEFAULT_CHUNKER } from './backup/chunker.js';

/** `scelle backup schedule`: schedule parsing, systemd/cron/Windows/launchd text. */
export { parseSchedule, systemdUnits, cronLine, windowsTask, launchdPlist, nextRun, shellQuote } from './backup/schedule.js';
export type { Schedule, ScheduledCommand } from './backup/schedule.js';

/** MSSanté internals: MIME parsing, text sanitizing, XDM slots, the sent log, directory index, transport helpers. */
export { parseMimeEntity, parseContentType, parseParameters, decodeBody, headerValue, canonicalizeLineBreaks } from './mss/mime.js';
export type { ParseEntityOptions } from './mss/mime.js';
export { sanitizeText, decodeHeaderlessText, MAX_TEXT_CHARS } from './mss/body.js';
export { SHA256_SLOT, FILE_NAME_SLOT } from './mss/xdm.js';
export { tsToDtm } from './mss/cda.js';
export { appendSentRecord, findSentRecord } from './mss/sent-log.js';
export type { SentRecord } from './mss/sent-log.js';
export { normalizeText, DIRECTORY_COLUMNS, LISTE_ROUGE_COLUMN, DIRECTORY_INDEX_MAGIC } from './mss/directory.js';
export { mailboxesOf, lookupKind } from './mss/directory-lookup.js';
export { tlsOptions as mailTlsOptions } from './mss/transport.js';
export { readTokenFile, jwtExpiry } from './mss/oauth.js';
export { initialResponse as saslInitialResponse, decodeOAuthChallenge } from './mss/sasl.js';
export type { OAuthChallenge } from './mss/sasl.js';
export { safeAttachmentName } from './mss/read.js';

/** USB export internals: the manifest text, WinZip AES key derivation. */
export { formatManifest, parseManifest } from './export/manifest.js';
export { deriveWinZipAesKeys, WINZIP_AES } from './crypto/zip/winzip-aes.js';
export type { WinZipAesKeys } from './crypto/zip/winzip-aes.js';

/** PDF internals: the document structure, document time-stamp updates, output naming. */
export { PdfDocument } from './pdf/document.js';
export { documentTimestampUpdate } from './pdf/extend.js';
export { signedPdfPath } from './pdf/sign-file.js';

/** ASiC internals: the ASiCManifest XML. */
export { buildAsicManifest, parseAsicManifest } from './asic/manifest.js';
export type { AsicManifest, ManifestReference } from './asic/manifest.js';

/** Long-term internals: evidence-record renewal steps, the archive store, retention arithmetic, the journal head. */
export { renewChainTimestamp, withRenewedTimestamp, renewHashTrees } from './timestamp/ers/generate.js';
export type { HashRenewalEntry } from './timestamp/ers/generate.js';
export { findItems } from './archive/store.js';
export { retentionState, parseDay, checkRule } from './archive/retention.js';
export { JOURNAL_HEAD } from './archive/journal.js';
