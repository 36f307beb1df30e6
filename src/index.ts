/**
 * scelle — the library. Everything the CLI does is here, typed; the CLI is a thin layer over it.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { loadPkcs12Identity, selectCertificate, parseCertificates, verifyCertificateChain, summarizeCertificate } from 'scelle';
 * const id = loadPkcs12Identity(await readFile('praticien.p12'), password, { name: 'praticien.p12' });
 * const { entry } = selectCertificate(id, 'sign');          // the non-repudiation certificate
 * console.log(summarizeCertificate(entry.certificate).rpps);
 * const verdict = await verifyCertificateChain(entry.certificate, {
 *   trustAnchors: parseCertificates(await readFile('trust.pem')), intermediates: id.certificates, purpose: 'sign',
 * });
 * ```
 */

// errors
export { ScelleError, isScelleError, ERROR_CODES } from './errors.js';
export type { ErrorCode, ErrorParams, ScelleErrorOptions } from './errors.js';

// io
export { writeFileAtomic } from './io/atomic-write.js';
export type { AtomicWriteOptions } from './io/atomic-write.js';
export { openAtomicOutput, writeStreamAtomic, syncFolder } from './io/atomic-output.js';
export type { AtomicOutput, AtomicOutputOptions } from './io/atomic-output.js';
export { readInputFile, MAX_STRUCTURE_FILE } from './io/read-file.js';
export { fsError, mediumOf, freeBytes, assertFreeSpace } from './io/fs-errors.js';
export type { FsOperation, FsErrorOptions, MediumKind } from './io/fs-errors.js';
export { createTempScope, runInTempScope, removeLiveTemps, sweepStaleTemps, STALE_TEMP_AGE_MS } from './io/temp-files.js';
export type { TempScope } from './io/temp-files.js';

// passwords: the CNIL policy and generation
export { checkPassword, assertStrongPassword, generatePassword, generatedPasswordBits, describePasswordReason, PASSWORD_POLICY } from './crypto/password.js';
export type { PasswordVerdict, PasswordReason, GeneratePasswordOptions } from './crypto/password.js';

// encodings and keys
export { parsePem, formatPem, looksLikePem } from './crypto/pem.js';
export type { PemBlock } from './crypto/pem.js';
export { decryptPkcs8, encryptPkcs8 } from './crypto/pkcs8.js';
export { parsePkcs12, buildPkcs12 } from './crypto/pkcs12.js';
export type { Pkcs12Contents, Pkcs12Key, Pkcs12Cert, BuildPkcs12Options } from './crypto/pkcs12.js';
export { loadPrivateKey, isEncryptedKey, publicSpkiOf } from './crypto/private-key.js';
export type { LoadPrivateKeyOptions } from './crypto/private-key.js';
export { defaultSchemeFor, describeScheme, signWithKeyObject, verifyWithPublicKey } from './crypto/signature-scheme.js';
export type { SignatureScheme, SignatureHash } from './crypto/signature-scheme.js';

// certificates
export { X509Cert, parseCertificates } from './crypto/x509/certificate.js';
export { parseCertificateBundle } from './crypto/cms/bundle.js';
export type { KeyUsageName, NameAttribute } from './crypto/x509/certificate.js';
export { parseCrls } from './crypto/x509/crl.js';
export type { Crl } from './crypto/x509/crl.js';
export { verifyCertificateChain } from './crypto/x509/verify-chain.js';
export type { ChainVerdict, ChainProblem, VerifyChainOptions, CertificatePurpose, PolicySettings, RevocationEntry } from './crypto/x509/verify-chain.js';
export { describeHolder, parseIdNat, PROFESSIONS, ID_NAT_KINDS } from './crypto/health-name.js';
export type { HealthHolder, IdNat } from './crypto/health-name.js';
export { summarizeCertificate, EKU_NAMES } from './crypto/cert-summary.js';
export type { CertificateSummary } from './crypto/cert-summary.js';
export { buildCertificate, buildCrl, certificateSerial } from './crypto/cert-builder.js';
export { KEY_USAGE_BITS } from './crypto/x509/certificate.js';
export { CRL_REASON_NAMES } from './crypto/x509/crl.js';
export type { CertificateTemplate, CrlTemplate, DnAttribute, KeyUsageBit, CrlReason } from './crypto/cert-builder.js';

