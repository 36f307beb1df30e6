/**
 * `scelle timestamp FILE… --tsa URL` (→ FILE.tsr, or CAdES-T for a signature file),
 * `scelle timestamp verify FILE.tsr --data FILE --trust T`, and `scelle tsa serve`.
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import {
  ScelleError, isScelleError, requestTimestamp, upgradeSignatureFile, parseCertificates,
  verifyTimestampResponse, hashForTimestamp, readFileChunks, openSerialState, createTimeStampAuthority,
  startTsaServer, selectCertificate, type TspHash, type TimestampVerdict, type TimestampTokenSource,
} from '../../src/index.js';
import {
  digestFile, imprintFromDigest, parseTimeStampResp, DEMO_TSA_POLICY, writeFileAtomic, readInputFile,
} from '../../src/internal.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import { formatDate } from '../dates.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, addTrustOptions, openIdentity, readTrust, readCrls, parseAt, type IdentityOptions } from '../options.js';
import { negativeIf, outcome, type Outcome } from '../outcome.js';

const isSignatureFile = (f: string): boolean => /\.(p7s|p7m)$/i.test(f);

/** A token source that asks `url`, for CAdES-T upgrades. */
export function tsaTokenSource(url: string, policy?: string): TimestampTokenSource {
  return async (hash, imprint) => (await requestTimestamp({ url, hash, imprint, ...(policy ? { policy } : {}) })).der;
}

function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

