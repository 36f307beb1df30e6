/**
 * scelle — the library, its stable public API: one high-level operation per capability of the CLI
 * (identities and certificates, CAdES signing, signature and time-stamp verification with their
 * reports, the RFC 3161 client and TSA, CMS encryption, the USB AES export, 3-2-1 backups,
 * MSSanté, PAdES, ASiC, evidence records and the practice archive, passwords), their options and
 * results, and the errors. These names are the compatibility promise: a release may add to them;
 * removing or changing one is a breaking change (a major version from 1.0).
 *
 * Parsers, builders, constants and helpers that only the CLI or the tests need are in
 * `scelle/internal` (src/internal.ts), with no stability promise.
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

/** Errors: every failure is a `ScelleError` with a stable `code` (see `ERROR_CODES`); test it with `isScelleError`. */
export { ScelleError, isScelleError, ERROR_CODES } from './errors.js';
export type { ErrorCode, ErrorParams, ScelleErrorOptions } from './errors.js';

/** Passwords: check one against the CNIL policy (`checkPassword`, or `assertStrongPassword` to throw), or generate a strong one. */
export { checkPassword, assertStrongPassword, generatePassword } from './crypto/password.js';
export type { PasswordVerdict, PasswordReason, GeneratePasswordOptions } from './crypto/password.js';

/** Certificates and CRLs: parse them (`X509Cert`, PEM/DER/PKCS#7 bundles, CRLs), verify a chain, summarize a CPS-style holder (RPPS, profession). */
export { X509Cert, parseCertificates } from './crypto/x509/certificate.js';
export { parseCertificateBundle } from './crypto/cms/bundle.js';
export { parseCrls } from './crypto/x509/crl.js';
export { verifyCertificateChain } from './crypto/x509/verify-chain.js';
export { summarizeCertificate } from './crypto/cert-summary.js';
export type { KeyUsageName, NameAttribute } from './crypto/x509/certificate.js';
export type { Crl } from './crypto/x509/crl.js';
export type { CrlReason } from './crypto/cert-builder.js';
export type { ChainVerdict, ChainProblem, VerifyChainOptions, CertificatePurpose, PolicySettings, RevocationEntry } from './crypto/x509/verify-chain.js';
export type { HealthHolder, IdNat } from './crypto/health-name.js';
export type { CertificateSummary } from './crypto/cert-summary.js';

/** Identities: a signer's keys and certificates from a .p12, a key + certificate, or a PKCS#11 card; pick the certificate for a purpose. */
export { loadPkcs12Identity, loadKeyAndCertIdentity, openPkcs11Identity, selectCertificate } from './crypto/identity.js';
export { listPkcs11Tokens } from './crypto/pkcs11.js';
export type { Identity, IdentityEntry, IdentityKey, IdentityPurpose, CertificateRole, PickReason, Selection, Pkcs11IdentityOptions } from './crypto/identity.js';
export type { Pkcs11Options, TokenInfo } from './crypto/pkcs11.js';
export type { SignatureScheme, SignatureHash } from './crypto/signature-scheme.js';

/** Sign: CMS / CAdES signatures of buffers, streams and files. */
export { createSigner, signDetached, signAttached, signFile, signFiles } from './crypto/cms/sign.js';
export type { Signer, SignOptions, SignCallOptions, SignFileOptions, SignFileResult, SignFilesOptions, SignFileOutcome, SignatureDigest, RsaSignatureOid, ContentSource } from './crypto/cms/sign.js';

/** Verify: the validation engine (ETSI EN 319 102-1) for CMS/CAdES signatures and time-stamps, its JSON and ETSI TS 119 102-2 reports, and files read as chunks for detached content. */
export { verifySignature, verifySignatureFile, verifySignatureStream } from './validation/verify-signature.js';
export { verifyTimestampResponse, verifyTimestampToken } from './validation/timestamp.js';
export { buildValidationReport } from './validation/report.js';
export { formatEtsiReport } from './validation/etsi-report.js';
export { readFileChunks } from './io/file-chunks.js';
export type { VerifySignatureOptions, SignatureVerdict } from './validation/verify-signature.js';
export type { SignerVerdict, SignerProblem } from './validation/signer.js';
export type { TimestampVerdict, VerifyTimestampOptions, TimestampProblem } from './validation/timestamp.js';
export type { Indication, SubIndication, Conclusion } from './validation/indication.js';
export type { Poe, PoeOrigin } from './validation/context.js';
export type { ValidationReport, ReportInput, BuildReportOptions, ReportSignature, ReportChain, ReportCertificate, ReportCheck, ReportTimestamp } from './validation/report.js';