// the validation engine (ETSI EN 319 102-1): signatures, time-stamps, proofs of existence, reports
export { verifySignature, verifySignatureFile, verifySignatureStream, MAX_PEM_SIGNATURE } from './validation/verify-signature.js';
export type { VerifySignatureOptions, SignatureVerdict } from './validation/verify-signature.js';
export type { SignerVerdict, SignerProblem } from './validation/signer.js';
export { verifyTimestampResponse, verifyTimestampToken } from './validation/timestamp.js';
export type { TimestampVerdict, VerifyTimestampOptions, TimestampProblem } from './validation/timestamp.js';
export { chainConclusion } from './validation/indication.js';
export type { Indication, SubIndication, Conclusion } from './validation/indication.js';
export type { Poe, PoeOrigin } from './validation/context.js';
export { DIGEST_DEADLINES, RSA_DEADLINES } from './validation/algorithms.js';
export { buildValidationReport, REPORT_VERSION } from './validation/report.js';
export type { ValidationReport, ReportInput, BuildReportOptions, ReportSignature, ReportChain, ReportCertificate, ReportCheck, ReportTimestamp } from './validation/report.js';
export { formatEtsiReport } from './validation/etsi-report.js';
export { PoeStore, poeKey, validateTimestampChain } from './validation/poe.js';
export type { ChainedTimestamp, ChainedTimestampVerdict } from './validation/poe.js';
export { readFileChunks, FILE_CHUNK_SIZE } from './io/file-chunks.js';

// timestamps (RFC 3161): structures, TSA, HTTP server and client, strict verification, CAdES-T
export {
  buildTimeStampReq, parseTimeStampReq, buildTimeStampResp, parseTimeStampResp, parseTimeStampToken, parseTstInfo,
  TSP_HASHES, PKI_STATUS, PKI_FAILURE_BITS, TIMESTAMP_QUERY_TYPE, TIMESTAMP_REPLY_TYPE,
} from './timestamp/tsp.js';
export type { TspHash, TimeStampRequest, TstInfo, TimeStampResponse, TimeStampToken, PkiFailureName } from './timestamp/tsp.js';
export { createTimeStampAuthority, DEMO_TSA_POLICY } from './timestamp/tsa.js';
export type { TsaOptions, TimeStampAuthority, IssuedToken } from './timestamp/tsa.js';
export { openSerialState, SERIAL_STATE_FILE } from './timestamp/serial-state.js';
export type { SerialState, SerialStateOptions } from './timestamp/serial-state.js';
export { startTsaServer } from './timestamp/server.js';
export type { TsaServer, TsaServerOptions, TsaRequestEvent } from './timestamp/server.js';
export { requestTimestamp } from './timestamp/client.js';
export type { RequestTimestampOptions, TimestampResult, Fetcher as TspFetcher } from './timestamp/client.js';
export { hashForTimestamp, imprintFromDigest } from './timestamp/imprint.js';
export type { TimestampExpectation, TimestampHash } from './timestamp/imprint.js';
export { addSignatureTimestamp, upgradeSignatureFile } from './timestamp/cades-t.js';
export type { UpgradeSignatureFileResult, TimestampTokenSource } from './timestamp/cades-t.js';
export { digestFile } from './io/digest-file.js';

// identities: p12, key + cert, PKCS#11 tokens
export { loadPkcs12Identity, readPkcs12Certificates, loadKeyAndCertIdentity, openPkcs11Identity, selectCertificate, certificateRoles, checkIdentityEntry } from './crypto/identity.js';
export type { Pkcs12Certificate, Identity, IdentityEntry, IdentityKey, IdentityPurpose, CertificateRole, PickReason, Selection, Pkcs11IdentityOptions } from './crypto/identity.js';
export { listPkcs11Tokens, Pkcs11Session } from './crypto/pkcs11.js';
export type { Pkcs11Options, TokenInfo, TokenCertificate, TokenPrivateKey, TokenIdentity } from './crypto/pkcs11.js';