export function registerTimestampCommands(program: Command): void {
  addTrustOptions(
    program.command('timestamp')
      .usage('FILE… --tsa URL [--trust T]  |  verify FILE.tsr (--data FILE | --digest HEX) --trust T')
      .description('RFC 3161 timestamps: FILE → FILE.tsr; a signature FILE.p7s/.p7m gets a CAdES-T signature timestamp; `timestamp verify` checks a .tsr strictly (status, imprint, policy, TSA certificate with critical EKU and ESSCertID, its chain and revocation now or at --at); ETSI indication')
      .argument('[file...]', 'files or signatures to timestamp, or `verify FILE.tsr`')
      .option('--tsa <url>', 'the timestamping authority (HTTP POST application/timestamp-query)')
      .option('--hash <alg>', 'sha256 | sha384 | sha512 (for verify: the hash of --digest)', 'sha256')
      .option('--policy <oid>', 'ask the TSA for this policy (verify: require it)')
      .option('--data <file>', 'verify: the timestamped file')
      .option('--digest <hex>', 'verify: or its precomputed digest (with --hash)')
      .option('--certs <file>', 'verify: the TSA certificate when the response does not carry it (repeatable)', (v: string, p: string[] = []) => [...p, v], [])
      .option('--online', 'verify: fetch CRLs and ask OCSP responders named in the TSA certificates'),
  ).action(action(async (ctx: Ctx, files: string[], opts: TimestampCliOptions) => {
    if (files[0] === 'verify') {
      if (files.length !== 2) throw new ScelleError('USAGE', 'timestamp verify takes one FILE.tsr', { params: { detail: 'timestamp verify takes one FILE.tsr' } });
      return verifyTsr(ctx, files[1]!, opts);
    }
    if (files.length === 0) throw new ScelleError('USAGE', 'give the files to timestamp (or: scelle timestamp verify FILE.tsr)', { params: { detail: 'give the files to timestamp (or: scelle timestamp verify FILE.tsr)' } });
    if (!opts.tsa) throw new ScelleError('USAGE', 'timestamp needs --tsa URL', { params: { detail: 'timestamp needs --tsa URL' } });
    const hash = checkHash(opts.hash);
    const trust = opts.trust.length ? await readTrust(ctx, opts.trust) : undefined;
    const crls = await readCrls(ctx, opts.crl);
    const results: Record<string, unknown>[] = [];
    let failed = 0;
    for (const file of files) {
      const path = resolve(ctx.io.cwd, file);
      try {
        if (isSignatureFile(file)) {
          const r = await upgradeSignatureFile(path, tsaTokenSource(opts.tsa, opts.policy), { hash });
          results.push({ file, ok: true, signature: r.outPath, signers: r.signers });
          if (!ctx.json) ctx.line(ctx.t('ts.upgraded', { file: r.outPath, signers: r.signers }));
          continue;
        }
        const imprint = await digestFile(path, hash);
        const got = await requestTimestamp({ url: opts.tsa, hash, imprint, ...(opts.policy ? { policy: opts.policy } : {}) });
        const r = got.response;
        if (r.status > 1) throw new ScelleError('TIMESTAMP_REJECTED', `the TSA refused: status ${r.status}${r.failInfo.length ? ` (${r.failInfo.join(', ')})` : ''}${r.statusStrings.length ? ` — ${r.statusStrings.join('; ')}` : ''}`);
        if (!r.tstInfo || !bytesEqual(r.tstInfo.imprint, imprint)) throw new ScelleError('TIMESTAMP_IMPRINT_MISMATCH', `the TSA answered for other data than ${file}`);
        if (!bytesEqual(r.tstInfo.nonce, got.request.nonce)) throw new ScelleError('TIMESTAMP_NONCE_MISMATCH', 'the TSA did not echo our nonce');
        if (opts.policy && r.tstInfo.policy !== opts.policy) throw new ScelleError('TIMESTAMP_POLICY_MISMATCH', `the TSA used policy ${r.tstInfo.policy}, not ${opts.policy}`);
        if (trust) {
          const v = await verifyTimestampResponse(got.der, { trustAnchors: trust, crls, expected: { hash, imprint }, nonce: got.request.nonce, ...(opts.policy ? { policy: opts.policy } : {}) });
          if (!v.ok) throw new ScelleError(v.code ?? 'TIMESTAMP_INVALID', v.problems.map((p) => p.message).join('; '));
        }
        const out = `${path}.tsr`;
        await writeFileAtomic(out, got.der);
        results.push({ file, ok: true, tsr: out, genTime: r.tstInfo.genTime.toISOString(), serialNumber: r.tstInfo.serialNumber, policy: r.tstInfo.policy, verified: trust !== undefined });
        if (!ctx.json) ctx.line(ctx.t('ts.written', { file, out, genTime: r.tstInfo.genTime.toISOString(), serial: r.tstInfo.serialNumber }));
      } catch (e) {
        if (!isScelleError(e)) throw e;
        failed++;
        results.push({ file, ok: false, error: { code: e.code, message: e.message } });
        if (!ctx.json) ctx.line(ctx.t('ts.fail', { file, message: `[${e.code}] ${localizedMessage(e, ctx.lang)}` }));
      }
    }
    if (ctx.json) ctx.emitJson({ ok: failed === 0, results });
    if (failed === 0) return;
    // the TSA or the file out of reach is a failure; a refused or invalid answer is negative
    const codes = results.map((r) => (r.error as { code?: string } | undefined)?.code);
    return outcome(codes.map((c) => c !== undefined && (c === 'TSA_UNAVAILABLE' || c === 'FILE_NOT_FOUND' || c === 'IO_ERROR' ? 'failed' : 'negative')));
  }));

  const tsa = program.command('tsa').description('run a timestamping authority');
  addIdentityOptions(
    tsa.command('serve')
      .description('RFC 3161 over HTTP: POST application/timestamp-query → application/timestamp-reply')
      .option('--host <host>', 'listen address', '127.0.0.1')
      .option('--port <port>', 'port (0 = any free one)', '3161')
      .option('--policy <oid>', 'policy of the tokens', DEMO_TSA_POLICY)
      .option('--state <dir>', 'folder where serial numbers are persisted', '.scelle-tsa'),
  ).action(action(async (ctx: Ctx, opts: IdentityOptions & { host: string; port: string; policy: string; state: string }) => {
    const identity = await openIdentity(ctx, opts);
    const state = await openSerialState(resolve(ctx.io.cwd, opts.state));
    let count = 0;
    try {
      const sel = selectCertificate(identity, 'tsa');
      const authority = createTimeStampAuthority({
        signer: sel.entry, chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()), policy: opts.policy, state,
      });
      const server = await startTsaServer({
        tsa: authority, host: opts.host, port: Number(opts.port),
        onRequest: (e) => {
          count++;
          if (!ctx.quiet && !ctx.json) ctx.io.stderr.write(`${new Date().toISOString()} ${e.remote} ${e.httpStatus} ${e.bytes}B ${e.ms.toFixed(1)}ms\n`);
        },
      });
      // --json: a script learns where it listens at once (an NDJSON event), the envelope comes when it stops
      if (ctx.json) ctx.emitEvent({ type: 'listening', url: server.url, policy: opts.policy, state: state.dir });
      else ctx.line(ctx.t('tsa.listening', { url: server.url, policy: opts.policy, state: state.dir }));
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.close();
      if (ctx.json) ctx.emitJson({ ok: true, url: server.url, policy: opts.policy, state: state.dir, requests: count });
      ctx.log(ctx.t('tsa.stopped', { count }));
    } finally {
      await state.close();
      identity.close();
    }
  }));
}

function checkHash(h: string): TspHash {
  if (h === 'sha256' || h === 'sha384' || h === 'sha512') return h;
  throw new ScelleError('USAGE', `--hash: ${h} is not one of sha256, sha384, sha512`, { params: { detail: `--hash: ${h} is not one of sha256, sha384, sha512` } });
}