/** Timestamp (RFC 3161): ask a TSA for a token, add one to a signature (CAdES-T), run a TSA and its HTTP server. */
export { requestTimestamp } from './timestamp/client.js';
export { hashForTimestamp } from './timestamp/imprint.js';
export { addSignatureTimestamp, upgradeSignatureFile } from './timestamp/cades-t.js';
export { createTimeStampAuthority } from './timestamp/tsa.js';
export { openSerialState } from './timestamp/serial-state.js';
export { startTsaServer } from './timestamp/server.js';
export type { RequestTimestampOptions, TimestampResult, Fetcher as TspFetcher } from './timestamp/client.js';
export type { TimestampExpectation, TimestampHash } from './timestamp/imprint.js';
export type { UpgradeSignatureFileResult, TimestampTokenSource } from './timestamp/cades-t.js';
export type { TsaOptions, TimeStampAuthority, IssuedToken } from './timestamp/tsa.js';
export type { SerialState, SerialStateOptions } from './timestamp/serial-state.js';
export type { TsaServer, TsaServerOptions, TsaRequestEvent } from './timestamp/server.js';
export type { TspHash, TimeStampRequest, TstInfo, TimeStampResponse, TimeStampToken, PkiFailureName } from './timestamp/tsp.js';

/** Encrypt / decrypt: CMS envelopes to certificates or a password, streamed; describe an envelope's recipients. */
export { encryptStream, encryptFile } from './crypto/cms/envelope.js';
export { decryptFile, decryptStream, describeEnvelopeFile } from './crypto/cms/envelope-open.js';
export type { EncryptOptions, EncryptFileOptions, EncryptInfo, EnvelopeCipher, RecipientCertificate } from './crypto/cms/envelope.js';
export type { DecryptOptions, DecryptFileOptions, DecryptInfo, DecryptionKey, EnvelopeDescription } from './crypto/cms/envelope-open.js';
export type { RecipientDescription } from './crypto/cms/recipients.js';

/** Export / import: an AES zip for a USB stick (WinZip AE-2, 7-Zip compatible) with a signed SHA-256 manifest. */
export { exportZip } from './export/export.js';
export { importZip } from './export/import.js';
export type { ExportOptions, ExportResult, ExportedEntry, ExportProgress } from './export/export.js';
export type { ImportOptions, ImportResult, ImportedEntry, ManifestSignatureReport } from './export/import.js';
export type { ManifestFile } from './export/manifest.js';
export type { AesStrength, AesVersion } from './crypto/zip/winzip-aes.js';

