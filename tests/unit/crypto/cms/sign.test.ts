/**
 * CAdES-B signing (src/crypto/cms/sign.ts) checked structure by structure with an independent
 * asn1js parse: SignedData/SignerInfo fields (RFC 5652 §5), the DER-sorted signed attributes and
 * what they hold (ETSI EN 319 122-1 §5.2, RFC 5035), the signature over the SET OF (RFC 5652
 * §5.4); refusals, batches and atomic output.
 */
import { createHash, generateKeyPairSync, randomBytes, verify as cryptoVerify, constants } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, signAttached, signDetached, signFile, signFiles, type SignFileOutcome, type SignOptions } from '../../../../src/crypto/cms/sign.js';
import { buildCertificate } from '../../../../src/crypto/cert-builder.js';
import { loadKeyAndCertIdentity, type IdentityEntry } from '../../../../src/crypto/identity.js';
import { ScelleError, isScelleError } from '../../../../src/errors.js';
import { makeTempDir } from '../../../helpers/tmp.js';
import { createSigningFixture, type SigningFixture } from '../../../helpers/sign-fixtures.js';

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
};

type Node = asn1js.AsnType & { valueBlock: { value: Node[]; valueHexView: Uint8Array; toString?: () => string }; valueBeforeDecodeView: Uint8Array };

const kids = (n: Node): Node[] => n.valueBlock.value;
const oidStr = (n: Node): string => (n as unknown as asn1js.ObjectIdentifier).valueBlock.toString();
const raw = (n: Node): Uint8Array => new Uint8Array(n.valueBeforeDecodeView);
const bytes = (n: Node): Uint8Array => new Uint8Array(n.valueBlock.valueHexView);
const sha = (alg: string, d: Uint8Array): Uint8Array => new Uint8Array(createHash(alg).update(d).digest());

function parse(der: Uint8Array): Node {
  const r = asn1js.fromBER(new Uint8Array(der));
  if (r.offset === -1) throw new Error(r.result.error);
  expect(r.offset).toBe(der.byteLength);
  return r.result as Node;
}

/** The parts of a ContentInfo(SignedData), parsed independently of the code under test. */
function dissect(der: Uint8Array) {
  const ci = parse(der);
  const [ctype, explicit] = kids(ci);
  expect(oidStr(ctype!)).toBe(OID.signedData);
  const sd = kids(kids(explicit!)[0]!);
  const [version, digestAlgs, encap, certs, signerInfos] = sd as [Node, Node, Node, Node, Node];
  expect(sd).toHaveLength(5);
  const si = kids(kids(signerInfos)[0]!);
  const [siVersion, sid, digestAlg, signedAttrs, sigAlg, signature] = si as [Node, Node, Node, Node, Node, Node];
  expect(si).toHaveLength(6);
  const attrs = kids(signedAttrs);
  const attr = (oid: string): Node => {
    const found = attrs.filter((a) => oidStr(kids(a)[0]!) === oid);
    expect(found).toHaveLength(1);
    const values = kids(kids(found[0]!)[1]!);
    expect(values).toHaveLength(1);
    return values[0]!;
  };
  return { version, digestAlgs, encap, certs, siVersion, sid, digestAlg, signedAttrs, sigAlg, signature, attrs, attr, signerInfo: raw(kids(signerInfos)[0]!) };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function codeOfAsync(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
  }
  return undefined;
}

