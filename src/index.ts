/**
 * scelle — the library, its stable public API. Everything the CLI does is here, typed; the CLI is a thin layer
 * over it. What only the CLI needs (temp scopes, schedule text, directory index internals…) is in
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

/** Passwords: check one against the CNIL policy, or generate a strong one. */
export { checkPassword, assertStrongPassword, generatePassword, generatedPasswordBits, describePasswordReason, PASSWORD_POLICY } from './crypto/password.js';
export type { PasswordVerdict, PasswordReason, GeneratePasswordOptions } from './crypto/password.js';

/** Encodings and keys: PEM, PKCS#8 and PKCS#12 files, private keys. */
export { parsePem, formatPem, looksLikePem } from './crypto/pem.js';
export type { PemBlock } from './crypto/pem.js';
export { decryptPkcs8, encryptPkcs8 } from './crypto/pkcs8.js';
export { parsePkcs12, buildPkcs12 } from './crypto/pkcs12.js';
export type { Pkcs12Contents, Pkcs12Key, Pkcs12Cert, BuildPkcs12Options } from './crypto/pkcs12.js';
export { loadPrivateKey, isEncryptedKey } from './crypto/private-key.js';
export type { LoadPrivateKeyOptions } from './crypto/private-key.js';
export type { SignatureScheme, SignatureHash } from './crypto/signature-scheme.js';

/** Certificates and CRLs: parse them (`X509Cert`, `parseCrls`), verify a chain, read a CPS-style holder. */
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
/** Certificate and CRL building, for test PKIs. */
export { buildCertificate, buildCrl, certificateSerial } from './crypto/cert-builder.js';
export { KEY_USAGE_BITS } from './crypto/x509/certificate.js';
export { CRL_REASON_NAMES } from './crypto/x509/crl.js';
export type { CertificateTemplate, CrlTemplate, DnAttribute, KeyUsageBit, CrlReason } from './crypto/cert-builder.js';

/** Verify: the validation engine (ETSI EN 319 102-1) for CMS/CAdES signatures and time-stamps, and its reports. */
export { verifySignature, verifySignatureFile, verifySignatureStream, MAX_PEM_SIGNATURE } from './validation/verify-signature.js';
export type { VerifySignatureOptions, SignatureVerdict } from './validation/verify-signature.js';
export type { SignerVerdict, SignerProblem } from './validation/signer.js';
export { verifyTimestampResponse, verifyTimestampToken } from './validation/timestamp.js';
export type { TimestampVerdict, VerifyTimestampOptions, TimestampProblem } from './validation/timestamp.js';
export type { Indication, SubIndication, Conclusion } from './validation/indication.js';
export type { Poe, PoeOrigin } from './validation/context.js';
/** Validation policy and reports: algorithm deadlines, the JSON report and the ETSI TS 119 102-2 XML one. */
export { DIGEST_DEADLINES, RSA_DEADLINES } from './validation/algorithms.js';
export { buildValidationReport, REPORT_VERSION } from './validation/report.js';
export type { ValidationReport, ReportInput, BuildReportOptions, ReportSignature, ReportChain, ReportCertificate, ReportCheck, ReportTimestamp } from './validation/report.js';
export { formatEtsiReport } from './validation/etsi-report.js';
/** A file as a stream of chunks: the content source of detached signatures, time-stamps and evidence records. */
export { readFileChunks, FILE_CHUNK_SIZE } from './io/file-chunks.js';

