/**
 * The demo tour: every feature that exists, on embedded defaults, without network. Each step is
 * one line for the user; the tour passes only when every step passes. It grows with scelle.
 */
import { join } from 'node:path';
import { readFile, writeFile, copyFile, appendFile, mkdir } from 'node:fs/promises';
import { ScelleError, type ErrorCode } from './errors.js';
import { createDemoPki, writeDemoPki } from './crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate, checkIdentityEntry } from './crypto/identity.js';
import { summarizeCertificate } from './crypto/cert-summary.js';
import { parseCertificates, type X509Cert } from './crypto/x509/certificate.js';
import { parseCrls } from './crypto/x509/crl.js';
import { verifyCertificateChain } from './crypto/x509/verify-chain.js';
import { describeScheme } from './crypto/signature-scheme.js';
import { signFile } from './crypto/cms/sign.js';
import { verifySignatureFile } from './validation/verify-signature.js';
import { readFileChunks } from './io/file-chunks.js';
import { randomBytes } from 'node:crypto';
import { createTimeStampAuthority } from './timestamp/tsa.js';
import { openSerialState } from './timestamp/serial-state.js';
import { buildTimeStampReq } from './timestamp/tsp.js';
import { upgradeSignatureFile } from './timestamp/cades-t.js';
import { encryptFile } from './crypto/cms/envelope.js';
import { decryptFile } from './crypto/cms/envelope-open.js';
import { generatePassword } from './crypto/password.js';
import { exportZip } from './export/export.js';
import { importZip } from './export/import.js';
import { initBackup, openConfiguredDestinations, backupStatus } from './backup/setup.js';
import { stateDirOf } from './backup/config.js';
import { runBackup } from './backup/run.js';
import { unlockRepository } from './backup/repository.js';
import { verifyWithoutKey, verifyRepository } from './backup/check.js';
import { restoreSnapshot, drillRestore } from './backup/restore.js';
import type { ConfiguredDestination } from './backup/setup.js';
import type { BackupConfig } from './backup/config.js';

/** One step of the tour. `id` keys the CLI's message catalogs (`demo.step.<id>`). */
export interface DemoStep {
  id: string;
  ok: boolean;
  /** Values for the step's message. */
  params: Record<string, string | number>;
  /** Error code when the step failed. */
  code?: ErrorCode;
  /** English detail when the step failed. */
  error?: string;
  ms: number;
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Folder for the tour's files (the CLI uses a fresh temp folder by default). */
  dir: string;
  /** Called after each step, so the CLI prints as it goes. */
  onStep?: (step: DemoStep) => void;
}

/** Result of {@link runDemo}. */
export interface DemoResult {
  ok: boolean;
  dir: string;
  steps: DemoStep[];
}