// signatures (CMS / CAdES)
export { createSigner, signDetached, signAttached, signFile, signFiles } from './crypto/cms/sign.js';
export type { Signer, SignOptions, SignCallOptions, SignFileOptions, SignFileResult, SignFilesOptions, SignFileOutcome, SignatureDigest, RsaSignatureOid, ContentSource } from './crypto/cms/sign.js';
export { checkSignerCertificate } from './crypto/cms/signing-cert-check.js';
export type { SignerCheckOptions, SignerCheck, SignerRefusal } from './crypto/cms/signing-cert-check.js';

// demo
export { createDemoPki, writeDemoPki, randomDemoPassword } from './crypto/demo-pki.js';
export type { DemoPki, DemoIdentity, DemoPkiOptions, DemoPkiFiles } from './crypto/demo-pki.js';
export { runDemo } from './demo.js';
export type { DemoStep, DemoOptions, DemoResult } from './demo.js';

// backups: repository, runs, seals, checks, restore, policy (src/backup/*)
export { initBackup, initWarnings, openConfiguredDestinations, backupStatus, kitOf } from './backup/setup.js';
export type { InitBackupOptions, InitBackupResult, InitWarning, ConfiguredDestination, BackupStatusOptions } from './backup/setup.js';
export { parseBackupConfig, readBackupConfig, formatBackupConfig, stateDirOf, defaultConfigPath, DEFAULT_CONFIG_NAME } from './backup/config.js';
export type { BackupConfig } from './backup/config.js';
export { runBackup, sourceLabels } from './backup/run.js';
export type { RunBackupOptions, BackupRunResult, BackupEvent, WriterRepository } from './backup/run.js';
export type { DestinationOutcome, DestinationEvent } from './backup/prepare.js';
export { initRepository, unlockRepository, readRepoConfig, expectRepository, readSlots, addKeySlot, DEFAULT_PACK_SIZE } from './backup/repository.js';
export type { RepoConfig, InitRepositoryOptions, InitRepositoryResult, UnlockOptions } from './backup/repository.js';
export { loadIndex } from './backup/repo-index.js';
export type { RepoIndex, BlobLocation } from './backup/repo-index.js';
export {
  newMasterSecret, deriveWriteKeys, writeKeysOf, makePassphraseSlot, makeRecoverySlot, makeCertificateSlot, openSlot,
  formatRecoveryKey, parseRecoveryKey, DEFAULT_KDF_LOG_N, MIN_KDF_LOG_N,
} from './backup/keys.js';
export type { MasterSecret, WriteKeys, KeySlot, Unlock } from './backup/keys.js';
export { recoveryKitText, recoveryKitHtml, verifierKitText, parseKit } from './backup/kit.js';
export type { Kit, ParsedKit } from './backup/kit.js';
export { verifyWithoutKey, verifyRepository } from './backup/check.js';
export type { VerifyReport, VerifyProblem, VerifyWithoutKeyOptions, VerifyRepositoryOptions, CopyExpectations, SignatureStatus } from './backup/check.js';
export { readChain, checkHead, witnessedHeads } from './backup/chain.js';
export type { Chain, ChainSeal, KnownHead } from './backup/chain.js';
export { listSnapshots, findSnapshot, readSnapshot } from './backup/snapshot.js';
export type { SnapshotListing, SnapshotDoc, SnapshotEntry, ChunkRef } from './backup/snapshot.js';
export { restoreSnapshot, drillRestore } from './backup/restore.js';
export type { RestoreOptions, RestoreResult, DrillResult, DrillOptions, SealCheck as SnapshotSealCheck, CopySelection } from './backup/restore.js';
export { pruneRepository } from './backup/prune.js';
export type { PruneResult, PruneOptions } from './backup/prune.js';
export { repairDestinations } from './backup/repair.js';
export type { RepairOptions, RepairOutcome } from './backup/repair.js';
export { parseSchedule, systemdUnits, cronLine, windowsTask, launchdPlist, nextRun, shellQuote } from './backup/schedule.js';
export type { Schedule, ScheduledCommand } from './backup/schedule.js';
export { evaluateStatus, selectKept, DEFAULT_POLICY } from './backup/policy.js';
export type { BackupPolicy, RuleName, RuleVerdict, StatusReport, DestinationStatus, DestinationStatusInput } from './backup/policy.js';
export { formatSeal, parseSeal, signSeal, verifySealSignature } from './backup/seal.js';
export type { Seal, SealedObject, SealSigning, SealSignatureVerdict, VerifySealOptions, Witness } from './backup/seal.js';
export { readState, writeState, updateState } from './backup/state.js';
export type { BackupState, DestinationState, ScheduleState, HeadRecord } from './backup/state.js';
export { acquireLock } from './backup/lock.js';
export type { LockOwner, HeldLock, LockKind } from './backup/lock.js';
export { Chunker, gearTable, DEFAULT_CHUNKER } from './backup/chunker.js';
export type { ChunkerParams } from './backup/chunker.js';
export { parseDestinationUrl, formatDestinationSpec, openDestination, initRemovable, readDriveLabel, DRIVE_LABEL_FILE } from './backup/destination/index.js';
export type { ParsedDestination, OpenDestinationContext, DriveLabel } from './backup/destination/index.js';
export type { Destination, DestinationInfo, MediaKind, DestinationScheme, ObjectInfo, ProbeResult, GetOptions, Retention } from './backup/destination/destination.js';

