/**
 * verifySignature against signatures made by real peers: `openssl cms -sign` (detached, attached,
 * CAdES, SHA-2 sizes, RSA PKCS#1 / PSS, ECDSA, -nocerts, -stream BER, two signers, -noattr),
 * `openssl smime -sign -md sha1` (valid but weak) and `gpgsm --sign --detach`; plus every negative
 * verdict with its own code, some on hand-built SignedData (tests/helpers/cms-build.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { formatPem } from '../../src/crypto/pem.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { parseCrls, type Crl } from '../../src/crypto/x509/crl.js';
import { summarizeCertificate } from '../../src/crypto/cert-summary.js';
import { verifySignature, verifySignatureFile, verifySignatureStream, type SignatureVerdict, type VerifySignatureOptions } from '../../src/validation/verify-signature.js';
import { readFileChunks } from '../../src/io/file-chunks.js';
import { isScelleError } from '../../src/errors.js';
import { havePeers, runPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { makeTestIdentity } from '../helpers/softhsm.js';
import { createGpgsmHome, gpgsmImportP12, gpgsmSignDetached, gpgsmVerify, sha1Fingerprint, type GpgsmHome } from '../helpers/gpgsm.js';
import { attribute, buildSignedData, essV1, essV2, oid, OIDS, tlv } from '../helpers/cms-build.js';

const HAVE = havePeers('openssl');

async function codeOfAsync(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
  }
}

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function* bytes(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

describe.skipIf(!HAVE)('CMS verification of peer signatures', () => {
  let pki: DemoPki;
  let dir: string;
  let cleanup: () => void;
  let anchors: X509Cert[];
  let crls: Crl[];
  const f = (name: string): string => join(dir, name);
  const DOC = 'Ordonnance du 12 mars : amoxicilline 1 g, 3 fois par jour pendant 7 jours.\n';
  let startedAt: Date;

  const opts = (extra: Partial<VerifySignatureOptions> = {}): VerifySignatureOptions => ({ trustAnchors: anchors, crls, ...extra });
  const verifyDetached = (sig: string, content = f('doc.txt'), extra: Partial<VerifySignatureOptions> = {}): Promise<SignatureVerdict> =>
    verifySignatureFile(sig, opts({ content: readFileChunks(content), ...extra }));
  // -certfile: the signature carries the intermediate CA, as a CPS signature carries its chain.
  const cms = (args: string[]): void => {
    runPeer('openssl', ['cms', '-sign', ...(args.includes('-nocerts') ? [] : ['-certfile', f('ca.pem')]), ...args]);
  };
  const signer = (name: 'praticien' | 'confrere' | 'revoque' | 'ec'): string[] => ['-signer', f(`${name}.pem`), '-inkey', f(`${name}.key.pem`)];

  beforeAll(async () => {
    // A whole-second `now`: gpgsm rejects GeneralizedTime with fractional seconds (see helpers/gpgsm.ts).
    pki = await createDemoPki();
    ({ dir, cleanup } = makeTempDir('scelle-cms-verify-'));
    writeFileSync(f('root.pem'), formatPem('CERTIFICATE', pki.root));
    writeFileSync(f('ca.pem'), formatPem('CERTIFICATE', pki.ca));
    writeFileSync(f('ca.key.pem'), pki.caKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    for (const id of [pki.praticien, pki.confrere, pki.revoque]) {
      writeFileSync(f(`${id.name}.pem`), formatPem('CERTIFICATE', id.certificates[0]!));
      writeFileSync(f(`${id.name}.key.pem`), id.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string);
      writeFileSync(f(`${id.name}.p12`), id.p12);
    }
    makeTestIdentity(dir, { keyPem: f('ca.key.pem'), certPem: f('ca.pem') }, {
      name: 'ec', algorithm: 'p256', subject: '/C=FR/O=SCELLE DEMO - NON OFFICIEL/CN=SIGNATAIRE EC DEMO', keyUsage: 'critical,digitalSignature,nonRepudiation',
    });
    writeFileSync(f('doc.txt'), DOC);
    writeFileSync(f('other.txt'), DOC.replace('7 jours', '70 jours'));
    anchors = [X509Cert.fromDer(pki.root)];
    crls = [...parseCrls(pki.crl), ...parseCrls(pki.rootCrl)];
    startedAt = new Date(Date.now() - 2000);
  });
  afterAll(() => cleanup?.());

  const expectPraticien = (v: SignatureVerdict): void => {
    const s = v.signers[0]!;
    const who = summarizeCertificate(s.signer!);
    expect(who.holder.name ?? `${who.holder.givenName ?? ''} ${who.holder.surname ?? ''}`).toMatch(/CLAIRE.*DURAND|DURAND.*CLAIRE/);
    expect(who.rpps).toBe('10101234567');
    expect(s.signingTime!.getTime()).toBeGreaterThanOrEqual(startedAt.getTime() - 1000);
    expect(s.signingTime!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    // The signing time is the signer's claim: the chain is checked at the validation time (now).
    expect(s.validatedAt).toEqual(s.validationTime);
    expect(s.indication).toBe('TOTAL-PASSED');
  };

  it('detached -binary, SHA-256, RSA PKCS#1 v1.5: valid, who and when', async () => {
    cms(['-binary', '-in', f('doc.txt'), ...signer('praticien'), '-md', 'sha256', '-outform', 'DER', '-out', f('d.p7s')]);
    const v = await verifyDetached(f('d.p7s'));
    expect(v.ok).toBe(true);
    expect(v.code).toBeUndefined();
    expect(v.detached).toBe(true);
    expect(v.contentType).toBe(OIDS.data);
    expect(v.contentDigests['SHA-256']).toBe(sha256Hex(DOC));
    const s = v.signers[0]!;
    expect(s).toMatchObject({ ok: true, digestAlgorithm: 'SHA-256', weakAlgorithms: [], cades: { level: 'CMS', signingCertificateV2: false } });
    expect(s.sid).toContain('serial=');
    expect(s.chain?.ok).toBe(true);
    expectPraticien(v);
  });

  it('attached, SHA-384, PEM output read from memory', async () => {
    cms(['-nodetach', '-binary', '-in', f('doc.txt'), ...signer('praticien'), '-md', 'sha384', '-outform', 'PEM', '-out', f('a.pem')]);
    expect(readFileSync(f('a.pem'), 'latin1')).toContain('-----BEGIN CMS-----');
    const v = await verifySignature(new Uint8Array(readFileSync(f('a.pem'))), opts());
    expect(v).toMatchObject({ ok: true, detached: false });
    expect(v.signers[0]!.digestAlgorithm).toBe('SHA-384');
    expectPraticien(v);
  });

  it.each(['sha256', 'sha384', 'sha512'])('-cades -md %s: CAdES-B with signing-certificate-v2', async (md) => {
    cms(['-cades', '-binary', '-in', f('doc.txt'), ...signer('praticien'), '-md', md, '-outform', 'DER', '-out', f(`c-${md}.p7s`)]);
    const v = await verifyDetached(f(`c-${md}.p7s`));
    expect(v.ok).toBe(true);
    expect(v.signers[0]!.cades).toEqual({ signingCertificateV2: true, signingCertificateV1: false, level: 'CAdES-B' });
    expect(v.signers[0]!.digestAlgorithm).toBe(`SHA-${md.slice(3)}`);
  });

  it('ECDSA P-256 key (certificate from the demo CA), attached and -cades', async () => {
    cms(['-nodetach', '-cades', '-binary', '-in', f('doc.txt'), ...signer('ec'), '-md', 'sha256', '-outform', 'DER', '-out', f('ec.p7s')]);
    const v = await verifySignatureFile(f('ec.p7s'), opts());
    expect(v.ok).toBe(true);
    expect(v.signers[0]!.signatureAlgorithm).toMatch(/^ecdsa-with-SHA256$/);
    expect(v.signers[0]!.signer!.subject).toContain('SIGNATAIRE EC DEMO');
  });

  it('RSA-PSS (-keyopt rsa_padding_mode:pss)', async () => {
    cms(['-binary', '-in', f('doc.txt'), ...signer('praticien'), '-md', 'sha256', '-keyopt', 'rsa_padding_mode:pss', '-outform', 'DER', '-out', f('pss.p7s')]);
    const v = await verifyDetached(f('pss.p7s'));
    expect(v.ok).toBe(true);
    expect(v.signers[0]!.signatureAlgorithm).toBe('RSASSA-PSS');
  });

  it('-nocerts: valid with extraCertificates, SIGNER_CERT_MISSING without', async () => {
    cms(['-nocerts', '-binary', '-in', f('doc.txt'), ...signer('praticien'), '-outform', 'DER', '-out', f('nc.p7s')]);
    const withCert = await verifyDetached(f('nc.p7s'), f('doc.txt'), {
      extraCertificates: [X509Cert.fromDer(pki.praticien.certificates[0]!), X509Cert.fromDer(pki.ca)],
    });
    expect(withCert.ok).toBe(true);
    const without = await verifyDetached(f('nc.p7s'));
    expect(without.ok).toBe(false);
    expect(without.code).toBe('SIGNER_CERT_MISSING');
    expect(without.signers[0]!.signer).toBeUndefined();
  });

  it('-stream -outform DER (BER: indefinite lengths, constructed OCTET STRING) streams from a file', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
    writeFileSync(f('big.bin'), big);
    cms(['-stream', '-nodetach', '-binary', '-in', f('big.bin'), ...signer('praticien'), '-outform', 'DER', '-out', f('ber.p7s')]);
    const head = readFileSync(f('ber.p7s')).subarray(0, 2);
    expect([...head]).toEqual([0x30, 0x80]); // indefinite-length ContentInfo: BER, not DER
    const v = await verifySignatureFile(f('ber.p7s'), opts());
    expect(v.ok).toBe(true);
    expect(v.contentDigests['SHA-256']).toBe(sha256Hex(big));
    // The same bytes in memory.
    expect((await verifySignature(new Uint8Array(readFileSync(f('ber.p7s'))), opts())).ok).toBe(true);
  });

  it('BER fed one byte at a time (headers and segments split across every chunk boundary)', async () => {
    cms(['-stream', '-nodetach', '-cades', '-binary', '-in', f('doc.txt'), ...signer('praticien'), '-outform', 'DER', '-out', f('ber-small.p7s')]);
    const all = new Uint8Array(readFileSync(f('ber-small.p7s')));
    async function* byteByByte(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < all.length; i++) yield all.subarray(i, i + 1);
    }
    const v = await verifySignatureStream(byteByByte(), opts());
    expect(v.ok).toBe(true);
    expect(v.contentDigests['SHA-256']).toBe(sha256Hex(DOC));
  });

  it('two signers (-signer a -inkey ka -signer b -inkey kb): both reported', async () => {
    cms(['-binary', '-in', f('doc.txt'), ...signer('praticien'), ...signer('confrere'), '-outform', 'DER', '-out', f('two.p7s')]);
    const v = await verifyDetached(f('two.p7s'));
    expect(v.ok).toBe(true);
    // SignerInfos are a DER SET OF: their order is the encoding's, not the command line's.
    expect(v.signers.map((s) => summarizeCertificate(s.signer!).rpps).sort()).toEqual(['10101234567', '10107654321']);
  });

  it('two signers, one revoked: every signer reported, overall code from the failing one', async () => {
    cms(['-binary', '-in', f('doc.txt'), ...signer('praticien'), ...signer('revoque'), '-outform', 'DER', '-out', f('two-r.p7s')]);
    const v = await verifyDetached(f('two-r.p7s'));
    expect(v.ok).toBe(false);
    expect(v.code).toBe('CERT_REVOKED');
    expect(v.signers.map((s) => [summarizeCertificate(s.signer!).rpps, s.ok]).sort()).toEqual([['10101234567', true], ['10109999990', false]]);
  });

  it('-noattr (no signed attributes): signature over the content, RSA and ECDSA', async () => {
    cms(['-noattr', '-nodetach', '-binary', '-in', f('doc.txt'), ...signer('praticien'), '-outform', 'DER', '-out', f('na.p7s')]);
    const v = await verifySignatureFile(f('na.p7s'), opts({ clock: () => new Date() }));
    expect(v.ok).toBe(true);
    expect(v.signers[0]!.signingTime).toBeUndefined();
    cms(['-noattr', '-binary', '-in', f('doc.txt'), ...signer('ec'), '-outform', 'DER', '-out', f('na-ec.p7s')]);
    expect((await verifyDetached(f('na-ec.p7s'))).ok).toBe(true);
    const wrong = await verifyDetached(f('na.p7s').replace('na.p7s', 'na-ec.p7s'), f('other.txt'));
    expect(wrong.code).toBe('SIGNATURE_INVALID');
    // RSA without attributes over big content goes through the digest only.
    cms(['-noattr', '-stream', '-nodetach', '-binary', '-in', f('big.bin'), ...signer('praticien'), '-outform', 'DER', '-out', f('na-big.p7s')]);
    expect((await verifySignatureFile(f('na-big.p7s'), opts())).ok).toBe(true);
  });

  it('openssl smime -sign -md sha1: SHA-1 is broken since 2016 and nothing proves it was made before → INDETERMINATE, WEAK_ALGORITHM', async () => {
    runPeer('openssl', ['smime', '-sign', '-certfile', f('ca.pem'), '-md', 'sha1', '-binary', '-nodetach', '-in', f('doc.txt'), ...signer('praticien'), '-outform', 'DER', '-out', f('sha1.p7s')]);
    const v = await verifySignatureFile(f('sha1.p7s'), opts());
    expect(v.ok).toBe(false);
    expect(v.code).toBe('WEAK_ALGORITHM');
    expect(v.signers[0]!).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE', digestAlgorithm: 'SHA-1', weakAlgorithms: ['SHA-1'] });
  });

  // ------------------------------------------------------------------------------ negative cases

  it('tampered attached content → CONTENT_TAMPERED', async () => {
    cms(['-nodetach', '-binary', '-in', f('doc.txt'), ...signer('praticien'), '-outform', 'DER', '-out', f('t.p7s')]);
    const sig = new Uint8Array(readFileSync(f('t.p7s')));
    const at = Buffer.from(sig).indexOf('7 jours');
    expect(at).toBeGreaterThan(0);
    sig[at] = '8'.charCodeAt(0);
    const v = await verifySignature(sig, opts());
    expect(v.ok).toBe(false);
    expect(v.code).toBe('CONTENT_TAMPERED');
    expect(v.signers[0]!.problems.map((p) => p.code)).toEqual(['CONTENT_TAMPERED']);
  });

  it('tampered signature value → SIGNATURE_INVALID', async () => {
    const sig = new Uint8Array(readFileSync(f('d.p7s')));
    sig[sig.length - 5] ^= 0x01; // the last bytes are the RSA signature value
    const v = await verifySignature(sig, opts({ content: bytes(new TextEncoder().encode(DOC)) }));
    expect(v.ok).toBe(false);
    expect(v.code).toBe('SIGNATURE_INVALID');
  });

  it('wrong detached content → CONTENT_MISMATCH; no content at all → CONTENT_REQUIRED thrown', async () => {
    const v = await verifyDetached(f('d.p7s'), f('other.txt'));
    expect(v.ok).toBe(false);
    expect(v.code).toBe('CONTENT_MISMATCH');
    expect(await codeOfAsync(verifySignatureFile(f('d.p7s'), opts()))).toBe('CONTENT_REQUIRED');
  });

  it('content given for an attached signature → USAGE', async () => {
    expect(await codeOfAsync(verifySignatureFile(f('t.p7s'), opts({ content: readFileChunks(f('doc.txt')) })))).toBe('USAGE');
  });

  it('untrusted chain (another demo root) → CHAIN_UNTRUSTED', async () => {
    const other = await createDemoPki();
    const v = await verifyDetached(f('d.p7s'), f('doc.txt'), { trustAnchors: [X509Cert.fromDer(other.root)] });
    expect(v.ok).toBe(false);
    expect(v.code).toBe('CHAIN_UNTRUSTED');
    expect(v.signers[0]!.chain?.ok).toBe(false);
  });

  it('revoked signer → CERT_REVOKED, INDETERMINATE/REVOKED_NO_POE; a validation time before the revocation, with no revocation data from then, fails closed', async () => {
    cms(['-cades', '-binary', '-in', f('doc.txt'), ...signer('revoque'), '-outform', 'DER', '-out', f('rev.p7s')]);
    const v = await verifyDetached(f('rev.p7s'));
    expect(v.ok).toBe(false);
    expect(v.code).toBe('CERT_REVOKED');
    expect(v.signers[0]).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' });
    const revokedAt = v.signers[0]!.chain!.revocation[0]!.revokedAt!;
    // `at` before the revocation: the only CRL was issued after that time, so it cannot say what
    // was known then, and nothing else can: TRY_LATER, never valid.
    const at = new Date(revokedAt.getTime() - 60_000);
    const before = await verifyDetached(f('rev.p7s'), f('doc.txt'), { at });
    expect(before.ok).toBe(false);
    expect(before.signers[0]).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
    expect(before.signers[0]!.validatedAt).toEqual(at);
  });

  it.each([
    ['truncated', (b: Uint8Array) => b.subarray(0, Math.floor(b.length / 2))],
    ['truncated by one byte', (b: Uint8Array) => b.subarray(0, b.length - 1)],
    ['trailing bytes', (b: Uint8Array) => new Uint8Array([...b, 0x30, 0x00])],
    ['garbage', () => new Uint8Array(64).fill(0x5a)],
    ['empty', () => new Uint8Array(0)],
    ['a bad length', (b: Uint8Array) => { const c = b.slice(); c[1] = 0xff; return c; }],
  ])('malformed input (%s) → MALFORMED_ASN1 thrown', async (_name, mutate) => {
    const sig = mutate(new Uint8Array(readFileSync(f('t.p7s'))));
    expect(await codeOfAsync(verifySignature(sig, opts()))).toBe('MALFORMED_ASN1');
  });

  it('truncated BER stream from a file → MALFORMED_ASN1', async () => {
    const b = readFileSync(f('ber.p7s'));
    writeFileSync(f('ber-cut.p7s'), b.subarray(0, b.length - 300));
    expect(await codeOfAsync(verifySignatureFile(f('ber-cut.p7s'), opts()))).toBe('MALFORMED_ASN1');
  });

  it('not SignedData (openssl cms -data_create) → UNSUPPORTED_FORMAT', async () => {
    runPeer('openssl', ['cms', '-data_create', '-in', f('doc.txt'), '-outform', 'DER', '-out', f('data.der')]);
    expect(await codeOfAsync(verifySignatureFile(f('data.der'), opts()))).toBe('UNSUPPORTED_FORMAT');
  });

  // --------------------------------------------------------------------------- hand-built SignedData

  const content = new TextEncoder().encode(DOC);
  const sigCert = (): Uint8Array => pki.praticien.certificates[0]!;

  it('hand-built CAdES-B (signing-certificate-v2, then v1) is valid', async () => {
    for (const [ess, v2] of [[essV2, true], [essV1, false]] as const) {
      const der = buildSignedData({ content, signerCert: sigCert(), certificates: [sigCert(), pki.ca], key: pki.praticien.keys[0]!, signedAttrs: [ess(sigCert())] });
      const v = await verifySignature(der, opts());
      expect(v.ok).toBe(true);
      expect(v.signers[0]!.cades).toEqual({ signingCertificateV2: v2, signingCertificateV1: !v2, level: 'CAdES-B' });
    }
  });

  it('signing-certificate-v2 naming another certificate → SIGNING_CERT_MISMATCH (the signature itself is valid)', async () => {
    const der = buildSignedData({ content, signerCert: sigCert(), certificates: [sigCert(), pki.ca], key: pki.praticien.keys[0]!, signedAttrs: [essV2(pki.confrere.certificates[0]!)] });
    const v = await verifySignature(der, opts());
    expect(v.ok).toBe(false);
    expect(v.code).toBe('SIGNING_CERT_MISMATCH');
    expect(v.signers[0]!.problems.map((p) => p.code)).toEqual(['SIGNING_CERT_MISMATCH']);
  });

  it('signed attributes sent in BER: the signature over their DER re-encoding is accepted', async () => {
    const der = buildSignedData({ content, signerCert: sigCert(), certificates: [sigCert(), pki.ca], key: pki.praticien.keys[0]!, berSignedAttrs: true, signedAttrs: [essV2(sigCert())] });
    const v = await verifySignature(der, opts());
    expect(v.ok).toBe(true);
  });

  it('content-type attribute different from eContentType → SIGNATURE_INVALID', async () => {
    const der = buildSignedData({ content, signerCert: sigCert(), certificates: [sigCert(), pki.ca], key: pki.praticien.keys[0]!, signedAttrs: [attribute('1.2.840.113549.1.9.2', tlv(0x16, new TextEncoder().encode('x')))] });
    expect((await verifySignature(der, opts())).ok).toBe(true); // an unknown extra attribute is fine
    const bad = buildSignedData({ content, signerCert: sigCert(), certificates: [sigCert(), pki.ca], key: pki.praticien.keys[0]!, detached: false, signedAttrs: [] });
    // flip the content-type attribute OID's last arc (data .1 → .2, signedData) inside the signed attributes
    const buf = Buffer.from(bad);
    const needle = Buffer.from([...oid(OIDS.contentType), 0x31, 0x0b, ...oid(OIDS.data)]);
    const at = buf.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    buf[at + needle.length - 1] = 0x02;
    const v = await verifySignature(new Uint8Array(buf), opts());
    expect(v.code).toBe('SIGNATURE_INVALID');
    expect(v.signers[0]!.problems[0]!.message).toContain('content-type');
  });

  it('CAdES-T: a time-stamp token over the signature value (openssl ts) gives validatedAt = genTime', async () => {
    writeFileSync(f('tsa.pem'), formatPem('CERTIFICATE', pki.tsa.certificates[0]!));
    writeFileSync(f('tsa.key.pem'), pki.tsa.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string);
    writeFileSync(f('ts.cnf'), [
      '[ tsa ]', 'default_tsa = tsa_config', '[ tsa_config ]', `serial = ${f('tsaserial')}`, 'crypto_device = builtin',
      `signer_cert = ${f('tsa.pem')}`, `signer_key = ${f('tsa.key.pem')}`, 'signer_digest = sha256', 'default_policy = 1.2.3.4.1',
      'digests = sha256', 'accuracy = secs:1', 'ordering = no', 'tsa_name = yes', 'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', '',
    ].join('\n'));
    writeFileSync(f('tsaserial'), '01\n');
    const tokenFor = (value: Uint8Array): Uint8Array => {
      writeFileSync(f('sigvalue.bin'), value);
      runPeer('openssl', ['ts', '-query', '-data', f('sigvalue.bin'), '-sha256', '-cert', '-out', f('q.tsq')]);
      runPeer('openssl', ['ts', '-reply', '-config', f('ts.cnf'), '-queryfile', f('q.tsq'), '-token_out', '-out', f('tok.der')]);
      return new Uint8Array(readFileSync(f('tok.der')));
    };
    const signingTime = new Date(Date.now() - 30 * 60_000);
    const der = buildSignedData({
      content, signerCert: sigCert(), certificates: [sigCert(), pki.ca], key: pki.praticien.keys[0]!, signingTime, signedAttrs: [essV2(sigCert())],
      unsignedAttrs: (value) => [attribute(OIDS.timeStampToken, tokenFor(value))],
    });
    const v = await verifySignature(der, opts());
    expect(v.signers[0]!.problems).toEqual([]);
    expect(v.ok).toBe(true);
    const s = v.signers[0]!;
    expect(s.cades.level).toBe('CAdES-T');
    expect(s.timestamp?.imprintMatches).toBe(true);
    expect(s.timestamp?.tsa).toContain('HORODATAGE SCELLE DEMO');
    expect(Math.abs(s.timestamp!.genTime.getTime() - Date.now())).toBeLessThan(120_000);
    expect(s.bestSignatureTime).toEqual(s.timestamp!.genTime);
    expect(s.poe).toMatchObject({ origin: 'signature-timestamp', time: s.timestamp!.genTime });
    expect(s.signingTime!.getTime()).toBe(Math.floor(signingTime.getTime() / 1000) * 1000);

    // A token over something else proves nothing: reported with its code, the signature is not valid
    // (it claims a proof it does not give), and the signing-time is never used instead.
    const wrong = buildSignedData({
      content, signerCert: sigCert(), certificates: [sigCert(), pki.ca], key: pki.praticien.keys[0]!, signingTime, signedAttrs: [essV2(sigCert())],
      unsignedAttrs: () => [attribute(OIDS.timeStampToken, tokenFor(new TextEncoder().encode('another signature')))],
    });
    const w = await verifySignature(wrong, opts());
    expect(w.code).toBe('TIMESTAMP_IMPRINT_MISMATCH');
    expect(w.signers[0]).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'SIG_CONSTRAINTS_FAILURE' });
    expect(w.signers[0]!.timestamp?.imprintMatches).toBe(false);
    expect(w.signers[0]!.validatedAt).toEqual(w.signers[0]!.validationTime);
    expect(w.signers[0]!.poe).toBeUndefined();
  });

  it('sid by subjectKeyIdentifier (openssl cms -keyid)', async () => {
    cms(['-keyid', '-binary', '-in', f('doc.txt'), ...signer('praticien'), '-outform', 'DER', '-out', f('kid.p7s')]);
    const v = await verifyDetached(f('kid.p7s'));
    expect(v.ok).toBe(true);
    expect(v.signers[0]!.sid).toMatch(/^subjectKeyIdentifier=/);
  });

  // ---------------------------------------------------------------------------------------- gpgsm

  describe.skipIf(!havePeers('gpgsm', 'gpgconf'))('gpgsm', () => {
    let g: GpgsmHome;
    beforeAll(() => {
      g = createGpgsmHome(f('root.pem'));
      gpgsmImportP12(g, f('praticien.p12'), pki.praticien.password);
    });
    afterAll(() => g?.cleanup());

    it('gpgsm --sign --detach (RSA, demo practitioner p12): valid, who and when', async () => {
      const fp = `0x${sha1Fingerprint(pki.praticien.certificates[0]!, '')}`;
      const sig = gpgsmSignDetached(g, fp, f('doc.txt'), { password: pki.praticien.password, out: f('gpgsm.p7s') });
      expect(gpgsmVerify(g, sig, f('doc.txt')).stderr).toContain('Good signature');
      const v = await verifyDetached(sig);
      expect(v.ok).toBe(true);
      expectPraticien(v);
      const armored = gpgsmSignDetached(g, fp, f('doc.txt'), { password: pki.praticien.password, armor: true, out: f('gpgsm.pem') });
      expect((await verifySignature(new Uint8Array(readFileSync(armored)), opts({ content: readFileChunks(f('doc.txt')) }))).ok).toBe(true);
      const wrong = await verifyDetached(sig, f('other.txt'));
      expect(wrong.code).toBe('CONTENT_MISMATCH');
    });
  });
});