/** Backup: set up from a config, run, check the 3-2-1 status, verify with or without the key, list, restore, drill, prune, repair. */
export { initBackup, backupStatus, openConfiguredDestinations } from './backup/setup.js';
export { readBackupConfig } from './backup/config.js';
export { runBackup } from './backup/run.js';
export { openDestination } from './backup/destination/index.js';
export { unlockRepository } from './backup/repository.js';
export { verifyWithoutKey, verifyRepository } from './backup/check.js';
export { listSnapshots } from './backup/snapshot.js';
export { restoreSnapshot, drillRestore } from './backup/restore.js';
export { pruneRepository } from './backup/prune.js';
export { repairDestinations } from './backup/repair.js';
export type { InitBackupOptions, InitBackupResult, InitWarning, ConfiguredDestination, BackupStatusOptions } from './backup/setup.js';
export type { BackupConfig } from './backup/config.js';
export type { RunBackupOptions, BackupRunResult, BackupEvent, WriterRepository } from './backup/run.js';
export type { DestinationOutcome, DestinationEvent } from './backup/prepare.js';
export type { RepoConfig, UnlockOptions } from './backup/repository.js';
export type { ChunkerParams } from './backup/chunker.js';
export type { InitRepositoryOptions } from './backup/repository.js';
export type { MasterSecret, Unlock } from './backup/keys.js';
export type { Kit } from './backup/kit.js';
export type { VerifyReport, VerifyProblem, VerifyWithoutKeyOptions, VerifyRepositoryOptions, CopyExpectations, SignatureStatus } from './backup/check.js';
export type { SnapshotListing } from './backup/snapshot.js';
export type { Chain, ChainSeal, KnownHead } from './backup/chain.js';
export type { RestoreOptions, RestoreResult, DrillResult, DrillOptions, SealCheck as SnapshotSealCheck, CopySelection } from './backup/restore.js';
export type { PruneResult, PruneOptions } from './backup/prune.js';
export type { RepairOptions, RepairOutcome } from './backup/repair.js';
export type { BackupPolicy, RuleName, RuleVerdict, StatusReport, DestinationStatus, DestinationStatusInput } from './backup/policy.js';
export type { Seal, SealSigning, VerifySealOptions, Witness } from './backup/seal.js';
export type { SealedObject } from './backup/seal.js';
export type { LockOwner } from './backup/lock.js';
export type { BackupState, DestinationState, ScheduleState, HeadRecord } from './backup/state.js';
export type { ParsedDestination, OpenDestinationContext } from './backup/destination/index.js';
export type { Destination, DestinationInfo, MediaKind, DestinationScheme, ObjectInfo, ProbeResult, GetOptions, Retention } from './backup/destination/destination.js';

/** MSSanté: compose a signed and encrypted message (S/MIME, IHE XDM, CDA), send it (SMTP), fetch (IMAP) and read one, answer with a receipt (MDN) or an integration error, look a practitioner up in the directory. */
export { composeMessage } from './mss/compose.js';
export { sendMessage } from './mss/smtp.js';
export { fetchMessages } from './mss/imap-fetch.js';
export { parseMailUrl } from './mss/transport.js';
export { OAuthTokenSource } from './mss/oauth.js';
export { readMessage, saveAttachment } from './mss/read.js';
export { readReceiptRequest, buildMdn } from './mss/mdn.js';
export { buildIntegrationErrorMail } from './mss/error-mail.js';
export { importDirectory } from './mss/directory.js';
export { lookupDirectory } from './mss/directory-lookup.js';
export type { ComposeOptions, ComposedMessage, AttachmentInput } from './mss/compose.js';
export type { BuildXdmOptions, XdmPackage, XdmDocumentInput, XdmReport, XdmDocumentReport, XdmProblem, CheckXdmOptions } from './mss/xdm.js';
export type { MimeEntity, MimeHeader } from './mss/mime.js';
export type { TextSource } from './mss/body.js';
export type { ContentType, MimeLimits } from './mss/mime.js';
export type { CdaHeader, CdaCode, CdaId, CdaName, CdaPatient, CdaAuthor } from './mss/cda.js';
export type { MssHeaderOptions, MssHeaderReport, MssHeaderProblem } from './mss/mss-headers.js';
export type { SendMessageOptions, SendResult } from './mss/smtp.js';
export type { FetchMessagesOptions, FetchedMessage, FetchResult } from './mss/imap-fetch.js';
export type { SaslMechanism } from './mss/sasl.js';
export type { MailServerUrl, MailTlsOptions, MailLogin } from './mss/transport.js';
export type { OAuthTokenOptions } from './mss/oauth.js';
export type { ReadMessageOptions, MessageReport, MessageProblem, MessageSignature, MessageEncryption, MessageAttachment, SenderIdentity, MessageStatus, AttachmentIntegrity } from './mss/read.js';
export type { ReceiptRequest, BuildMdnOptions, MdnReport, Disposition } from './mss/mdn.js';
export type { ReceiptLink, ReceiptNote, CarriedOriginal } from './mss/receipt-link.js';
export type { IntegrationError, SubjectDocument } from './mss/integration-errors.js';
export type { IntegrationErrorMailOptions } from './mss/error-mail.js';
export type { DirectoryEntry, DirectoryImport } from './mss/directory.js';
export type { LookupResult, LookupOptions, LookupKind } from './mss/directory-lookup.js';

