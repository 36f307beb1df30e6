/**
 * A throw-away SoftHSM2 token for PKCS#11 tests: its own softhsm2.conf and token folder in a temp
 * dir, keys made with openssl and imported with pkcs11-tool, the way a card personalisation would
 * put them on a CPS card.
 *
 * SoftHSM2 reads SOFTHSM2_CONF at C_Initialize, and pkcs11js loads the module inside the test
 * process, so {@link createSoftHsm} sets SOFTHSM2_CONF in `process.env` (restored by `cleanup`) as
 * well as in the environment it hands to child processes.
 *
 * The PINs are passed as command-line options because softhsm2-util and pkcs11-tool take them no
 * other way; this is a test token with test PINs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPeer, SOFTHSM2_MODULE } from './peers.js';
import { makeTempDir } from './tmp.js';

/** A SoftHSM2 instance (one conf file, one token folder) in a temp dir. */
export interface SoftHsm {
  /** The temp folder (conf, tokens/, and any files the test writes). */
  dir: string;
  /** Path of libsofthsm2.so. */
  module: string;
  /** Path of the softhsm2.conf. */
  conf: string;
  /** `process.env` plus SOFTHSM2_CONF, for child processes. */
  env: NodeJS.ProcessEnv;
  /** Restores SOFTHSM2_CONF and deletes the temp dir. */
  cleanup: () => void;
}

/** An initialized token on a {@link SoftHsm}. */
export interface SoftHsmToken {
  hsm: SoftHsm;
  label: string;
  pin: string;
  soPin: string;
}

/** Files produced by {@link makeTestIdentity}: PEM and DER of the key, PEM of the public key, the certificate. */
export interface TestIdentityFiles {
  keyPem: string;
  keyDer: string;
  publicKeyPem: string;
  certPem: string;
  certDer: string;
}

/** A test CA made by {@link makeTestCa}. */
export interface TestCa {
  keyPem: string;
  certPem: string;
}

/** Creates the conf and token folder and points SOFTHSM2_CONF at them (this process and children). */
export function createSoftHsm(): SoftHsm {
  if (SOFTHSM2_MODULE === undefined) throw new Error('libsofthsm2.so not found');
  const { dir, cleanup: removeDir } = makeTempDir('scelle-softhsm-');
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  return {
    dir,
    module: SOFTHSM2_MODULE,
    conf,
    env: { ...process.env, SOFTHSM2_CONF: conf },
    cleanup: () => {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      removeDir();
    },
  };
}

/** `softhsm2-util --init-token --free`: a new token in the first free slot. */
export function initToken(hsm: SoftHsm, options: { label: string; pin: string; soPin: string }): SoftHsmToken {
  runPeer('softhsm2-util', ['--init-token', '--free', '--label', options.label, '--pin', options.pin, '--so-pin', options.soPin], { env: hsm.env });
  return { hsm, ...options };
}

/** Imports a DER private key and its DER certificate under one CKA_ID and label with pkcs11-tool. */
export function importIdentity(token: SoftHsmToken, options: { keyDer: string; certDer: string; id: string; label: string }): void {
  const base = ['--module', token.hsm.module, '--token-label', token.label, '--login', '--pin', token.pin];
  runPeer('pkcs11-tool', [...base, '--write-object', options.keyDer, '--type', 'privkey', '--id', options.id, '--label', options.label], { env: token.hsm.env });
  runPeer('pkcs11-tool', [...base, '--write-object', options.certDer, '--type', 'cert', '--id', options.id, '--label', options.label], { env: token.hsm.env });
}

/** A self-signed test CA (RSA 2048, basicConstraints CA, keyCertSign/cRLSign). */
export function makeTestCa(dir: string, name = 'ca'): TestCa {
  const keyPem = join(dir, `${name}.key.pem`);
  const certPem = join(dir, `${name}.pem`);
  runPeer('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyPem]);
  runPeer('openssl', [
    'req', '-x509', '-new', '-key', keyPem, '-subj', '/C=FR/O=Scelle Test/CN=Scelle Test CA', '-days', '3', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', certPem,
  ]);
  return { keyPem, certPem };
}

/**
 * A key pair made by openssl and a certificate signed by `ca`.
 * @param keyUsage - the keyUsage extension value, e.g. `critical,nonRepudiation`.
 */
export function makeTestIdentity(
  dir: string,
  ca: TestCa,
  options: { name: string; algorithm: 'rsa2048' | 'p256'; subject: string; keyUsage: string },
): TestIdentityFiles {
  const p = (suffix: string) => join(dir, `${options.name}${suffix}`);
  const files: TestIdentityFiles = {
    keyPem: p('.key.pem'),
    keyDer: p('.key.der'),
    publicKeyPem: p('.pub.pem'),
    certPem: p('.pem'),
    certDer: p('.der'),
  };
  const keyOpts = options.algorithm === 'rsa2048'
    ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  runPeer('openssl', ['genpkey', ...keyOpts, '-out', files.keyPem]);
  runPeer('openssl', ['pkey', '-in', files.keyPem, '-outform', 'DER', '-out', files.keyDer]);
  runPeer('openssl', ['pkey', '-in', files.keyPem, '-pubout', '-out', files.publicKeyPem]);
  runPeer('openssl', [
    'req', '-x509', '-new', '-key', files.keyPem, '-CA', ca.certPem, '-CAkey', ca.keyPem, '-subj', options.subject,
    '-days', '2', '-sha256', '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', `keyUsage=${options.keyUsage}`,
    '-out', files.certPem,
  ]);
  runPeer('openssl', ['x509', '-in', files.certPem, '-outform', 'DER', '-out', files.certDer]);
  return files;
}

/** Reads a file as bytes (a Uint8Array, not a pooled Buffer view). */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