/**
 * Runs the tour. Never throws for a failed step: the step is reported and the tour goes on when it
 * can (a step whose inputs are missing fails too).
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const steps: DemoStep[] = [];
  const pkiDir = join(options.dir, 'pki');
  const step = async (id: string, fn: () => Promise<Record<string, string | number>>): Promise<boolean> => {
    const t0 = performance.now();
    let s: DemoStep;
    try {
      s = { id, ok: true, params: await fn(), ms: Math.round(performance.now() - t0) };
    } catch (e) {
      const err = e instanceof ScelleError ? e : new ScelleError('INTERNAL', (e as Error).message, { cause: e });
      s = { id, ok: false, params: {}, code: err.code, error: err.message, ms: Math.round(performance.now() - t0) };
    }
    steps.push(s);
    options.onStep?.(s);
    return s.ok;
  };
  const expectCode = (e: unknown, code: ErrorCode): void => {
    if (!(e instanceof ScelleError) || e.code !== code) throw new ScelleError('INTERNAL', `expected ${code}, got ${e instanceof ScelleError ? e.code : String(e)}`);
  };

  let passwords: Record<string, string> = {};
  await step('pki', async () => {
    const pki = await createDemoPki();
    await writeDemoPki(pki, pkiDir);
    passwords = Object.fromEntries((await readFile(join(pkiDir, 'PASSWORDS.txt'), 'utf8')).trim().split('\n').map((l) => {
      const [f, ...rest] = l.split(': ');
      return [f!, rest.join(': ')];
    }));
    return { dir: pkiDir };
  });

  const p12 = async (name: string): Promise<Uint8Array> => new Uint8Array(await readFile(join(pkiDir, `${name}.p12`)));
  const trust = async (): Promise<X509Cert[]> => parseCertificates(new Uint8Array(await readFile(join(pkiDir, 'trust.pem'))));
  const crls = async () => parseCrls(new Uint8Array(await readFile(join(pkiDir, 'crl.pem'))));

  await step('p12', async () => {
    const id = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const sel = selectCertificate(id, 'sign');
    if (sel.reason !== 'nonRepudiation') throw new ScelleError('INTERNAL', `picked ${sel.entry.certificate.subject} for ${sel.reason}`);
    return { count: id.certificates.length };
  });

  await step('show', async () => {
    const id = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const s = summarizeCertificate(selectCertificate(id, 'sign').entry.certificate);
    if (!s.rpps) throw new ScelleError('INTERNAL', 'no RPPS in the practitioner certificate');
    return { name: s.holder.displayName, rpps: s.rpps, profession: s.holder.profession ?? '' };
  });

  await step('verify', async () => {
    const id = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const leaf = selectCertificate(id, 'sign').entry.certificate;
    const v = await verifyCertificateChain(leaf, { trustAnchors: await trust(), intermediates: id.certificates, crls: await crls(), purpose: 'sign' });
    if (!v.ok) throw new ScelleError(v.code ?? 'INTERNAL', v.problems.map((p) => p.message).join('; '));
    return { depth: v.path.length };
  });

  await step('revoked', async () => {
    const id = loadPkcs12Identity(await p12('revoque'), passwords['revoque.p12'] ?? '', { name: 'revoque.p12' });
    const leaf = selectCertificate(id, 'sign').entry.certificate;
    const v = await verifyCertificateChain(leaf, { trustAnchors: await trust(), intermediates: id.certificates, crls: await crls(), purpose: 'sign' });
    if (v.ok || v.code !== 'CERT_REVOKED') throw new ScelleError('INTERNAL', `a revoked certificate was not refused as revoked (${v.code ?? 'valid'})`);
    return { code: v.code };
  });

  await step('wrongPassword', async () => {
    try {
      loadPkcs12Identity(await p12('praticien'), 'not the password', { name: 'praticien.p12' });
    } catch (e) {
      expectCode(e, 'WRONG_PASSWORD');
      return { code: 'WRONG_PASSWORD' };
    }
    throw new ScelleError('INTERNAL', 'a wrong password opened the p12');
  });

  await step('sign', async () => {
    const id = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const scheme = await checkIdentityEntry(selectCertificate(id, 'sign').entry);
    return { scheme: describeScheme(scheme) };
  });

  const letter = join(options.dir, 'courrier-confrere.txt');
  await step('signLetter', async () => {
    await writeFile(letter, DEMO_LETTER);
    const id = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const entry = selectCertificate(id, 'sign').entry;
    const r = await signFile(letter, { signer: entry, chain: id.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) });
    return { file: r.outPath };
  });

  await step('verifyLetter', async () => {
    const v = await verifySignatureFile(`${letter}.p7s`, { trustAnchors: await trust(), crls: await crls(), content: readFileChunks(letter) });
    const signer = v.signers[0];
    if (!v.ok || !signer?.signer) throw new ScelleError(v.code ?? 'INTERNAL', `the demo signature did not verify: ${signer?.problems.map((p) => p.message).join('; ') ?? 'no signer'}`);
    const who = summarizeCertificate(signer.signer);
    return { name: who.holder.displayName, rpps: who.rpps ?? '' };
  });

  await step('tamperedLetter', async () => {
    const altered = join(options.dir, 'courrier-modifie.txt');
    await copyFile(letter, altered);
    await appendFile(altered, 'Posologie : 10 comprimés par jour.\n');
    const v = await verifySignatureFile(`${letter}.p7s`, { trustAnchors: await trust(), crls: await crls(), content: readFileChunks(altered) });
    if (v.ok || v.code !== 'CONTENT_MISMATCH') throw new ScelleError('INTERNAL', `an altered letter was not refused (${v.code ?? 'valid'})`);
    return { code: v.code };
  });

  let genTime = '';
  await step('timestampLetter', async () => {
    // An in-process TSA: the demo's TSA identity answers DER requests directly, no socket.
    const id = loadPkcs12Identity(await p12('tsa'), passwords['tsa.p12'] ?? '', { name: 'tsa.p12' });
    const state = await openSerialState(join(options.dir, 'tsa-state'));
    try {
      const tsa = createTimeStampAuthority({ signer: selectCertificate(id, 'tsa').entry, chain: id.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()), state });
      await upgradeSignatureFile(`${letter}.p7s`, (hash, imprint) => tsa.respond(buildTimeStampReq({ hash, imprint, certReq: true, nonce: new Uint8Array(randomBytes(8)) })));
    } finally {
      await state.close();
    }
    const v = await verifySignatureFile(`${letter}.p7s`, { trustAnchors: await trust(), crls: await crls(), content: readFileChunks(letter) });
    const t = v.signers[0]?.timestamp;
    if (!v.ok || !t) throw new ScelleError(v.code ?? 'INTERNAL', 'the timestamped signature did not verify');
    genTime = t.genTime.toISOString();
    return { genTime };
  });

  await step('verifyTimestamp', async () => {
    const v = await verifySignatureFile(`${letter}.p7s`, { trustAnchors: await trust(), crls: await crls(), content: readFileChunks(letter) });
    const r = v.signers[0]?.timestamps[0];
    if (!v.ok || r?.ok !== true || r.genTime === undefined) throw new ScelleError(r?.code ?? v.code ?? 'TIMESTAMP_INVALID', r?.problems.map((p) => p.message).join('; ') ?? 'no timestamp');
    const tsa = r.tsa?.certificate;
    return { tsa: tsa ? summarizeCertificate(tsa).holder.displayName : '?', genTime: r.genTime.toISOString() };
  });

  const envelope = `${letter}.p7m`;
  await step('encryptLetter', async () => {
    const colleague = loadPkcs12Identity(await p12('confrere'), passwords['confrere.p12'] ?? '', { name: 'confrere.p12' });
    const self = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const to = selectCertificate(colleague, 'encrypt').entry.certificate;
    const info = await encryptFile(letter, envelope, {
      recipients: [{ certificate: to, name: 'confrere' }, { certificate: selectCertificate(self, 'encrypt').entry.certificate, name: 'praticien' }],
      trustAnchors: await trust(), intermediates: colleague.certificates, crls: await crls(),
    });
    return { name: summarizeCertificate(to).holder.displayName, cipher: info.cipher, recipients: info.recipients.length };
  });

  await step('decryptLetter', async () => {
    const colleague = loadPkcs12Identity(await p12('confrere'), passwords['confrere.p12'] ?? '', { name: 'confrere.p12' });
    const out = join(options.dir, 'courrier-recu.txt');
    const info = await decryptFile(envelope, out, { identity: colleague, name: 'courrier-confrere.txt.p7m' });
    if ((await readFile(out, 'utf8')) !== DEMO_LETTER) throw new ScelleError('INTERNAL', 'the decrypted letter differs from the original');
    return { name: summarizeCertificate(info.usedRecipient.certificate ?? selectCertificate(colleague, 'encrypt').entry.certificate).holder.displayName };
  });

  // The USB export: a patient folder and the signed letter, in an AES-256 zip that 7-Zip opens,
  // with a manifest signed by the practitioner; then read back and checked.
  const usbZip = join(options.dir, 'export-usb.zip');
  const usbPassword = generatePassword();
  await step('exportUsb', async () => {
    const folder = join(options.dir, 'dossier-patient');
    await mkdir(join(folder, 'comptes-rendus'), { recursive: true });
    await writeFile(join(folder, 'comptes-rendus', 'consultation-2026-11-20.txt'), DEMO_LETTER);
    await writeFile(join(folder, 'ordonnance-été.txt'), 'Paracétamol 1 g, matin et soir, 5 jours.\n');
    const id = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const r = await exportZip([folder, letter, `${letter}.p7s`], usbZip, {
      password: usbPassword,
      signer: { signer: selectCertificate(id, 'sign').entry, chain: id.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) },
    });
    return { files: r.files, file: usbZip };
  });

  await step('importUsb', async () => {
    const out = join(options.dir, 'usb-relu');
    const r = await importZip(usbZip, { password: usbPassword, outDir: out, trustAnchors: await trust(), crls: await crls() });
    if (!r.manifest.ok || !r.signature?.verified) throw new ScelleError('MANIFEST_MISMATCH', 'the export did not check out');
    if ((await readFile(join(out, 'dossier-patient', 'comptes-rendus', 'consultation-2026-11-20.txt'), 'utf8')) !== DEMO_LETTER) throw new ScelleError('INTERNAL', 'an exported file came back different');
    return { files: r.entries.filter((e) => !e.directory && e.inManifest).length, name: r.signature.signer ?? '' };
  });

  // Backups: the patient folder to three destinations (a disk, a removable drive, a "NAS" kept
  // away from the practice), sealed by the practitioner with a timestamp; the restore drill, the
  // 3-2-1 status, a check without any key, and a restore of one folder.
  const backupDir = join(options.dir, 'sauvegarde');
  const configPath = join(backupDir, 'cabinet.conf');
  const backupPassphrase = generatePassword({ kind: 'passphrase' });
  let cfg: BackupConfig | undefined;
  const withTargets = async <T>(fn: (targets: ConfiguredDestination[]) => Promise<T>): Promise<T> => {
    const targets = await openConfiguredDestinations(cfg!, {});
    try {
      return await fn(targets);
    } finally {
      for (const t of targets) await t.destination.close();
    }
  };
  await step('backupRun', async () => {
    await mkdir(join(backupDir, 'usb-semaine-1'), { recursive: true });
    const init = await initBackup({
      configPath,
      sources: [join(options.dir, 'dossier-patient')],
      destinations: [
        `disque=file://${join(backupDir, 'disque')}`,
        `usb1=usb://${join(backupDir, 'usb-semaine-1')}`,
        `nas=file://${join(backupDir, 'nas-distant')};media=network;offsite=true`,
      ],
      passphrase: backupPassphrase,
      kdfLogN: 12, // the demo's own throw-away repository: a fast KDF; real ones use 2^17
    });
    cfg = init.config;
    const id = loadPkcs12Identity(await p12('praticien'), passwords['praticien.p12'] ?? '', { name: 'praticien.p12' });
    const tsaId = loadPkcs12Identity(await p12('tsa'), passwords['tsa.p12'] ?? '', { name: 'tsa.p12' });
    const state = await openSerialState(join(options.dir, 'tsa-state'));
    try {
      const tsa = createTimeStampAuthority({ signer: selectCertificate(tsaId, 'tsa').entry, chain: tsaId.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()), state });
      const r = await withTargets((targets) => runBackup({
        destinations: targets.map((t) => t.destination),
        repository: { id: cfg!.repository.id, recipient: cfg!.repository.recipient, writeKey: Buffer.from(cfg!.repository.writeKey!, 'hex') },
        sources: cfg!.sources,
        stateDir: stateDirOf(configPath),
        seal: {
          sign: { signer: selectCertificate(id, 'sign').entry, chain: id.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) },
          timestamp: (hash, imprint) => tsa.respond(buildTimeStampReq({ hash, imprint, certReq: true, nonce: new Uint8Array(randomBytes(8)) })),
        },
        workers: 0,
      }));
      const written = r.destinations.filter((t) => t.status === 'written').length;
      if (written !== 3 || !r.seal.signed || !r.seal.timestamped) throw new ScelleError('INTERNAL', `backup written to ${written} destinations of 3 (${r.destinations.map((t) => `${t.name}: ${t.status}`).join(', ')})`);
      return { files: r.files, targets: r.destinations.map((t) => t.name).join(', ') };
    } finally {
      await state.close();
    }
  });

  await step('backupDrill', async () => {
    const d = await withTargets(async (targets) => {
      const master = (await unlockRepository(targets[0]!.destination, { passphrase: backupPassphrase }, { repository: cfg!.repository.id })).master;
      return drillRestore(targets[0]!.destination, { master, stateDir: stateDirOf(configPath), repository: cfg!.repository.id, destination: targets[0]!.spec.name });
    });
    if (!d.ok) throw new ScelleError('OBJECT_CORRUPT', d.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    return { files: d.files };
  });

  await step('backupStatus', async () => {
    const report = await backupStatus(cfg!, {});
    if (!report.ok) throw new ScelleError('POLICY_BROKEN', `broken rules: ${report.broken.join(', ')}`, { params: { detail: report.broken.join(', ') } });
    return { rules: report.rules.length, copies: report.destinations.length + 1 };
  });

  await step('backupVerify', async () => {
    const reports = await withTargets(async (targets) => {
      const out = [];
      const expect = { repository: cfg!.repository.id, trustAnchors: await trust(), crls: await crls() };
      for (const t of targets) out.push(await verifyWithoutKey(t.destination, { ...expect, destination: t.spec.name }));
      const master = (await unlockRepository(targets[1]!.destination, { passphrase: backupPassphrase }, { repository: cfg!.repository.id })).master;
      out.push(await verifyRepository(targets[1]!.destination, { ...expect, destination: targets[1]!.spec.name, master, readData: true }));
      return out;
    });
    const bad = reports.filter((r) => !r.ok);
    if (bad.length > 0) throw new ScelleError('REPO_CORRUPT', bad.flatMap((r) => r.problems.map((p) => p.message)).join('; '));
    return { objects: reports[0]!.objects, targets: reports.length - 1 };
  });

  await step('backupRestore', async () => {
    const to = join(options.dir, 'restauration');
    const r = await withTargets(async (targets) => {
      const nas = targets.find((t) => t.spec.name === 'nas')!;
      const master = (await unlockRepository(nas.destination, { passphrase: backupPassphrase }, { repository: cfg!.repository.id })).master;
      return restoreSnapshot(nas.destination, { master, to, path: 'dossier-patient/comptes-rendus', repository: cfg!.repository.id, destination: 'nas' });
    });
    if (r.problems.length > 0) throw new ScelleError('OBJECT_CORRUPT', r.problems.map((p) => p.message).join('; '));
    const restored = await readFile(join(to, 'dossier-patient', 'comptes-rendus', 'consultation-2026-11-20.txt'), 'utf8').catch(() => '');
    if (restored !== DEMO_LETTER) throw new ScelleError('INTERNAL', 'the restored file differs from the original');
    return { files: r.files, path: 'dossier-patient/comptes-rendus' };
  });

  return { ok: steps.every((s) => s.ok), dir: options.dir, steps };
}

/** The sample letter the tour signs. */
const DEMO_LETTER = `Dr Claire DURAND — Médecin généraliste (DÉMONSTRATION)
À l'attention du Dr Paul MARTIN

Cher confrère,
Je vous adresse Mme X., 54 ans, pour avis concernant une hypertension artérielle
résistante à une trithérapie bien conduite. Bilan biologique joint.
Bien confraternellement,
Dr Claire DURAND
`;
