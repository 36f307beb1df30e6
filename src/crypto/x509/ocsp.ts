/**
 * OCSP client side (RFC 6960): building an OCSPRequest for one certificate (§4.1, CertID with
 * SHA-1 as every responder supports, plus a nonce §4.4.1) and verifying a BasicOCSPResponse
 * (§3.2, §4.2): response status, signature by the issuing CA or by a delegated responder that the
 * CA issued with the id-kp-OCSPSigning EKU (§4.2.2.2), matching CertID, thisUpdate/nextUpdate.
 */
import * as crypto from 'node:crypto';
import asn1js from '../asn1js-lib.cjs';
import pkijs from '../pkijs-lib.cjs';
import type { ErrorCode } from '../../errors.js';
import { bytesEqual, parseAsn1, primitiveBytes } from '../asn1/asn1js-util.js';
import { OID, X509Cert, namesMatch } from './certificate.js';
import { CRL_REASON_NAMES, type CrlReason } from './crl.js';
import { algorithmIdOfPkijs, checkSignature, isWeakSignatureAlgorithm } from './signature.js';
import { integerHex } from '../asn1/ber.js';

/** Clock skew tolerated between the responder and `at` (ms). */
const SKEW_MS = 5 * 60 * 1000;

const HASH_NAMES: Readonly<Record<string, string>> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sha224]: 'sha224',
};


const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(4)', 'sigRequired', 'unauthorized'];

function subjectPublicKeyBits(cert: X509Cert): Uint8Array {
  return cert.subjectPublicKeyBytes;
}

function hash(alg: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(crypto.createHash(alg).update(data).digest());
}

/** An encoded OCSP request and what is needed to check its response. */
export interface OcspRequest {
  der: Uint8Array;
  nonce: Uint8Array;
}

/**
 * Builds a DER OCSPRequest asking about `cert`, issued by `issuer` (RFC 6960 §4.1.1), with a
 * random 16-byte nonce (§4.4.1).
 */
export function buildOcspRequest(cert: X509Cert, issuer: X509Cert, nonce: Uint8Array = new Uint8Array(crypto.randomBytes(16))): OcspRequest {
  const certId = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha1, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: hash('sha1', cert.issuerDer) }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: hash('sha1', subjectPublicKeyBits(issuer)) }),
    serialNumber: asn1js.fromBER(cert.serialNumberDer).result as asn1js.Integer,
  });
  const req = new pkijs.OCSPRequest();
  req.tbsRequest.requestList = [new pkijs.Request({ reqCert: certId })];
  req.tbsRequest.requestExtensions = [
    new pkijs.Extension({
      extnID: OID.ocspNonce,
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(false),
    }),
  ];
  return { der: new Uint8Array(req.toSchema(true).toBER(false)), nonce };
}

/** A verified OCSP answer about one certificate. */
export interface OcspStatus {
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
  reason?: CrlReason;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Subject of the certificate that signed the response (the CA or its delegated responder). */
  responder: string;
}

/** Outcome of {@link verifyOcspResponse}. */
export type OcspVerdict = { ok: true; result: OcspStatus } | { ok: false; code: ErrorCode; message: string };

function certIdMatches(id: pkijs.CertID, cert: X509Cert, issuer: X509Cert): boolean {
  const alg = HASH_NAMES[id.hashAlgorithm.algorithmId];
  if (alg === undefined) return false;
  return (
    bytesEqual(new Uint8Array(id.issuerNameHash.valueBlock.valueHexView), hash(alg, cert.issuerDer)) &&
    bytesEqual(new Uint8Array(id.issuerKeyHash.valueBlock.valueHexView), hash(alg, subjectPublicKeyBits(issuer))) &&
    integerHex(new Uint8Array(id.serialNumber.valueBlock.valueHexView)) === cert.serialNumberHex
  );
}

function responderMatches(responderId: unknown, candidate: X509Cert): boolean {
  if (responderId instanceof pkijs.RelativeDistinguishedNames) {
    return namesMatch(new Uint8Array(responderId.valueBeforeDecode), candidate.subjectDer);
  }
  if (responderId instanceof asn1js.OctetString) {
    // byKey: SHA-1 of the responder's subjectPublicKey BIT STRING value (RFC 6960 §4.2.1).
    return bytesEqual(new Uint8Array(responderId.valueBlock.valueHexView), hash('sha1', subjectPublicKeyBits(candidate)));
  }
  return false;
}

/**
 * Verifies a DER OCSPResponse about `cert` (issued by `issuer`) at time `at` and returns its status.
 * Never throws; failures come back as `{ ok: false, code: 'OCSP_INVALID', message }`.
 * When `nonce` is given and the response carries a nonce, they must be equal (a response without
 * a nonce is accepted, as pre-produced responses are common). With `checkFreshness: false` the
 * response's thisUpdate/nextUpdate are returned unjudged (validation of the past decides itself).
 */