// encryption: CMS envelopes
export { encryptStream, encryptFile, checkRecipientCertificate } from './crypto/cms/envelope.js';
export type { EncryptOptions, EncryptFileOptions, EncryptInfo, EnvelopeCipher, RecipientCertificate } from './crypto/cms/envelope.js';
export { decryptFile, decryptStream, describeEnvelope, describeEnvelopeFile } from './crypto/cms/envelope-open.js';
export type { DecryptOptions, DecryptFileOptions, DecryptInfo, DecryptionKey, EnvelopeDescription } from './crypto/cms/envelope-open.js';
export type { RecipientDescription } from './crypto/cms/recipients.js';
export { PWRI_ITERATIONS } from './crypto/cms/envelope-algorithms.js';

// secure messaging (MSSanté): MIME, S/MIME, IHE XDM, MDN, SMTP/IMAP transport
export { composeMessage, buildOuterMessage, isMssanteAddress, splitMessage, joinMessage } from './mss/compose.js';
export type { ComposeOptions, ComposedMessage, AttachmentInput, OuterFields } from './mss/compose.js';
export { parseMimeEntity, parseContentType, parseParameters, decodeBody, headerValue, canonicalizeLineBreaks } from './mss/mime.js';
export type { MimeEntity, MimeHeader, ContentType, MimeLimits, ParseEntityOptions } from './mss/mime.js';
export { sanitizeText, decodeHeaderlessText, MAX_TEXT_CHARS } from './mss/body.js';
export type { TextSource } from './mss/body.js';
export { signMimeEntity, encryptMimeEntity, verifyMultipartSigned, verifyOpaqueSigned, verifySignedLayer, decryptMimeEntity, smimeLayerOf, MICALG } from './mss/smime.js';
export type { SignMimeOptions, EncryptMimeOptions, SignedLayer, SmimeLayerKind, VerifyLayerOptions } from './mss/smime.js';
export { buildXdmPackage, checkXdmPackage, XDM_ATTACHMENT_NAME, SHA256_SLOT, FILE_NAME_SLOT } from './mss/xdm.js';
export { parseCdaHeader, validNirKey, tsToDtm, INS_OIDS, CDA_NAMESPACE } from './mss/cda.js';
export type { CdaHeader, CdaCode, CdaId, CdaName, CdaPatient, CdaAuthor } from './mss/cda.js';
export { mssHeadersFor, checkMssHeaders, isPatientAddress, hasQualifiedIns, MSS_HEADER, PATIENT_DOMAIN } from './mss/mss-headers.js';
export type { MssHeaderOptions, MssHeaderReport, MssHeaderProblem } from './mss/mss-headers.js';
export type { BuildXdmOptions, XdmPackage, XdmDocumentInput, XdmReport, XdmDocumentReport, XdmProblem, CheckXdmOptions } from './mss/xdm.js';
export { readReceiptRequest, buildMdn, parseMdn, parseDisposition, isMdn } from './mss/mdn.js';
export type { ReceiptRequest, BuildMdnOptions, MdnReport, Disposition } from './mss/mdn.js';
export { INTEGRATION_ERRORS, integrationError, integrationSubject, xdmSubject, errorCodeOfSubject } from './mss/integration-errors.js';
export type { IntegrationError, SubjectDocument } from './mss/integration-errors.js';
export { buildIntegrationErrorMail } from './mss/error-mail.js';
export type { IntegrationErrorMailOptions } from './mss/error-mail.js';
export { linkReceipt } from './mss/receipt-link.js';
export type { ReceiptLink, ReceiptNote, CarriedOriginal } from './mss/receipt-link.js';
export { appendSentRecord, findSentRecord } from './mss/sent-log.js';
export { importDirectory, normalizeText, DIRECTORY_COLUMNS, LISTE_ROUGE_COLUMN, DIRECTORY_INDEX_MAGIC } from './mss/directory.js';
export type { DirectoryEntry, DirectoryImport } from './mss/directory.js';
export { lookupDirectory, mailboxesOf, lookupKind } from './mss/directory-lookup.js';
export type { LookupResult, LookupOptions, LookupKind } from './mss/directory-lookup.js';
export type { SentRecord } from './mss/sent-log.js';
export { parseMailUrl, tlsOptions as mailTlsOptions } from './mss/transport.js';
export type { MailServerUrl, MailTlsOptions, MailLogin } from './mss/transport.js';
export { sendMessage } from './mss/smtp.js';
export type { SendMessageOptions, SendResult } from './mss/smtp.js';
export { fetchMessages } from './mss/imap-fetch.js';
export type { FetchMessagesOptions, FetchedMessage, FetchResult } from './mss/imap-fetch.js';
export { OAuthTokenSource, readTokenFile, jwtExpiry } from './mss/oauth.js';
export type { OAuthTokenOptions } from './mss/oauth.js';
export { initialResponse as saslInitialResponse, decodeOAuthChallenge } from './mss/sasl.js';
export type { SaslMechanism, OAuthChallenge } from './mss/sasl.js';
export { readMessage, saveAttachment, safeAttachmentName } from './mss/read.js';
export type { ReadMessageOptions, MessageReport, MessageProblem, MessageSignature, MessageEncryption, MessageAttachment, SenderIdentity, MessageStatus, AttachmentIntegrity } from './mss/read.js';

