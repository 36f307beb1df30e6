/**
 * The validation engine on RFC 3161 tokens (src/validation/timestamp.ts) and CAdES-T
 * (src/timestamp/cades-t.ts + verifySignature) without peers: hand-built tokens
 * (tests/helpers/tst-build.ts) over the demo PKI's TSA identity. The openssl-made tokens are in
 * tests/interop/timestamp-verify-*.test.ts.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../../src/crypto/cms/sign.js';
import { createDemoPki, type DemoPki } from '../../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate, type IdentityEntry } from '../../../src/crypto/identity.js';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../../src/crypto/x509/crl.js';
import { isScelleError } from '../../../src/errors.js';
import { addSignatureTimestamp } from '../../../src/timestamp/cades-t.js';
import { buildTimeStampResp } from '../../../src/timestamp/tsp.js';
import { hashForTimestamp, imprintFromDigest, imprintHashOfResponse } from '../../../src/timestamp/imprint.js';
import { verifyTimestampResponse, verifyTimestampToken, type VerifyTimestampOptions } from '../../../src/validation/timestamp.js';
import { verifySignature } from '../../../src/validation/verify-signature.js';
import { codeOf } from '../../helpers/errors.js';
import { buildTstInfo, grantedResponse, signTstInfo, type TstFields } from '../../helpers/tst-build.js';

const data = new TextEncoder().encode('résultats biologiques du 12 mars');
const digest = new Uint8Array(createHash('sha256').update(data).digest());

let pki: DemoPki;
let signer: IdentityEntry;
beforeAll(async () => {
  pki = await createDemoPki();
  signer = selectCertificate(loadPkcs12Identity(pki.praticien.p12, pki.praticien.password), 'sign').entry;
});

const token = (f: Partial<TstFields> = {}): Uint8Array => {
  const cert = pki.tsa.certificates[0]!;
  return signTstInfo(buildTstInfo({ imprint: digest, ...f }, cert), { cert, key: pki.tsa.keys[0]!, certs: [cert, pki.ca] });
};
const options = (extra: Partial<VerifyTimestampOptions> = {}): VerifyTimestampOptions => ({
  trustAnchors: [X509Cert.fromDer(pki.root)],
  crls: [...parseCrls(pki.crl), ...parseCrls(pki.rootCrl)],
  expected: { hash: 'sha256', imprint: digest },
  ...extra,
});

describe('expectations', () => {
  it('hashForTimestamp: one-shot, sync chunks and async chunks agree', async () => {
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield data.subarray(0, 3);
      yield data.subarray(3);
    }
    const one = await hashForTimestamp(data);
    expect(one.imprint).toEqual(digest);
    expect((await hashForTimestamp([data.subarray(0, 5), data.subarray(5)])).imprint).toEqual(digest);
    expect((await hashForTimestamp(gen())).imprint).toEqual(digest);
    expect((await hashForTimestamp(data, 'sha512')).imprint).toHaveLength(64);
  });

  it.each([
    ['sha256', 'ab', 'USAGE'],
    ['sha256', 'zz'.repeat(32), 'USAGE'],
    ['sha1', 'ab'.repeat(20), 'UNSUPPORTED_ALGORITHM'],
    ['md5', 'ab'.repeat(16), 'UNSUPPORTED_ALGORITHM'],
  ])('imprintFromDigest(%s, …) refuses: %s', (hash, hex, code) => {
    expect(codeOf(() => imprintFromDigest(hash as 'sha256', hex))).toBe(code);
  });

  it('imprintFromDigest accepts hex with colons', () => {
    const hex = Buffer.from(digest).toString('hex').match(/../g)!.join(':');
    expect(imprintFromDigest('sha256', hex).imprint).toEqual(digest);
  });
});

describe('verifyTimestampToken / verifyTimestampResponse', () => {
  it('a good token, bare and in a response; imprintHashOfResponse reads its hash', async () => {
    const t = token({ nonce: Uint8Array.of(0, 7), policy: '1.2.3.4' });
    const v = await verifyTimestampToken(t, options({ nonce: 7n, policy: '1.2.3.4' }));
    expect(v.problems).toEqual([]);
    expect(v.nonce).toBe('07');
    expect((await verifyTimestampResponse(grantedResponse(t), options())).ok).toBe(true);
    expect(imprintHashOfResponse(grantedResponse(token({ hash: 'sha384', imprint: new Uint8Array(48) })))).toBe('sha384');
    expect(imprintHashOfResponse(grantedResponse(token({ hash: 'sha1', imprint: new Uint8Array(20) })))).toBeUndefined();
  });

  it('a SHA-1 imprint is never what is expected → TIMESTAMP_IMPRINT_MISMATCH naming SHA1', async () => {
    const v = await verifyTimestampToken(token({ hash: 'sha1', imprint: new Uint8Array(createHash('sha1').update(data).digest()) }), options());
    expect(v.code).toBe('TIMESTAMP_IMPRINT_MISMATCH');
    expect(v.problems[0]!.message).toMatch(/SHA1/);
  });

  it('a genTime in the future → TIMESTAMP_INVALID', async () => {
    const v = await verifyTimestampToken(token({ genTime: new Date(Date.now() + 3600_000) }), options());
    expect(v.code).toBe('TIMESTAMP_INVALID');
    expect(v.problems[0]!.message).toMatch(/future/);
  });

  it('rejection statuses → TIMESTAMP_REJECTED with status, text and failInfo', async () => {
    const resp = buildTimeStampResp({ status: 2, statusStrings: ['policy not supported'], failInfo: ['unacceptedPolicy', 'badAlg'] });
    const v = await verifyTimestampResponse(resp, options());
    expect(v).toMatchObject({ ok: false, code: 'TIMESTAMP_REJECTED', status: 2, statusText: 'policy not supported' });
    expect(v.failInfo).toEqual(['badAlg', 'unacceptedPolicy']);
    expect(v.problems[0]!.message).toContain('"policy not supported"');
    expect((await verifyTimestampResponse(buildTimeStampResp({ status: 3 }), options())).code).toBe('TIMESTAMP_REJECTED');
  });

  it('a status that contradicts the token → MALFORMED_ASN1 (RFC 3161 §2.4.2)', async () => {
    await expect(verifyTimestampResponse(buildTimeStampResp({ status: 0 }), options())).rejects.toSatisfy((e) => isScelleError(e, 'MALFORMED_ASN1'));
    await expect(verifyTimestampResponse(buildTimeStampResp({ status: 2, token: token() }), options())).rejects.toSatisfy((e) => isScelleError(e, 'MALFORMED_ASN1'));
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['garbage', Uint8Array.of(0x30, 0x03, 0x02, 0x01)],
    ['an INTEGER', Uint8Array.of(0x02, 0x01, 0x00)],
  ])('%s → MALFORMED_ASN1 thrown', async (_n, bytes) => {
    await expect(verifyTimestampToken(bytes, options())).rejects.toSatisfy((e) => isScelleError(e, 'MALFORMED_ASN1'));
  });

  it('a token with a negative serial number verifies (RFC 3161 does not forbid it), its serial keeps the sign', async () => {
    const v = await verifyTimestampToken(token({ serialContents: Uint8Array.of(0xff, 0x01) }), options());
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.serialNumber).toBe('-ff');
  });

  it('the TSA certificate is checked at the validation time: expired since → INDETERMINATE / OUT_OF_BOUNDS_NO_POE', async () => {
    const later = new Date(X509Cert.fromDer(pki.tsa.certificates[0]!).notAfter.getTime() + 86_400_000);
    const v = await verifyTimestampToken(token(), options({ at: later, revocation: 'skip' }));
    expect(v.ok).toBe(false);
    expect(v.code).toBe('CERT_EXPIRED');
    expect(v.indication).toBe('INDETERMINATE');
    expect(v.subIndication).toBe('OUT_OF_BOUNDS_NO_POE');
  });

  it('without revocation data for the TSA the verdict fails closed (REVOCATION_UNAVAILABLE, TRY_LATER)', async () => {
    const v = await verifyTimestampToken(token(), { ...options(), crls: [] });
    expect(v.ok).toBe(false);
    expect(v.code).toBe('REVOCATION_UNAVAILABLE');
    expect(v.subIndication).toBe('TRY_LATER');
  });

  it('every problem is reported, in order, with its own code', async () => {
    const t = token({ nonce: Uint8Array.of(1), policy: '1.2.3.5', imprint: new Uint8Array(32) });
    const v = await verifyTimestampToken(t, options({ nonce: Uint8Array.of(2), policy: '1.2.3.4' }));
    expect(v.problems.map((p) => p.code)).toEqual(['TIMESTAMP_IMPRINT_MISMATCH', 'TIMESTAMP_NONCE_MISMATCH', 'TIMESTAMP_POLICY_MISMATCH']);
    expect(v.code).toBe('TIMESTAMP_IMPRINT_MISMATCH');
  });
});

describe('CAdES-T with a fake TSA', () => {
  it('adds one token per signer over the signature value; the verdicts check it', async () => {
    const sig = await signDetached([data], { signer });
    const seen: Uint8Array[] = [];
    const out = await addSignatureTimestamp(sig, async (hash, imprint) => {
      expect(hash).toBe('sha384');
      seen.push(imprint);
      return token({ hash: 'sha384', imprint });
    }, { hash: 'sha384' });
    expect(seen).toHaveLength(1);
    const v = await verifySignature(out, { ...options(), extraCertificates: [X509Cert.fromDer(pki.ca)], content: (async function* () { yield data; })() });
    const s = v.signers[0]!;
    expect(s.problems).toEqual([]);
    expect(s.timestamps[0]!.problems).toEqual([]);
    expect(s.ok).toBe(true);
    expect(s.cades.level).toBe('CAdES-T');
    expect(s.timestamp?.verified).toBe(true);
  });

  it('a token dated in the future is refused when it is added, not discovered at verify', async () => {
    const sig = await signDetached([data], { signer });
    await expect(addSignatureTimestamp(sig, async (hash, imprint) => token({ hash, imprint, genTime: new Date(Date.now() + 3600_000) })))
      .rejects.toSatisfy((e) => isScelleError(e, 'TIMESTAMP_INVALID'));
    await expect(addSignatureTimestamp(sig, async (hash) => token({ hash, imprint: new Uint8Array(32) })))
      .rejects.toSatisfy((e) => isScelleError(e, 'TIMESTAMP_IMPRINT_MISMATCH'));
  });

  it('a token that cannot be read is refused when added (MALFORMED_ASN1)', async () => {
    const sig = await signDetached([data], { signer });
    await expect(addSignatureTimestamp(sig, async () => Uint8Array.of(1, 2, 3))).rejects.toSatisfy((e) => isScelleError(e, 'MALFORMED_ASN1'));
  });

  it('refuses what is not a SignedData', async () => {
    // ContentInfo { id-data, [0] OCTET STRING {} }
    const dataCi = Uint8Array.from(Buffer.from('300f06092a864886f70d010701a0020400', 'hex'));
    await expect(addSignatureTimestamp(dataCi, async () => token())).rejects.toSatisfy((e) => isScelleError(e, 'UNSUPPORTED_FORMAT'));
    await expect(addSignatureTimestamp(Uint8Array.of(0x30, 0x80), async () => token())).rejects.toSatisfy((e) => isScelleError(e, 'MALFORMED_ASN1'));
  });
});