export function verifyOcspResponse(der: Uint8Array, cert: X509Cert, issuer: X509Cert, at: Date, nonce?: Uint8Array, options: { checkFreshness?: boolean } = {}): OcspVerdict {
  const checkFreshness = options.checkFreshness ?? true;
  const fail = (message: string): OcspVerdict => ({ ok: false, code: 'OCSP_INVALID', message: `OCSP response for "${cert.subject}": ${message}` });
  let basic: pkijs.BasicOCSPResponse;
  try {
    const resp = new pkijs.OCSPResponse({ schema: parseAsn1(der, 'OCSP response') });
    const status = resp.responseStatus.valueBlock.valueDec;
    if (status !== 0) return fail(`the responder answered "${RESPONSE_STATUS[status] ?? status}"`);
    if (resp.responseBytes === undefined) return fail('no responseBytes in a successful response');
    if (resp.responseBytes.responseType !== OID.ocspBasic) return fail(`unsupported response type ${resp.responseBytes.responseType}`);
    basic = new pkijs.BasicOCSPResponse({ schema: parseAsn1(primitiveBytes(resp.responseBytes.response, 'OCSP responseBytes'), 'BasicOCSPResponse') });
  } catch (e) {
    return fail(`malformed (${(e as Error).message})`);
  }

  // Who signed: the CA itself, or a delegated responder certificate included in the response.
  const included: X509Cert[] = [];
  try {
    for (const c of basic.certs ?? []) included.push(X509Cert.fromDer(new Uint8Array(c.toSchema().toBER(false))));
  } catch (e) {
    return fail(`an included certificate is malformed (${(e as Error).message})`);
  }
  const responderId: unknown = basic.tbsResponseData.responderID;
  let signer: X509Cert | undefined;
  if (responderMatches(responderId, issuer)) signer = issuer;
  else {
    const delegate = included.find((c) => responderMatches(responderId, c));
    if (delegate === undefined) return fail('the responder is neither the issuing CA nor an included responder certificate');
    if (!namesMatch(delegate.issuerDer, issuer.subjectDer)) {
      return fail(`the responder certificate "${delegate.subject}" was not issued by "${issuer.subject}" (RFC 6960 §4.2.2.2)`);
    }
    const dsig = checkSignature(delegate.signatureAlgorithmId, delegate.tbsDer, delegate.signatureValue, issuer.publicKey);
    if (!dsig.valid) return fail(`the responder certificate "${delegate.subject}" is not signed by "${issuer.subject}": ${dsig.detail}`);
    if (isWeakSignatureAlgorithm(delegate.signatureAlgorithmId)) return fail(`the responder certificate "${delegate.subject}" is signed with a broken digest`);
    if (!(delegate.extendedKeyUsage ?? []).includes(OID.OCSPSigning)) {
      return fail(`the responder certificate "${delegate.subject}" lacks the id-kp-OCSPSigning extended key usage`);
    }
    if (at < delegate.notBefore || at > delegate.notAfter) return fail(`the responder certificate "${delegate.subject}" is not valid at ${at.toISOString()}`);
    signer = delegate;
  }

  const responseAlg = algorithmIdOfPkijs(basic.signatureAlgorithm);
  if (isWeakSignatureAlgorithm(responseAlg)) return fail('the response is signed with a broken digest (MD5/SHA-1)');
  let key: crypto.KeyObject;
  try {
    key = signer.publicKey;
  } catch (e) {
    return fail((e as Error).message);
  }
  const sig = checkSignature(responseAlg, basic.tbsResponseData.tbsView, new Uint8Array(basic.signature.valueBlock.valueHexView), key);
  if (!sig.valid) return fail(`signature check with the key of "${signer.subject}" failed: ${sig.detail}`);

  if (nonce !== undefined) {
    const ext = (basic.tbsResponseData.responseExtensions ?? []).find((e) => e.extnID === OID.ocspNonce);
    if (ext !== undefined) {
      const raw = new Uint8Array(ext.extnValue.valueBlock.valueHexView);
      let value: Uint8Array = raw;
      try {
        const inner = parseAsn1(raw, 'OCSP nonce');
        if (inner instanceof asn1js.OctetString) value = primitiveBytes(inner, 'OCSP nonce');
      } catch {
        value = raw; // some responders put the bare nonce
      }
      if (!bytesEqual(value, nonce)) return fail('the nonce does not match the request (replayed response?)');
    }
  }

  const single = basic.tbsResponseData.responses.find((r) => certIdMatches(r.certID, cert, issuer));
  if (single === undefined) return fail('no SingleResponse matches the certificate (CertID mismatch)');
  if (checkFreshness && single.thisUpdate.getTime() > at.getTime() + SKEW_MS) return fail(`thisUpdate ${single.thisUpdate.toISOString()} is after ${at.toISOString()}`);
  if (checkFreshness && single.nextUpdate !== undefined && single.nextUpdate.getTime() < at.getTime() - SKEW_MS) {
    return fail(`the response is stale: nextUpdate ${single.nextUpdate.toISOString()} is before ${at.toISOString()}`);
  }

  const cs = single.certStatus as asn1js.AsnType;
  const base = { thisUpdate: single.thisUpdate, responder: signer.subject, ...(single.nextUpdate !== undefined ? { nextUpdate: single.nextUpdate } : {}) };
  if (cs.idBlock.tagClass === 3 && cs.idBlock.tagNumber === 0) return { ok: true, result: { status: 'good', ...base } };
  if (cs.idBlock.tagClass === 3 && cs.idBlock.tagNumber === 2) return { ok: true, result: { status: 'unknown', ...base } };
  if (cs.idBlock.tagClass === 3 && cs.idBlock.tagNumber === 1) {
    // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
    const parts = (cs as asn1js.Constructed).valueBlock.value;
    const time = parts[0];
    if (!(time instanceof asn1js.GeneralizedTime)) return fail('RevokedInfo has no revocationTime');
    const result: OcspStatus = { status: 'revoked', revokedAt: time.toDate(), ...base };
    const reasonNode = parts[1];
    if (reasonNode !== undefined) {
      const en = (reasonNode as asn1js.Constructed).valueBlock.value?.[0];
      if (en instanceof asn1js.Enumerated) {
        const r = CRL_REASON_NAMES[en.valueBlock.valueDec] ?? 'unspecified';
        if (r !== undefined) result.reason = r;
      }
    }
    return { ok: true, result };
  }
  return fail('unrecognised certStatus');
}