// USB export: AES zip (WinZip AE-2, 7-Zip compatible) with a signed SHA-256 manifest
export { exportZip } from './export/export.js';
export type { ExportOptions, ExportResult, ExportedEntry, ExportProgress } from './export/export.js';
export { importZip, DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MAX_RATIO, DEFAULT_RATIO_FLOOR, DEFAULT_MAX_ENTRIES } from './export/import.js';
export type { ImportOptions, ImportResult, ImportedEntry, ManifestSignatureReport } from './export/import.js';
export { formatManifest, parseManifest, MANIFEST_NAME, MANIFEST_SIGNATURE_NAME } from './export/manifest.js';
export type { ManifestFile } from './export/manifest.js';
export { ZipReader } from './crypto/zip/reader.js';
export type { ZipEntry, ZipReaderOptions, ReadEntryOptions } from './crypto/zip/reader.js';
export { ZipWriter } from './crypto/zip/writer.js';
export type { ZipWriterOptions, ZipEntryMeta, WrittenEntry, PreparedEntry } from './crypto/zip/writer.js';
export { deriveWinZipAesKeys, WINZIP_AES } from './crypto/zip/winzip-aes.js';
export type { AesStrength, AesVersion, WinZipAesKeys } from './crypto/zip/winzip-aes.js';

// PDF signatures (PAdES B-B to B-LTA, ETSI EN 319 142-1) and their validation (issue 14)
export { createPadesSigner } from './pdf/pades.js';
export type { PadesLevel, PadesSignOptions, PadesResult, PadesSigner } from './pdf/pades.js';
export { extendPdf, documentTimestampUpdate } from './pdf/extend.js';
export type { ExtendOptions, ExtendResult, PadesWarning } from './pdf/extend.js';
export { signPdfFiles, extendPdfFile, signedPdfPath } from './pdf/sign-file.js';
export type { PdfSignOutcome, SignPdfFilesOptions } from './pdf/sign-file.js';
export type { VisiblePlacement } from './pdf/signature-field.js';
export type { ValidationDataOptions } from './pdf/validation-data.js';
export { PdfDocument, MAX_PDF_BYTES } from './pdf/document.js';
export { listSignatures } from './pdf/signatures.js';
export type { PdfSignatureEntry } from './pdf/signatures.js';
export type { RevisionChanges, ChangeKind } from './pdf/modifications.js';
export { verifyPdf, verifyPdfFile } from './validation/pades.js';
export type { PdfVerdict, PdfSignatureVerdict, PdfSignatureFormat, PdfProblem } from './validation/pades.js';