/** Timestamp (RFC 3161): requests and responses, a TSA and its HTTP server, the client, CAdES-T upgrades. */
export {
  buildTimeStampReq, parseTimeStampReq, buildTimeStampResp, parseTimeStampResp, parseTimeStampToken, parseTstInfo,
  TSP_HASHES, TIMESTAMP_QUERY_TYPE, TIMESTAMP_REPLY_TYPE,
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

/** Identities: a signer's keys and certificates from a .p12, a key + certificate, or a PKCS#11 card. */
export { loadPkcs12Identity, readPkcs12Certificates, loadKeyAndCertIdentity, openPkcs11Identity, selectCertificate, certificateRoles, checkIdentityEntry } from './crypto/identity.js';
export type { Pkcs12Certificate, Identity, IdentityEntry, IdentityKey, IdentityPurpose, CertificateRole, PickReason, Selection, Pkcs11IdentityOptions } from './crypto/identity.js';
export { listPkcs11Tokens, Pkcs11Session } from './crypto/pkcs11.js';
export type { Pkcs11Options, TokenInfo, TokenCertificate, TokenPrivateKey, TokenIdentity } from './crypto/pkcs11.js';

/** Sign: CMS / CAdES signatures of buffers, streams and files. */
export { createSigner, signDetached, signAttached, signFile, signFiles } from './crypto/cms/sign.js';
export type { Signer, SignOptions, SignCallOptions, SignFileOptions, SignFileResult, SignFilesOptions, SignFileOutcome, SignatureDigest, RsaSignatureOid, ContentSource } from './crypto/cms/sign.js';
export { checkSignerCertificate } from './crypto/cms/signing-cert-check.js';
export type { SignerCheckOptions, SignerCheck, SignerRefusal } from './crypto/cms/signing-cert-check.js';

/** A demo PKI (CA, practitioners, TSA), for tests and trying scelle out. */
export { createDemoPki, writeDemoPki, randomDemoPassword } from './crypto/demo-pki.js';
export type { DemoPki, DemoIdentity, DemoPkiOptions, DemoPkiFiles } from './crypto/demo-pki.js';

/** Backup: set up from a config, run, check status (3-2-1 policy), verify with or without the key, restore, prune, repair. */
export { initBackup, initWarnings, openConfiguredDestinations, backupStatus, kitOf } from './backup/setup.js';
export type { InitBackupOptions, InitBackupResult, InitWarning, ConfiguredDestination, BackupStatusOptions } from './backup/setup.js';
export { parseBackupConfig, readBackupConfig, formatBackupConfig } from './backup/config.js';
export type { BackupConfig } from './backup/config.js';
export { runBackup } from './backup/run.js';
export type { RunBackupOptions, BackupRunResult, BackupEvent, WriterRepository } from './backup/run.js';
export type { DestinationOutcome, DestinationEvent } from './backup/prepare.js';
/** Backup repositories, their keys, recovery key and recovery kit. */
export { initRepository, unlockRepository, readRepoConfig, addKeySlot } from './backup/repository.js';
export type { RepoConfig, InitRepositoryOptions, InitRepositoryResult, UnlockOptions } from './backup/repository.js';
export { formatRecoveryKey, parseRecoveryKey } from './backup/keys.js';
export type { MasterSecret, Unlock } from './backup/keys.js';
export { recoveryKitText, recoveryKitHtml, verifierKitText, parseKit } from './backup/kit.js';
export type { Kit, ParsedKit } from './backup/kit.js';
/** Backup checks, snapshots, restore and maintenance. */
export { verifyWithoutKey, verifyRepository } from './backup/check.js';
export type { VerifyReport, VerifyProblem, VerifyWithoutKeyOptions, VerifyRepositoryOptions, CopyExpectations, SignatureStatus } from './backup/check.js';
export { listSnapshots, findSnapshot, readSnapshot } from './backup/snapshot.js';
export type { SnapshotListing, SnapshotDoc, SnapshotEntry, ChunkRef } from './backup/snapshot.js';
export { restoreSnapshot, drillRestore } from './backup/restore.js';
export type { RestoreOptions, RestoreResult, DrillResult, DrillOptions, SealCheck as SnapshotSealCheck, CopySelection } from './backup/restore.js';
export { pruneRepository } from './backup/prune.js';
export type { PruneResult, PruneOptions } from './backup/prune.js';
export { repairDestinations } from './backup/repair.js';
export type { RepairOptions, RepairOutcome } from './backup/repair.js';
/** Backup policy (3-2-1, age, copies) and the signed seals a run writes. */
export { evaluateStatus, DEFAULT_POLICY } from './backup/policy.js';
export type { BackupPolicy, RuleName, RuleVerdict, StatusReport, DestinationStatus, DestinationStatusInput } from './backup/policy.js';
export type { Seal, SealSigning, VerifySealOptions, Witness } from './backup/seal.js';
export type { LockOwner } from './backup/lock.js';
/** Backup destinations: local folder, removable drive, SFTP, S3 — parse a spec and open one. */
export { parseDestinationUrl, formatDestinationSpec, openDestination, initRemovable, readDriveLabel, DRIVE_LABEL_FILE } from './backup/destination/index.js';
export type { ParsedDestination, OpenDestinationContext, DriveLabel } from './backup/destination/index.js';
export type { Destination, DestinationInfo, MediaKind, DestinationScheme, ObjectInfo, ProbeResult, GetOptions, Retention } from './backup/destination/destination.js';

/** Encrypt / decrypt: CMS envelopes to certificates or a password, streamed. */
export { encryptStream, encryptFile, checkRecipientCertificate } from './crypto/cms/envelope.js';
export type { EncryptOptions, EncryptFileOptions, EncryptInfo, EnvelopeCipher, RecipientCertificate } from './crypto/cms/envelope.js';
export { decryptFile, decryptStream, describeEnvelope, describeEnvelopeFile } from './crypto/cms/envelope-open.js';
export type { DecryptOptions, DecryptFileOptions, DecryptInfo, DecryptionKey, EnvelopeDescription } from './crypto/cms/envelope-open.js';
export type { RecipientDescription } from './crypto/cms/recipients.js';
export { PWRI_ITERATIONS } from './crypto/cms/envelope-algorithms.js';

/** MSSanté: compose, sign and encrypt a message (S/MIME, IHE XDM, CDA), send, fetch and read it. */
export { composeMessage, buildOuterMessage, isMssanteAddress, splitMessage, joinMessage } from './mss/compose.js';
export type { ComposeOptions, ComposedMessage, AttachmentInput, OuterFields } from './mss/compose.js';
export type { MimeEntity, MimeHeader } from './mss/mime.js';
export { signMimeEntity, encryptMimeEntity, verifyMultipartSigned, verifyOpaqueSigned, verifySignedLayer, decryptMimeEntity, smimeLayerOf, MICALG } from './mss/smime.js';
export type { SignMimeOptions, EncryptMimeOptions, SignedLayer, SmimeLayerKind, VerifyLayerOptions } from './mss/smime.js';
export { buildXdmPackage, checkXdmPackage, XDM_ATTACHMENT_NAME } from './mss/xdm.js';
export { parseCdaHeader, validNirKey, INS_OIDS, CDA_NAMESPACE } from './mss/cda.js';
export type { CdaHeader, CdaCode, CdaId, CdaName, CdaPatient, CdaAuthor } from './mss/cda.js';
export { mssHeadersFor, checkMssHeaders, isPatientAddress, hasQualifiedIns, MSS_HEADER, PATIENT_DOMAIN } from './mss/mss-headers.js';
export type { MssHeaderOptions, MssHeaderReport, MssHeaderProblem } from './mss/mss-headers.js';
export type { BuildXdmOptions, XdmPackage, XdmDocumentInput, XdmReport, XdmDocumentReport, XdmProblem, CheckXdmOptions } from './mss/xdm.js';
/** MSSanté receipts (MDN) and integration errors. */
export { readReceiptRequest, buildMdn, parseMdn, parseDisposition, isMdn } from './mss/mdn.js';
export type { ReceiptRequest, BuildMdnOptions, MdnReport, Disposition } from './mss/mdn.js';
export { INTEGRATION_ERRORS, integrationError, integrationSubject, xdmSubject, errorCodeOfSubject } from './mss/integration-errors.js';
export type { IntegrationError, SubjectDocument } from './mss/integration-errors.js';
export { buildIntegrationErrorMail } from './mss/error-mail.js';
export type { IntegrationErrorMailOptions } from './mss/error-mail.js';
export { linkReceipt } from './mss/receipt-link.js';
export type { ReceiptLink, ReceiptNote, CarriedOriginal } from './mss/receipt-link.js';
/** The MSSanté directory (annuaire santé): import it, look a practitioner up. */
export { importDirectory } from './mss/directory.js';
export type { DirectoryEntry, DirectoryImport } from './mss/directory.js';
export { lookupDirectory } from './mss/directory-lookup.js';
export type { LookupResult, LookupOptions, LookupKind } from './mss/directory-lookup.js';
/** MSSanté transport: SMTP send, IMAP fetch, OAuth tokens, reading a received message. */
export { parseMailUrl } from './mss/transport.js';
export type { MailServerUrl, MailTlsOptions, MailLogin } from './mss/transport.js';
export { sendMessage } from './mss/smtp.js';
export type { SendMessageOptions, SendResult } from './mss/smtp.js';
export { fetchMessages } from './mss/imap-fetch.js';
export type { FetchMessagesOptions, FetchedMessage, FetchResult } from './mss/imap-fetch.js';
export { OAuthTokenSource } from './mss/oauth.js';
export type { OAuthTokenOptions } from './mss/oauth.js';
export { readMessage, saveAttachment } from './mss/read.js';
export type { ReadMessageOptions, MessageReport, MessageProblem, MessageSignature, MessageEncryption, MessageAttachment, SenderIdentity, MessageStatus, AttachmentIntegrity } from './mss/read.js';

/** Export / import: an AES zip for a USB stick (WinZip AE-2, 7-Zip compatible) with a signed SHA-256 manifest. */
export { exportZip } from './export/export.js';
export type { ExportOptions, ExportResult, ExportedEntry, ExportProgress } from './export/export.js';
export { importZip, DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MAX_RATIO, DEFAULT_RATIO_FLOOR, DEFAULT_MAX_ENTRIES } from './export/import.js';
export type { ImportOptions, ImportResult, ImportedEntry, ManifestSignatureReport } from './export/import.js';
export { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME } from './export/manifest.js';
export type { ManifestFile } from './export/manifest.js';
/** AES zip files: read and write them. */
export { ZipReader } from './crypto/zip/reader.js';
export type { ZipEntry, ZipReaderOptions, ReadEntryOptions } from './crypto/zip/reader.js';
export { ZipWriter } from './crypto/zip/writer.js';
export type { ZipWriterOptions, ZipEntryMeta, WrittenEntry, PreparedEntry } from './crypto/zip/writer.js';
export type { AesStrength, AesVersion } from './crypto/zip/winzip-aes.js';

/** PDF: PAdES signatures (B-B to B-LTA, ETSI EN 319 142-1), their extension and validation. */
export { createPadesSigner } from './pdf/pades.js';
export type { PadesLevel, PadesSignOptions, PadesResult, PadesSigner } from './pdf/pades.js';
export { extendPdf } from './pdf/extend.js';
export type { ExtendOptions, ExtendResult, PadesWarning } from './pdf/extend.js';
export { signPdfFiles, extendPdfFile } from './pdf/sign-file.js';
export type { PdfSignOutcome, SignPdfFilesOptions } from './pdf/sign-file.js';
export type { VisiblePlacement } from './pdf/signature-field.js';
export type { ValidationDataOptions } from './pdf/validation-data.js';
export { MAX_PDF_BYTES } from './pdf/document.js';
export { listSignatures } from './pdf/signatures.js';
export type { PdfSignatureEntry } from './pdf/signatures.js';
export type { RevisionChanges, ChangeKind } from './pdf/modifications.js';
export { verifyPdf, verifyPdfFile } from './validation/pades.js';
export type { PdfVerdict, PdfSignatureVerdict, PdfSignatureFormat, PdfProblem } from './validation/pades.js';

/** ASiC: containers (ETSI EN 319 162-1), ASiC-E with CAdES or a time-stamp, ASiC-S: create, verify, extract. */
export { createAsicFile, ASIC_MIMETYPES } from './asic/create.js';
export type { CreateAsicOptions, CreateAsicResult } from './asic/create.js';
export { verifyAsicFile, extractAsicFile } from './asic/verify.js';
export type { AsicVerdict, AsicDocument, AsicProof } from './asic/verify.js';

/** Long-term proofs: extend a signature to CAdES-LT/LTA, RFC 4998 evidence records. */
export { extendSignature, extendSignatureFile } from './archive/extend.js';
export type { CadesLevel, ExtendSignatureOptions, ExtendSignatureResult, ExtendSignatureFileOptions } from './archive/extend.js';
export { verifyEvidenceRecord } from './validation/evidence-record.js';
export type { VerifyEvidenceRecordOptions, EvidenceRecordVerdict, ArchiveTimeStampVerdict, EvidenceData, EvidenceProblem } from './validation/evidence-record.js';
export type { ArchiveTimestampV3Verdict } from './validation/cades-lta.js';
export type { RenewalLimit } from './validation/renewal.js';
export { EC_DEADLINES } from './validation/algorithms.js';
export { parseEvidenceRecord, encodeEvidenceRecord, MAX_EVIDENCE_RECORD } from './timestamp/ers/structure.js';
export type { EvidenceRecord, ArchiveTimeStamp, CryptoInfo } from './timestamp/ers/structure.js';
export { timestampTree, evidenceRecordOf } from './timestamp/ers/generate.js';
export type { ErsTimestampOptions, TimestampedTree } from './timestamp/ers/generate.js';
/** Archive: the practice archive — create, add, verify, renew, export, its journal, retention and destruction. */
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
export type { RetentionRule, LegalHold, RetentionState } from './archive/retention.js';
export { destroyDue } from './archive/destroy.js';
export type { DestroyOptions, DestroyResult, DestroyedItem, DestructionCertificate } from './archive/destroy.js';
export { verifyJournal } from './archive/journal.js';
export type { GatherOptions } from './archive/validation-data.js';
export type { JournalEntry, JournalOperation, JournalReport, JournalProblem, SealCheck } from './archive/journal.js';