describe('CAdES-B signing', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: SigningFixture;
  const at = new Date('2025-03-14T10:30:00.750Z');
  const clock = (): Date => at;
  const content = new TextEncoder().encode('Courrier de sortie — hospitalisation du 3 au 12 mars.\n');

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-sign-unit-'));
    fx = await createSigningFixture(dir);
  });
  afterAll(() => cleanup?.());

  const rsaOptions = (extra: Partial<SignOptions> = {}): SignOptions => ({ signer: fx.rsa, chain: fx.chain, clock, ...extra });

  describe('refusals', () => {
    it.each([
      ['hash sha1', { hash: 'sha1' }],
      ['hash SHA-1', { hash: 'SHA-1' }],
      ['hash md5', { hash: 'md5' }],
      ['scheme with SHA-1', { scheme: { type: 'rsa-pkcs1', hash: 'sha1' } }],
      ['hash sha224 (unsupported)', { hash: 'sha224' }],
    ])('%s: UNSUPPORTED_ALGORITHM with a message that says why', async (_n, extra) => {
      const opts = rsaOptions(extra as Partial<SignOptions>);
      expect(await codeOfAsync(() => signDetached(chunksOf('x'), opts))).toBe('UNSUPPORTED_ALGORITHM');
      try {
        createSigner(opts);
      } catch (e) {
        expect((e as Error).message).toMatch(/SHA-?1|MD5|sha224/i);
        expect((e as Error).message).toMatch(/SHA-256/);
      }
    });

    it('a scheme that does not fit the key: UNSUPPORTED_ALGORITHM; digest ≠ scheme hash: USAGE; PSS without a salt length: UNSUPPORTED_ALGORITHM', async () => {
      expect(await codeOfAsync(async () => createSigner(rsaOptions({ scheme: { type: 'ecdsa', hash: 'sha256' } })))).toBe('UNSUPPORTED_ALGORITHM');
      expect(await codeOfAsync(async () => createSigner({ signer: fx.ec, scheme: { type: 'rsa-pkcs1', hash: 'sha256' } }))).toBe('UNSUPPORTED_ALGORITHM');
      expect(await codeOfAsync(async () => createSigner(rsaOptions({ hash: 'sha512', scheme: { type: 'rsa-pkcs1', hash: 'sha256' } })))).toBe('USAGE');
      expect(await codeOfAsync(async () => createSigner(rsaOptions({ scheme: { type: 'rsa-pss', hash: 'sha256', saltLength: -1 } })))).toBe('UNSUPPORTED_ALGORITHM');
    });
  });

  describe('the SignedData structure', () => {
    it('SignedData v1, digestAlgorithms {sha256} without parameters, id-data without eContent, certificates signer first then the chain, deduplicated', async () => {
      const root = fx.chain.find((c) => c.isSelfIssued())!;
      const ca = fx.chain.find((c) => !c.isSelfIssued())!;
      const der = await signDetached([content], rsaOptions({ chain: [fx.rsa.certificate, ca, root, ca] }));
      const d = dissect(der);
      expect(bytes(d.version)).toEqual(Uint8Array.of(1));
      expect(kids(d.digestAlgs)).toHaveLength(1);
      expect(raw(kids(d.digestAlgs)[0]!)).toEqual(raw(d.digestAlg));
      expect(kids(d.digestAlg).map(oidStr)).toEqual([OID.sha256]); // parameters absent (RFC 5754 §2)
      expect(kids(d.encap).map(oidStr)).toEqual([OID.data]); // detached: no eContent
      expect(d.certs.idBlock.tagClass).toBe(3);
      expect(d.certs.idBlock.tagNumber).toBe(0);
      expect(kids(d.certs).map(raw)).toEqual([fx.rsa.certificate.der, ca.der, root.der]);
      expect(bytes(d.siVersion)).toEqual(Uint8Array.of(1));
      // issuerAndSerialNumber copied from the certificate
      expect(raw(kids(d.sid)[0]!)).toEqual(fx.rsa.certificate.issuerDer);
      expect(raw(kids(d.sid)[1]!)).toEqual(fx.rsa.certificate.serialNumberDer);
      // RSA PKCS#1 v1.5 is named rsaEncryption with NULL parameters, as openssl writes it
      expect(oidStr(kids(d.sigAlg)[0]!)).toBe(OID.rsaEncryption);
      expect(raw(kids(d.sigAlg)[1]!)).toEqual(Uint8Array.of(5, 0));
    });

    it('exactly the four CAdES-B signed attributes, DER-sorted, and the signature covers their SET OF (tag 0x31)', async () => {
      const der = await signDetached([content], rsaOptions());
      const d = dissect(der);
      expect(d.attrs.map((a) => oidStr(kids(a)[0]!)).sort()).toEqual([OID.contentType, OID.messageDigest, OID.signingTime, OID.signingCertificateV2].sort());
      const encodings = d.attrs.map(raw);
      expect([...encodings].sort(compareBytes)).toEqual(encodings);
      expect(oidStr(d.attr(OID.contentType))).toBe(OID.data);

      const signedAttrs = raw(d.signedAttrs);
      expect(signedAttrs[0]).toBe(0xa0); // [0] IMPLICIT in the SignerInfo
      const set = Uint8Array.from(signedAttrs);
      set[0] = 0x31;
      expect(cryptoVerify('sha256', set, { key: fx.rsa.certificate.publicKey, padding: constants.RSA_PKCS1_PADDING }, bytes(d.signature))).toBe(true);
      expect(cryptoVerify('sha256', signedAttrs, { key: fx.rsa.certificate.publicKey, padding: constants.RSA_PKCS1_PADDING }, bytes(d.signature))).toBe(false);
    });

    it('message-digest is the SHA-256 of the content, however it is chunked', async () => {
      const a = dissect(await signDetached(chunksOf('Courrier de sortie — ', '', 'hospitalisation du 3 au 12 mars.\n'), rsaOptions()));
      expect(bytes(a.attr(OID.messageDigest))).toEqual(sha('sha256', content));
    });

    it('signing-time is the injected clock (UTCTime, whole seconds), or signingTime when given', async () => {
      const d = dissect(await signDetached([content], rsaOptions()));
      const t = d.attr(OID.signingTime);
      expect(t.idBlock.tagNumber).toBe(23); // UTCTime
      expect(new TextDecoder().decode(bytes(t))).toBe('250314103000Z');
      const fixed = dissect(await signDetached([content], rsaOptions({ signingTime: new Date('2031-12-31T23:59:59Z') })));
      expect(new TextDecoder().decode(bytes(fixed.attr(OID.signingTime)))).toBe('311231235959Z');
    });

    it.each([
      ['2050-01-01T00:00:00Z', 24, '20500101000000Z'],
      ['2049-12-31T23:59:59Z', 23, '491231235959Z'],
      ['1949-06-01T12:00:00Z', 24, '19490601120000Z'],
    ])('signing-time %s: tag %i %s (RFC 5652 §11.3)', async (iso, tag, text) => {
      const d = dissect(await signDetached([content], rsaOptions({ signingTime: new Date(iso) })));
      const t = d.attr(OID.signingTime);
      expect(t.idBlock.tagNumber).toBe(tag);
      expect(new TextDecoder().decode(bytes(t))).toBe(text);
    });

    it('signing-certificate-v2: one ESSCertIDv2, hashAlgorithm omitted (SHA-256 DEFAULT), certHash = sha256(cert DER), issuerSerial = directoryName(issuer) + serial', async () => {
      const d = dissect(await signDetached([content], rsaOptions()));
      const signingCertificateV2 = d.attr(OID.signingCertificateV2);
      expect(kids(signingCertificateV2)).toHaveLength(1); // certs only, no policies
      const certIds = kids(kids(signingCertificateV2)[0]!);
      expect(certIds).toHaveLength(1);
      const [certHash, issuerSerial] = kids(certIds[0]!) as [Node, Node];
      expect(kids(certIds[0]!)).toHaveLength(2);
      expect(certHash.idBlock.tagNumber).toBe(4); // an OCTET STRING first: no hashAlgorithm
      expect(bytes(certHash)).toEqual(sha('sha256', fx.rsa.certificate.der));
      const [generalNames, serial] = kids(issuerSerial) as [Node, Node];
      const names = kids(generalNames);
      expect(names).toHaveLength(1);
      expect(names[0]!.idBlock.tagClass).toBe(3);
      expect(names[0]!.idBlock.tagNumber).toBe(4); // directoryName
      expect(raw(kids(names[0]!)[0]!)).toEqual(fx.rsa.certificate.issuerDer);
      expect(raw(serial)).toEqual(fx.rsa.certificate.serialNumberDer);
    });

    it('RSA-PSS: id-RSASSA-PSS with the hash, MGF1 hash and salt length spelled out (RFC 4055 §3.1)', async () => {
      const d = dissect(await signDetached([content], rsaOptions({ scheme: { type: 'rsa-pss', hash: 'sha256', saltLength: 32 } })));
      const [oid, params] = kids(d.sigAlg) as [Node, Node];
      expect(oidStr(oid)).toBe(OID.rsassaPss);
      const [h, mgf, salt] = kids(params) as [Node, Node, Node];
      expect(kids(params)).toHaveLength(3);
      expect(oidStr(kids(kids(h)[0]!)[0]!)).toBe(OID.sha256);
      const mgfAlg = kids(kids(mgf)[0]!);
      expect(oidStr(mgfAlg[0]!)).toBe(OID.mgf1);
      expect(oidStr(kids(mgfAlg[1]!)[0]!)).toBe(OID.sha256);
      expect(bytes(kids(salt)[0]!)).toEqual(Uint8Array.of(32));
      const set = Uint8Array.from(raw(d.signedAttrs));
      set[0] = 0x31;
      expect(cryptoVerify('sha256', set, { key: fx.rsa.certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, bytes(d.signature))).toBe(true);
    });

    it('rsaSignatureOid shaWithRSAEncryption names sha256WithRSAEncryption', async () => {
      const d = dissect(await signDetached([content], rsaOptions({ rsaSignatureOid: 'shaWithRSAEncryption' })));
      expect(oidStr(kids(d.sigAlg)[0]!)).toBe(OID.sha256WithRSAEncryption);
    });

    it('a P-384 key defaults to SHA-384 and ecdsa-with-SHA384 (no parameters)', async () => {
      const keys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const cert = buildCertificate({
        subject: [{ type: 'CN', value: 'P-384 DEMO' }], issuerCertificate: fx.pki.ca, publicKey: keys.publicKey, signingKey: fx.pki.caKey,
        notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), keyUsage: ['nonRepudiation'],
      });
      const id = await loadKeyAndCertIdentity(new Uint8Array(keys.privateKey.export({ type: 'pkcs8', format: 'der' })), cert);
      const signer = createSigner({ signer: id.entries[0]!, clock });
      expect(signer.hash).toBe('sha384');
      const d = dissect(await signer.signDetached([content]));
      expect(kids(d.digestAlg).map(oidStr)).toEqual([OID.sha384]);
      expect(kids(d.sigAlg).map(oidStr)).toEqual([OID.ecdsaWithSHA384]);
      expect(bytes(d.attr(OID.messageDigest))).toEqual(sha('sha384', content));
      const set = Uint8Array.from(raw(d.signedAttrs));
      set[0] = 0x31;
      expect(cryptoVerify('sha384', set, { key: keys.publicKey, dsaEncoding: 'der' }, bytes(d.signature))).toBe(true);
    });
  });

  describe('attached (BER, streamed)', () => {
    it('indefinite lengths, the content as OCTET STRING segments, and the same SignerInfo as the detached form', async () => {
      const written: Uint8Array[] = [];
      await signAttached(chunksOf('Courrier de sortie — ', '', 'hospitalisation du 3 au 12 mars.\n'), rsaOptions(), async (c) => {
        written.push(Uint8Array.from(c));
      });
      const ber = Buffer.concat(written);
      expect([...ber.subarray(0, 2)]).toEqual([0x30, 0x80]);
      expect([...ber.subarray(-6)]).toEqual([0, 0, 0, 0, 0, 0]);
      const d = dissect(new Uint8Array(ber));
      const [ctype, eContent] = kids(d.encap) as [Node, Node];
      expect(oidStr(ctype)).toBe(OID.data);
      const octets = kids(eContent)[0]!;
      expect(octets.idBlock.isConstructed).toBe(true);
      const segments = kids(octets).map(bytes);
      const enc = (x: string): number => new TextEncoder().encode(x).byteLength;
      expect(segments.map((s) => s.byteLength)).toEqual([enc('Courrier de sortie — '), enc('hospitalisation du 3 au 12 mars.\n')]); // empty chunk skipped
      expect(Buffer.concat(segments)).toEqual(Buffer.from(content));
      // RSA PKCS#1 v1.5 is deterministic: same attributes, same signature, same SignerInfo
      const detached = dissect(await signDetached([content], rsaOptions()));
      expect(d.signerInfo).toEqual(detached.signerInfo);
      expect(kids(d.certs).map(raw)).toEqual(kids(detached.certs).map(raw));
    });

    it('an empty content is a constructed OCTET STRING with no segments', async () => {
      const written: Uint8Array[] = [];
      await signAttached([], rsaOptions(), async (c) => {
        written.push(Uint8Array.from(c));
      });
      const d = dissect(new Uint8Array(Buffer.concat(written)));
      expect(kids(kids(kids(d.encap)[1]!)[0]!)).toHaveLength(0);
      expect(bytes(d.attr(OID.messageDigest))).toEqual(sha('sha256', new Uint8Array(0)));
    });
  });

  describe('content errors', () => {
    it('a source that fails mid-way: IO_ERROR; a source of strings: USAGE; a ScelleError passes through', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(10);
        throw new Error('disk unplugged');
      }
      expect(await codeOfAsync(() => signDetached(failing(), rsaOptions()))).toBe('IO_ERROR');
      expect(await codeOfAsync(() => signDetached(['text'] as unknown as Uint8Array[], rsaOptions()))).toBe('USAGE');
      async function* scelleFailing(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(1);
        throw new ScelleError('CONTENT_TAMPERED', 'x');
      }
      expect(await codeOfAsync(() => signDetached(scelleFailing(), rsaOptions()))).toBe('CONTENT_TAMPERED');
    });
  });

  describe('files', () => {
    let n = 0;
    const fresh = (): string => {
      const d = join(dir, `files-${++n}`);
      mkdirSync(d);
      return d;
    };
    const failingSigner = (): IdentityEntry => ({
      ...fx.rsa,
      key: { kind: 'pkcs11', keyType: 'rsa', sign: async () => { throw new ScelleError('PKCS11_ERROR', 'the card was removed'); } },
    });

    it('signFile: `<file>.p7s`, digest and sizes reported; the signature matches the file', async () => {
      const d = fresh();
      const f = join(d, 'lettre.txt');
      writeFileSync(f, content);
      const r = await signFile(f, rsaOptions());
      expect(r).toMatchObject({ outPath: `${f}.p7s`, bytes: content.byteLength, hash: 'sha256', digestHex: Buffer.from(sha('sha256', content)).toString('hex') });
      const der = new Uint8Array(readFileSync(r.outPath));
      expect(r.signatureBytes).toBe(der.byteLength);
      expect(bytes(dissect(der).attr(OID.messageDigest))).toEqual(sha('sha256', content));
    });

    it.each([false, true])('a named pipe (not seekable) is read in order, attached=%s', async (attached) => {
      const d = fresh();
      const fifo = join(d, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const data = randomBytes(3 * 1024 * 1024 + 5); // several 1 MiB reads
      const writer = spawn('sh', ['-c', `cat > '${fifo}'`], { stdio: ['pipe', 'ignore', 'inherit'] });
      writer.stdin.end(data);
      const r = await signFile(fifo, { ...rsaOptions(), attached, outPath: join(d, 'pipe.sig') });
      expect(r.bytes).toBe(data.byteLength);
      expect(r.digestHex).toBe(createHash('sha256').update(data).digest('hex'));
    });

    it('a file larger than one read: the digest covers every byte, detached and attached', async () => {
      const d = fresh();
      const f = join(d, 'grand.bin');
      const data = randomBytes(5 * 1024 * 1024 + 1234);
      writeFileSync(f, data);
      const det = await signFile(f, rsaOptions());
      const att = await signFile(f, { ...rsaOptions(), attached: true });
      const expected = createHash('sha256').update(data).digest('hex');
      expect(det.digestHex).toBe(expected);
      expect(att.digestHex).toBe(expected);
      const ber = new Uint8Array(readFileSync(att.outPath));
      const segments = kids(kids(kids(dissect(ber).encap)[1]!)[0]!).map(bytes);
      // Buffer.equals: vitest's toEqual walks 5 MB element by element (close to a minute).
      expect(Buffer.concat(segments).equals(data)).toBe(true);
    });

    it.each([false, true])('atomic (attached=%s): a failure mid-way leaves no output and no temp file, and an older output untouched', async (attached) => {
      const d = fresh();
      const f = join(d, 'lettre.txt');
      writeFileSync(f, new Uint8Array(300_000)); // several 64 KiB chunks already written when signing fails
      expect(await codeOfAsync(() => signFile(f, { signer: failingSigner(), attached }))).toBe('PKCS11_ERROR');
      expect(readdirSync(d)).toEqual(['lettre.txt']);
      const out = `${f}${attached ? '.p7m' : '.p7s'}`;
      writeFileSync(out, 'previous signature');
      expect(await codeOfAsync(() => signFile(f, { signer: failingSigner(), attached }))).toBe('PKCS11_ERROR');
      expect(readdirSync(d).sort()).toEqual(['lettre.txt', `lettre.txt${attached ? '.p7m' : '.p7s'}`]);
      expect(readFileSync(out, 'utf8')).toBe('previous signature');
    });

    it('signFile: missing file FILE_NOT_FOUND, a folder NOT_A_FILE, output over the input USAGE, exclusive over an existing output OUTPUT_EXISTS', async () => {
      const d = fresh();
      const f = join(d, 'lettre.txt');
      writeFileSync(f, content);
      expect(await codeOfAsync(() => signFile(join(d, 'absent.txt'), rsaOptions()))).toBe('FILE_NOT_FOUND');
      expect(await codeOfAsync(() => signFile(d, rsaOptions()))).toBe('NOT_A_FILE');
      expect(await codeOfAsync(() => signFile(f, { ...rsaOptions(), outPath: f }))).toBe('USAGE');
      writeFileSync(`${f}.p7s`, 'keep me');
      expect(await codeOfAsync(() => signFile(f, { ...rsaOptions(), exclusive: true }))).toBe('OUTPUT_EXISTS');
      expect(readFileSync(`${f}.p7s`, 'utf8')).toBe('keep me');
      expect(readdirSync(d).sort()).toEqual(['lettre.txt', 'lettre.txt.p7s']);
    });

    it('batch: an unreadable file is reported (FILE_NOT_FOUND) and the others are signed', async () => {
      const d = fresh();
      const paths = ['a.txt', 'absent.txt', 'b.txt', 'c.txt'].map((x) => join(d, x));
      for (const p of paths) if (!p.endsWith('absent.txt')) writeFileSync(p, `lettre ${p}\n`);
      const seen: SignFileOutcome[] = [];
      const outcomes = await signFiles(paths, rsaOptions(), { concurrency: 2, onResult: (o) => seen.push(o) });
      expect(outcomes.map((o) => o.path)).toEqual(paths);
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'FILE_NOT_FOUND', 'ok', 'ok']);
      expect(seen).toHaveLength(4);
      for (const o of outcomes) {
        if (!o.ok) continue;
        const der = new Uint8Array(readFileSync(o.result.outPath));
        expect(bytes(dissect(der).attr(OID.messageDigest))).toEqual(sha('sha256', new Uint8Array(readFileSync(o.path))));
      }
      expect(existsSync(join(d, 'absent.txt.p7s'))).toBe(false);
    });

    it('batch: at most `concurrency` signatures in flight', async () => {
      const d = fresh();
      const paths = Array.from({ length: 9 }, (_, i) => join(d, `l${i}.txt`));
      for (const p of paths) writeFileSync(p, p);
      let inFlight = 0;
      let peak = 0;
      const counting: IdentityEntry = {
        ...fx.rsa,
        key: {
          ...fx.rsa.key,
          sign: async (scheme, data) => {
            peak = Math.max(peak, ++inFlight);
            await new Promise((r) => setTimeout(r, 5));
            try {
              return await fx.rsa.key.sign(scheme, data);
            } finally {
              inFlight--;
            }
          },
        },
      };
      const outcomes = await signFiles(paths, { signer: counting }, { concurrency: 3 });
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(peak).toBe(3);
    });

    it('batch with outDir: two files of the same name do not overwrite each other (USAGE for the second)', async () => {
      const d = fresh();
      mkdirSync(join(d, 'x'));
      mkdirSync(join(d, 'y'));
      const paths = [join(d, 'x', 'lettre.txt'), join(d, 'y', 'lettre.txt')];
      for (const p of paths) writeFileSync(p, p);
      const out = join(d, 'out');
      const outcomes = await signFiles(paths, rsaOptions(), { outDir: out, concurrency: 1 });
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'USAGE']);
      expect(readdirSync(out)).toEqual(['lettre.txt.p7s']);
    });
  });
});
