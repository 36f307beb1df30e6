/**
 * An OpenSSL TSA (`openssl ts -reply`) over the demo PKI's TSA identity, for interop tests: one
 * config file with a section per TSA identity (`[tsa] default_tsa = …`), queries made by
 * `openssl ts -query` from data or a precomputed digest.
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { formatPem } from '../../src/crypto/pem.js';
import { runPeer, tryPeer } from './peers.js';

/** One TSA identity: a section of the config. */
export interface OpensslTsaIdentity {
  /** Section name. */
  name: string;
  cert: Uint8Array;
  key: KeyObject;
  /** Certificates openssl adds to the token when the query asks for them (`certs`). */
  chain: Uint8Array[];
  /** ess_cert_id_alg. Default sha256 (ESSCertIDv2); sha1 gives the v1 ESSCertID. */
  essAlg?: 'sha1' | 'sha256';
  tsaName?: boolean;
}

export const DEFAULT_POLICY = '1.2.250.1.999.1';
export const OTHER_POLICY = '1.2.250.1.999.2';

/** Writes the PEMs and the config; returns a function that runs `openssl ts -reply`. */
export class OpensslTsa {
  readonly config: string;
  #n = 0;

  constructor(readonly dir: string, identities: OpensslTsaIdentity[]) {
    const sections = identities.map((id) => {
      const base = join(dir, `tsa-${id.name}`);
      writeFileSync(`${base}.pem`, formatPem('CERTIFICATE', id.cert));
      writeFileSync(`${base}.key`, id.key.export({ type: 'pkcs8', format: 'pem' }) as string);
      writeFileSync(`${base}-chain.pem`, id.chain.map((c) => formatPem('CERTIFICATE', c)).join(''));
      const serial = `${base}.serial`;
      if (!existsSync(serial)) writeFileSync(serial, '01\n');
      return [
        `[${id.name}]`,
        `serial = ${serial}`,
        'crypto_device = builtin',
        `signer_cert = ${base}.pem`,
        `certs = ${base}-chain.pem`,
        `signer_key = ${base}.key`,
        'signer_digest = sha256',
        `default_policy = ${DEFAULT_POLICY}`,
        `other_policies = ${OTHER_POLICY}`,
        'digests = sha256, sha384, sha512',
        'accuracy = secs:1, millisecs:500, microsecs:100',
        'clock_precision_digits = 3',
        'ordering = yes',
        `tsa_name = ${id.tsaName === false ? 'no' : 'yes'}`,
        'ess_cert_id_chain = no',
        `ess_cert_id_alg = ${id.essAlg ?? 'sha256'}`,
        '',
      ].join('\n');
    });
    this.config = join(dir, 'tsa.cnf');
    writeFileSync(this.config, `[tsa]\ndefault_tsa = ${identities[0]!.name}\n\n${sections.join('\n')}`);
  }

  /**
   * `openssl ts -query` then `openssl ts -reply`. `data` or `digest` (hex) is what is stamped.
   * @returns the response (or token with `tokenOut`) and the nonce openssl put in the query.
   */
  stamp(q: { data?: Uint8Array; digest?: string; hash?: 'sha256' | 'sha384' | 'sha512'; nonce?: boolean; cert?: boolean; policy?: string; section?: string; tokenOut?: boolean }): { der: Uint8Array; nonce?: Uint8Array; query: string } {
    const n = ++this.#n;
    const query = join(this.dir, `q${n}.tsq`);
    const out = join(this.dir, `r${n}.tsr`);
    const args = ['ts', '-query', `-${q.hash ?? 'sha256'}`, '-out', query];
    if (q.data !== undefined) {
      const data = join(this.dir, `d${n}.bin`);
      writeFileSync(data, q.data);
      args.push('-data', data);
    } else {
      args.push('-digest', q.digest!);
    }
    if (q.nonce === false) args.push('-no_nonce');
    if (q.cert !== false) args.push('-cert');
    if (q.policy !== undefined) args.push('-tspolicy', q.policy);
    runPeer('openssl', args);
    const reply = ['ts', '-reply', '-config', this.config, '-queryfile', query, '-out', out];
    if (q.section !== undefined) reply.push('-section', q.section);
    if (q.tokenOut === true) reply.push('-token_out');
    const r = tryPeer('openssl', reply);
    if (r.status !== 0) throw new Error(`openssl ts -reply failed: ${r.stderr}`);
    const text = runPeer('openssl', ['ts', '-query', '-in', query, '-text']);
    const m = /Nonce: (?:0x)?([0-9A-Fa-f]+)/.exec(text);
    const result: { der: Uint8Array; nonce?: Uint8Array; query: string } = { der: new Uint8Array(readFileSync(out)), query };
    if (m !== null) result.nonce = new Uint8Array(Buffer.from(m[1]!.length % 2 === 1 ? `0${m[1]}` : m[1]!, 'hex'));
    return result;
  }
}
