/** src/timestamp/tsp.ts: TimeStampReq/Resp encoding round trips and strict parsing. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildTimeStampReq,
  buildTimeStampResp,
  encodeAccuracy,
  encodeGeneralizedTime,
  normalizeUnsigned,
  parseTimeStampReq,
  parseTimeStampResp,
  parseTstInfo,
  unsignedInteger,
} from '../../../src/timestamp/tsp.js';
import { sequence, smallInteger, algorithmIdentifier, octetString, tlv } from '../../../src/crypto/asn1/der.js';
import { isScelleError } from '../../../src/errors.js';
import { caught, codeOf } from '../../helpers/errors.js';

const imprint = (n = 32): Uint8Array => new Uint8Array(createHash(n === 32 ? 'sha256' : n === 48 ? 'sha384' : 'sha512').update('x').digest());

describe('TimeStampReq', () => {
  it.each([
    { hash: 'sha256' as const, len: 32 },
    { hash: 'sha384' as const, len: 48 },
    { hash: 'sha512' as const, len: 64 },
  ])('round-trips $hash with nonce, policy, certReq', ({ hash, len }) => {
    const req = { hash, imprint: imprint(len), nonce: Uint8Array.of(0x00, 0x80, 0x01), certReq: true, policy: '1.2.3.4.5' };
    const parsed = parseTimeStampReq(buildTimeStampReq(req));
    expect(parsed.hash).toBe(hash);
    expect(Buffer.from(parsed.imprint)).toEqual(Buffer.from(req.imprint));
    expect(Buffer.from(parsed.nonce!)).toEqual(Buffer.from([0x80, 0x01]));
    expect(parsed.certReq).toBe(true);
    expect(parsed.policy).toBe('1.2.3.4.5');
  });

  it('omits certReq when false (DER DEFAULT) and the optional fields when absent', () => {
    const der = buildTimeStampReq({ hash: 'sha256', imprint: imprint(), certReq: false });
    expect(der.byteLength).toBe(2 + 3 + 2 + 13 + 34); // SEQ{INTEGER 1, SEQ{SEQ{OID}, OCTET STRING 32}}
    const parsed = parseTimeStampReq(der);
    expect(parsed.certReq).toBe(false);
    expect(parsed.nonce).toBeUndefined();
    expect(parsed.policy).toBeUndefined();
  });

  it('writes a nonce with the high bit set as a positive INTEGER', () => {
    expect(Buffer.from(unsignedInteger(Uint8Array.of(0xff)))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0xff]));
    expect(Buffer.from(unsignedInteger(Uint8Array.of(0, 0, 5)))).toEqual(Buffer.from([0x02, 0x01, 0x05]));
    expect(Buffer.from(normalizeUnsigned(new Uint8Array(3)))).toEqual(Buffer.from([0]));
  });

  it('refuses to build SHA-1 requests and imprints of the wrong length', () => {
    expect(codeOf(() => buildTimeStampReq({ hash: 'sha1' as never, imprint: new Uint8Array(20), certReq: false }))).toBe('UNSUPPORTED_ALGORITHM');
    expect(codeOf(() => buildTimeStampReq({ hash: 'sha256', imprint: new Uint8Array(31), certReq: false }))).toBe('USAGE');
  });

  const reqWith = (parts: Uint8Array[]): Uint8Array => sequence(...parts);
  const mi = (oid: string, len: number): Uint8Array => sequence(algorithmIdentifier(oid), octetString(new Uint8Array(len)));

  it.each([
    { name: 'garbage', der: Uint8Array.from(Buffer.from('hello, TSA')), code: 'MALFORMED_ASN1', failInfo: 'badDataFormat' },
    { name: 'truncated', der: buildTimeStampReq({ hash: 'sha256', imprint: imprint(), certReq: true }).subarray(0, 20), code: 'MALFORMED_ASN1', failInfo: 'badDataFormat' },
    { name: 'trailing byte', der: Uint8Array.from([...buildTimeStampReq({ hash: 'sha256', imprint: imprint(), certReq: true }), 0]), code: 'MALFORMED_ASN1', failInfo: 'badDataFormat' },
    { name: 'an OCTET STRING', der: octetString(new Uint8Array(4)), code: 'MALFORMED_ASN1', failInfo: 'badDataFormat' },
    { name: 'version 2', der: reqWith([smallInteger(2), mi('2.16.840.1.101.3.4.2.1', 32)]), code: 'MALFORMED_ASN1', failInfo: 'badRequest' },
    { name: 'a 31-byte SHA-256 imprint', der: reqWith([smallInteger(1), mi('2.16.840.1.101.3.4.2.1', 31)]), code: 'MALFORMED_ASN1', failInfo: 'badRequest' },
    { name: 'a negative nonce', der: reqWith([smallInteger(1), mi('2.16.840.1.101.3.4.2.1', 32), tlv(0x02, Uint8Array.of(0x80))]), code: 'MALFORMED_ASN1', failInfo: 'badRequest' },
    { name: 'a SHA-1 imprint', der: reqWith([smallInteger(1), mi('1.3.14.3.2.26', 20)]), code: 'UNSUPPORTED_ALGORITHM', failInfo: 'badAlg' },
    { name: 'an MD5 imprint', der: reqWith([smallInteger(1), mi('1.2.840.113549.2.5', 16)]), code: 'UNSUPPORTED_ALGORITHM', failInfo: 'badAlg' },
    { name: 'a non-minimal INTEGER version', der: reqWith([tlv(0x02, Uint8Array.of(0, 1)), mi('2.16.840.1.101.3.4.2.1', 32)]), code: 'MALFORMED_ASN1', failInfo: 'badDataFormat' },
  ])('rejects $name: $code ($failInfo)', ({ der, code, failInfo }) => {
    const e = caught(() => parseTimeStampReq(der));
    expect(isScelleError(e) && e.code).toBe(code);
    expect(isScelleError(e) && e.params.failInfo).toBe(failInfo);
  });

  it('reads random garbage without crashing: always a ScelleError', () => {
    for (let i = 0; i < 500; i++) {
      const e = caught(() => parseTimeStampReq(new Uint8Array(randomBytes(1 + (i % 80)))));
      if (e !== undefined) expect(isScelleError(e)).toBe(true);
    }
  });
});

describe('TimeStampResp', () => {
  it('encodes failInfo as a DER named BIT STRING and reads it back', () => {
    const der = buildTimeStampResp({ status: 2, statusStrings: ['nope'], failInfo: ['badAlg'] });
    // BIT STRING: 1 byte, 7 unused bits, bit 0 set (X.690 §11.2.2: no trailing zero bits).
    expect(Buffer.from(der).toString('hex')).toContain('03020780');
    expect(parseTimeStampResp(der)).toMatchObject({ status: 2, statusStrings: ['nope'], failInfo: ['badAlg'] });
    expect(parseTimeStampResp(buildTimeStampResp({ status: 2, failInfo: ['unacceptedPolicy', 'badDataFormat'] })).failInfo).toEqual(['badDataFormat', 'unacceptedPolicy']);
    expect(parseTimeStampResp(buildTimeStampResp({ status: 2, failInfo: ['systemFailure'] })).failInfo).toEqual(['systemFailure']);
  });

  it('refuses a PKIStatus outside 0..5', () => {
    expect(codeOf(() => parseTimeStampResp(sequence(sequence(smallInteger(6)))))).toBe('MALFORMED_ASN1');
    expect(codeOf(() => buildTimeStampResp({ status: 9 }))).toBe('USAGE');
  });
});

describe('TSTInfo pieces', () => {
  it.each([
    [new Date('2026-03-12T10:11:12.000Z'), '20260312101112Z'],
    [new Date('2026-03-12T10:11:12.500Z'), '20260312101112.5Z'],
    [new Date('2026-03-12T10:11:12.012Z'), '20260312101112.012Z'],
  ])('GeneralizedTime %s → %s (no trailing zeros, RFC 3161 §2.4.2)', (d, text) => {
    expect(Buffer.from(encodeGeneralizedTime(d).subarray(2)).toString()).toBe(text);
  });

  it('Accuracy: IMPLICIT [0] millis / [1] micros, absent when zero', () => {
    expect(Buffer.from(encodeAccuracy({ seconds: 1, millis: 500, micros: 1 })!).toString('hex')).toBe('300a020101800201f4810101');
    expect(encodeAccuracy({ seconds: 0 })).toBeUndefined();
    expect(codeOf(() => encodeAccuracy({ millis: 1000 }))).toBe('USAGE');
  });

  it('refuses a TSTInfo that is BER but not DER (RFC 3161 §2.4.2)', () => {
    const tst = sequence(
      smallInteger(1), tlv(0x06, Uint8Array.of(0x2a, 0x03)), mi2(), smallInteger(7), encodeGeneralizedTime(new Date(0)),
    );
    expect(parseTstInfo(tst).serialNumber).toBe('07');
    const ber = Uint8Array.from([0x30, 0x81, tst.byteLength - 2, ...tst.subarray(2)]); // non-minimal length
    expect(codeOf(() => parseTstInfo(ber))).toBe('MALFORMED_ASN1');
  });
});

function mi2(): Uint8Array {
  return sequence(algorithmIdentifier('2.16.840.1.101.3.4.2.1'), octetString(new Uint8Array(32)));
}
