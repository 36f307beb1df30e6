/**
 * scelle/internal — what the CLI needs beyond the public API, and the plumbing under it.
 *
 * NOT a stable API: names here move, change or disappear between any two versions, without notice.
 * A library user imports from `scelle` (src/index.ts); `cli/**` imports from here and from there only.
 */

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
export type { Chain, ChainSeal, KnownHead } from './backup/chain.js';
export { selectKept } from './backup/policy.js';
export { formatSeal, parseSeal, signSeal, verifySealSignature } from './backup/seal.js';
export type { SealedObject, SealSignatureVerdict } from './backup/seal.js';
export { readState, writeState, updateState } from './backup/state.js';
export type { BackupState, DestinationState, ScheduleState, HeadRecord } from './backup/state.js';
export { acquireLock } from './backup/lock.js';
export type { HeldLock, LockKind } from './backup/lock.js';
export { Chunker, gearTable, DEFAULT_CHUNKER } from './backup/chunker.js';
export type { ChunkerParams } from './backup/chunker.js';

/** `scelle backup schedule`: schedule parsing, systemd/cron/Windows/launchd text. */
export { parseSchedule, systemdUnits, cronLine, windowsTask, launchdPlist, nextRun, shellQuote } from './backup/schedule.js';
export type { Schedule, ScheduledCommand } from './backup/schedule.js';

/** MSSanté internals: MIME parsing, text sanitizing, XDM slots, the sent log, directory index, transport helpers. */
export { parseMimeEntity, parseContentType, parseParameters, decodeBody, headerValue, canonicalizeLineBreaks } from './mss/mime.js';
export type { ContentType, MimeLimits, ParseEntityOptions } from './mss/mime.js';
export { sanitizeText, decodeHeaderlessText, MAX_TEXT_CHARS } from './mss/body.js';
export type { TextSource } from './mss/body.js';
export { SHA256_SLOT, FILE_NAME_SLOT } from './mss/xdm.js';
export { tsToDtm } from './mss/cda.js';
export { appendSentRecord, findSentRecord } from './mss/sent-log.js';
export type { SentRecord } from './mss/sent-log.js';
export { normalizeText, DIRECTORY_COLUMNS, LISTE_ROUGE_COLUMN, DIRECTORY_INDEX_MAGIC } from './mss/directory.js';
export { mailboxesOf, lookupKind } from './mss/directory-lookup.js';
export { tlsOptions as mailTlsOptions } from './mss/transport.js';
export { readTokenFile, jwtExpiry } from './mss/oauth.js';
export { initialResponse as saslInitialResponse, decodeOAuthChallenge } from './mss/sasl.js';
export type { SaslMechanism, OAuthChallenge } from './mss/sasl.js';
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
export { ArchiveStore, findItems } from './archive/store.js';
export { retentionState, parseDay, checkRule } from './archive/retention.js';
export { JOURNAL_HEAD } from './archive/journal.js';