/** PDF: PAdES signatures (B-B to B-LTA, ETSI EN 319 142-1), their extension and validation. */
export { createPadesSigner } from './pdf/pades.js';
export { extendPdf } from './pdf/extend.js';
export { signPdfFiles, extendPdfFile } from './pdf/sign-file.js';
export { verifyPdf, verifyPdfFile } from './validation/pades.js';
export type { PadesLevel, PadesSignOptions, PadesResult, PadesSigner } from './pdf/pades.js';
export type { ExtendOptions, ExtendResult, PadesWarning } from './pdf/extend.js';
export type { PdfSignOutcome, SignPdfFilesOptions } from './pdf/sign-file.js';
export type { VisiblePlacement } from './pdf/signature-field.js';
export type { ValidationDataOptions } from './pdf/validation-data.js';
export type { RevisionChanges, ChangeKind } from './pdf/modifications.js';
export type { PdfVerdict, PdfSignatureVerdict, PdfSignatureFormat, PdfProblem } from './validation/pades.js';

/** ASiC: containers (ETSI EN 319 162-1), ASiC-E with CAdES or a time-stamp, ASiC-S: create, verify, extract. */
export { createAsicFile } from './asic/create.js';
export { verifyAsicFile, extractAsicFile } from './asic/verify.js';
export type { CreateAsicOptions, CreateAsicResult } from './asic/create.js';
export type { AsicVerdict, AsicDocument, AsicProof } from './asic/verify.js';

/** Long-term proofs: extend a signature to CAdES-LT/LTA, verify an RFC 4998 evidence record. */
export { extendSignature, extendSignatureFile } from './archive/extend.js';
export { verifyEvidenceRecord } from './validation/evidence-record.js';
export type { CadesLevel, ExtendSignatureOptions, ExtendSignatureResult, ExtendSignatureFileOptions } from './archive/extend.js';
export type { VerifyEvidenceRecordOptions, EvidenceRecordVerdict, ArchiveTimeStampVerdict, EvidenceData, EvidenceProblem } from './validation/evidence-record.js';
export type { ArchiveTimestampV3Verdict } from './validation/cades-lta.js';
export type { RenewalLimit } from './validation/renewal.js';
export type { EvidenceRecord, ArchiveTimeStamp, CryptoInfo } from './timestamp/ers/structure.js';

/** Archive: the practice archive — create or open one (`ArchiveStore`), add, verify, renew, export, its journal, retention, legal holds and destruction. */
export { ArchiveStore } from './archive/store.js';
export { createArchive, recordJournalEvents, sealJournal } from './archive/events.js';
export { addToArchive } from './archive/add.js';
export { verifyArchive } from './archive/verify.js';
export { renewArchive } from './archive/renew.js';
export { archiveStatus } from './archive/status.js';
export { exportItems } from './archive/export.js';
export { retentionReport, setRetention, placeHold, liftHold } from './archive/retention-ops.js';
export { destroyDue } from './archive/destroy.js';
export { verifyJournal } from './archive/journal.js';
export type { ArchiveDescriptor, ArchiveItem, ArchiveBatch, ArchiveChain } from './archive/store.js';
export type { JournalEvent } from './archive/events.js';
export type { ArchiveInput, AddToArchiveOptions, AddToArchiveResult } from './archive/add.js';
export type { VerifyArchiveOptions, ArchiveVerifyReport, ItemVerdict } from './archive/verify.js';
export type { RenewArchiveOptions, RenewArchiveResult, BatchRenewal } from './archive/renew.js';
export type { ArchiveStatusReport, BatchStatus } from './archive/status.js';
export type { ExportItemsOptions, ExportedItem } from './archive/export.js';
export type { RetentionRow } from './archive/retention-ops.js';
export type { RetentionRule, LegalHold, RetentionState } from './archive/retention.js';
export type { DestroyOptions, DestroyResult, DestroyedItem, DestructionCertificate } from './archive/destroy.js';
export type { GatherOptions } from './archive/validation-data.js';
export type { JournalEntry, JournalOperation, JournalReport, JournalProblem, SealCheck } from './archive/journal.js';