/** Prints a timestamp verdict (text) or the JSON document. */
export function renderTimestampVerdict(ctx: Ctx, file: string, v: TimestampVerdict): void {
  if (ctx.json) {
    ctx.emitJson({
      ok: v.ok, indication: v.indication, ...(v.subIndication ? { subIndication: v.subIndication } : {}), ...(v.code ? { code: v.code } : {}),
      file, status: v.status, genTime: v.genTime?.toISOString(), serialNumber: v.serialNumber,
      policy: v.policy, accuracy: v.accuracy, tsa: v.tsa?.subject, tsaName: v.tsaName, problems: v.problems,
      chain: v.chain ? { ok: v.chain.ok, code: v.chain.code, path: v.chain.path.map((c) => c.subject) } : undefined,
    });
    return;
  }
  const { t } = ctx;
  const c = t('punct.colon');
  const date = (d: Date): string => formatDate(d, ctx.lang, ctx.io.env);
  const sub = v.subIndication ? ` / ${v.subIndication}` : '';
  ctx.line(`${file}: ${t('ts.verdict', { indication: t(`ts.indication.${v.indication}`) })} (${v.indication}${sub})${v.code ? ` [${v.code}]` : ''}`);
  if (v.genTime) ctx.line(`  ${t('ts.genTime')}${c}${date(v.genTime)} (${v.genTime.toISOString()})`);
  if (v.tsa) ctx.line(`  ${t('ts.tsa')}${c}${v.tsa.subject}`);
  if (v.policy) ctx.line(`  ${t('ts.policy')}${c}${v.policy}`);
  if (v.serialNumber) ctx.line(`  ${t('ts.serial')}${c}${v.serialNumber}`);
  if (v.accuracy) ctx.line(`  ${t('ts.accuracy')}${c}${v.accuracy.seconds}s ${v.accuracy.millis}ms ${v.accuracy.micros}µs`);
  if (v.chain?.checkedAt) ctx.line(`  ${t('cert.checkedAt', { at: date(v.chain.checkedAt) })}`);
  for (const p of v.problems) {
    const fr = ctx.lang === 'fr' ? `${t(`error.${p.code}`)} — ` : '';
    ctx.line(`  ${t('verify.problem')} [${p.code}] ${fr}${p.message}`);
  }
  // the explanations that read the same for a time-stamp as for a signature
  if (!v.ok && (v.subIndication === 'TRY_LATER' || v.subIndication === 'HASH_FAILURE')) ctx.line(`  ${t(`explain.${v.subIndication}`)}`);
}

interface TimestampCliOptions {
  tsa?: string;
  hash: string;
  policy?: string;
  data?: string;
  digest?: string;
  certs: string[];
  trust: string[];
  crl: string[];
  at?: string;
  online?: boolean;
}

/** `scelle timestamp verify FILE.tsr (--data FILE | --digest HEX) --trust T`. */
async function verifyTsr(ctx: Ctx, tsr: string, opts: TimestampCliOptions): Promise<Outcome> {
    if (opts.trust.length === 0) throw new ScelleError('USAGE', 'timestamp verify needs --trust FILE', { params: { detail: 'timestamp verify needs --trust FILE' } });
    if ((opts.data === undefined) === (opts.digest === undefined)) throw new ScelleError('USAGE', 'give exactly one of --data FILE or --digest HEX', { params: { detail: 'give exactly one of --data FILE or --digest HEX' } });
    const der = await readInputFile(resolve(ctx.io.cwd, tsr));
    let expected;
    if (opts.digest !== undefined) {
      expected = imprintFromDigest(checkHash(opts.hash), opts.digest);
    } else {
      // hash the data with the algorithm the token used, so that a SHA-384 token checks out
      const used = parseTimeStampResp(der).tstInfo?.hash;
      const hash = typeof used === 'string' && ['sha256', 'sha384', 'sha512'].includes(used) ? (used as TspHash) : 'sha256';
      expected = await hashForTimestamp(readFileChunks(resolve(ctx.io.cwd, opts.data!)), hash);
    }
    const at = parseAt(opts.at, ctx);
    const extra = (await Promise.all(opts.certs.map(async (c) => parseCertificates(await readInputFile(resolve(ctx.io.cwd, c)))))).flat();
    const v = await verifyTimestampResponse(der, {
      trustAnchors: await readTrust(ctx, opts.trust), crls: await readCrls(ctx, opts.crl), expected, online: opts.online === true,
      ...(at ? { at } : {}), ...(opts.policy ? { policy: opts.policy } : {}), ...(extra.length ? { extraCertificates: extra } : {}),
    });
    renderTimestampVerdict(ctx, tsr, v);
    return negativeIf(!v.ok);
}