// ASiC containers (ETSI EN 319 162-1): ASiC-E with CAdES or a time-stamp, ASiC-S (issue 14)
export { createAsicFile, ASIC_MIMETYPES } from './asic/create.js';
export type { CreateAsicOptions, CreateAsicResult } from './asic/create.js';
export { verifyAsicFile, extractAsicFile } from './asic/verify.js';
export type { AsicVerdict, AsicDocument, AsicProof } from './asic/verify.js';
export { buildAsicManifest, parseAsicManifest } from './asic/manifest.js';
export type { AsicManifest, ManifestReference } from './asic/manifest.js';

// long-term proofs: CAdES-LT/LTA, RFC 4998 evidence records, the practice archive, its journal and retention
export { extendSignature, extendSignatureFile } from './archive/extend.js';
export type { CadesLevel, ExtendSignatureOptions, ExtendSignatureResult, ExtendSignatureFileOptions } from './archive/extend.js';
export { verifyEvidenceRecord } from './validation/evidence-record.js';
export type { VerifyEvidenceRecordOptions, EvidenceRecordVerdict, ArchiveTimeStampVerdict, EvidenceData, EvidenceProblem } from './validation/evidence-record.js';
export type { ArchiveTimestampV3Verdict } from './validation/cades-lta.js';
export type { RenewalLimit } from './validation/renewal.js';
export { EC_DEADLINES } from './validation/algorithms.js';
export { parseEvidenceRecord, encodeEvidenceRecord, MAX_EVIDENCE_RECORD } from './timestamp/ers/structure.js';
export type { EvidenceRecord, ArchiveTimeStamp, CryptoInfo } from './timestamp/ers/structure.js';
export { timestampTree, evidenceRecordOf, renewChainTimestamp, withRenewedTimestamp, renewHashTrees } from './timestamp/ers/generate.js';
export type { ErsTimestampOptions, TimestampedTree, HashRenewalEntry } from './timestamp/ers/generate.js';
export { ArchiveStore, findItems } from './archive/store.js';
export type { ArchiveDescriptor, ArchiveItem, ArchiveBatch, ArchiveChain } from './archive/store.js';
export { createArchive, recordJournalEvents, sealJournal } from './archive/events.js';
export type { JournalEvent } from './archive/events.js';
export { addToArchive, MAX_DOCUMENT } from './archive/add.js';
export type { ArchiveInput, AddToArchiveOptions, AddToArchiveResult } from './archive/add.js';
export { verifyArchive } from './archive/verify.js';
export type { VerifyArchiveOptions, ArchiveVerifyReport, ItemVerdict } from './archive/verify.js';
export { renewArchive } from './archive/renew.js';
export type { RenewArchiveOptions, RenewArchiveResult, BatchRenewal } from './archive/renew.js';
export { archiveStatus } from './archive/status.js';
export type { ArchiveStatusReport, BatchStatus } from './archive/status.js';
export { exportItems } from './archive/export.js';
export type { ExportItemsOptions, ExportedItem } from './archive/export.js';
export { retentionReport, setRetention, placeHold, liftHold } from './archive/retention-ops.js';
export type { RetentionRow } from './archive/retention-ops.js';
export { retentionState, parseDay, checkRule } from './archive/retention.js';
export type { RetentionRule, LegalHold, RetentionState } from './archive/retention.js';
export { destroyDue } from './archive/destroy.js';
export type { DestroyOptions, DestroyResult, DestroyedItem, DestructionCertificate } from './archive/destroy.js';
export { verifyJournal, JOURNAL_HEAD } from './archive/journal.js';
export type { GatherOptions } from './archive/validation-data.js';
export type { JournalEntry, JournalOperation, JournalReport, JournalProblem, SealCheck } from './archive/journal.js';

// issue 16: self-help (`scelle doctor` reads a p12's certificates without its password)
export { readPkcs12ClearCertificates } from './crypto/pkcs12.js';
export type { Pkcs12ClearCertificates } from './crypto/pkcs12.js';
