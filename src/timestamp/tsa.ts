/**
 * A time-stamping authority (RFC 3161 §2): answers a TimeStampReq with a TimeStampResp that
 * carries a TimeStampToken — a CMS SignedData (RFC 5652 §5) over a DER TSTInfo (eContentType
 * id-ct-TSTInfo), with the signed attributes content-type, message-digest, signing-time and
 * signing-certificate-v2 (ESSCertIDv2, RFC 5035 §5.4.1, as RFC 5816 allows for TSAs) — or a
 * rejection with the PKIFailureInfo RFC 3161 §2.4.2 names.
 *
 * Everything that depends only on the TSA certificate (signer identifier, ESSCertIDv2, the
 * certificates field, the tsa GeneralName) is encoded once; a token then costs one private-key
 * operation (in software on Node's thread pool, or on a PKCS#11 token) and a few allocations.
 */
import { createHash } from 'node:crypto';
import { ScelleError, isScelleError } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { SignatureScheme } from '../crypto/signature-scheme.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { attribute, resolveAlgorithms, signatureAlgorithmIdentifier, signingCertificateV2Attribute } from '../crypto/cms/sign.js';
import { CMS_OID, DIGEST_OID } from '../crypto/cms/oids.js';
import { TAG, algorithmIdentifier, encodeTime, objectIdentifier, octetString, sequence, setOf, smallInteger, tlv } from '../crypto/asn1/der.js';
import {
  PKI_STATUS,
  TSP_HASHES,
  buildTimeStampResp,
  encodeAccuracy,
  encodeGeneralizedTime,
  normalizeUnsigned,
  parseTimeStampReq,
  policyOid,
  unsignedInteger,
  type PkiFailureName,
  type TimeStampRequest,
  type TspHash,
} from './tsp.js';
import type { SerialState } from './serial-state.js';

/**
 * The demonstration TSA policy: `1.3.6.1.4.1.99999.3161.1`. Not registered with anyone, and it
 * promises nothing (no audited clock, no key protection): a real TSA states its own policy OID
 * (ETSI EN 319 421 §5.2). Tokens made under it are for tests and demos only.
 */
export const DEMO_TSA_POLICY = '1.3.6.1.4.1.99999.3161.1';

const EKU_TIMESTAMPING = '1.3.6.1.5.5.7.3.8';

/** Options of {@link createTimeStampAuthority}. */
export interface TsaOptions {
  /**
   * The TSA certificate and key. RFC 3161 §2.3: the certificate's extended key usage must be
   * exactly id-kp-timeStamping, marked critical.
   */
  signer: IdentityEntry;
  /** CA certificates to embed after the TSA certificate when the request asks (certReq). */
  chain?: X509Cert[];
  /** The policy of the tokens when the request names none. Default {@link DEMO_TSA_POLICY}. */
  policy?: string;
  /** Policies a request may ask for (reqPolicy). Default: only `policy`. Others → unacceptedPolicy. */
  allowedPolicies?: string[];
  /** The accuracy stated in each token (RFC 3161 §2.4.2). Default 1 second. */
  accuracy?: { seconds?: number; millis?: number; micros?: number };
  /** Where serial numbers come from (see `openSerialState`). */
  state: SerialState;
  /** The clock of genTime and signing-time. Default `() => new Date()`. */
  clock?: () => Date;
  /** Message imprint digests accepted. Default SHA-256, SHA-384, SHA-512; others → badAlg. */
  hashes?: TspHash[];
  /** Signature scheme of the token. Default from the key (RSA PKCS#1 v1.5 SHA-256, or ECDSA). */
  scheme?: SignatureScheme;
  /** Name the TSA in the TSTInfo `tsa` field (directoryName of its certificate's subject). Default true. */
  includeTsaName?: boolean;
  /** Add the signing-time attribute (RFC 5652 §11.3) — the genTime to the second. Default true. */
  signingTime?: boolean;
}

/** One token issued: what the TSA put in it. */
export interface IssuedToken {
  /** The TimeStampToken (ContentInfo DER). */
  token: Uint8Array;
  /** Serial number, lowercase hex without leading zero bytes (as `TstInfo.serialNumber`). */
  serialNumber: string;
  genTime: Date;
  policy: string;
}

/** A time-stamping authority bound to one key, certificate and state folder. */
export interface TimeStampAuthority {
  /** The TSA certificate. */
  readonly certificate: X509Cert;
  /** The default policy. */
  readonly policy: string;
  /**
   * Answers a DER TimeStampReq with a DER TimeStampResp: granted with a token, or a rejection
   * (badAlg, badRequest, badDataFormat, unacceptedPolicy, unacceptedExtension, systemFailure).
   * Never throws for a bad request: RFC 3161 §2.4.2 answers every request with a response.
   */
  respond(request: Uint8Array): Promise<Uint8Array>;
  /**
   * Issues a token for an already parsed request (no policy or hash checks beyond the options).
   * @throws ScelleError `IO_ERROR` (serial state), and the key's errors (`PKCS11_ERROR`, …).
   */
  issue(request: TimeStampRequest): Promise<IssuedToken>;
}

/**
 * Creates a TSA.
 * @throws ScelleError `TSA_EKU_MISSING` / `TSA_EKU_NOT_CRITICAL` (RFC 3161 §2.3: the certificate
 *   must carry a critical extended key usage of id-kp-timeStamping only), `UNSUPPORTED_ALGORITHM`
 *   (a scheme that does not fit the key), `USAGE` (a malformed policy OID or accuracy).
 */
export function createTimeStampAuthority(options: TsaOptions): TimeStampAuthority {
  const entry = options.signer;
  const cert = entry.certificate;
  const eku = cert.extendedKeyUsage;
  if (eku === undefined || eku.length !== 1 || eku[0] !== EKU_TIMESTAMPING) {
    throw new ScelleError('TSA_EKU_MISSING', `the certificate "${cert.subject}" cannot sign timestamps: its extended key usage must be id-kp-timeStamping only (RFC 3161 §2.3)`, { params: { subject: cert.subject } });
  }
  if (!cert.extendedKeyUsageCritical) {
    throw new ScelleError('TSA_EKU_NOT_CRITICAL', `the certificate "${cert.subject}" has an id-kp-timeStamping extended key usage that is not critical (RFC 3161 §2.3 requires it critical)`, { params: { subject: cert.subject } });
  }
  const { hash, scheme } = resolveAlgorithms({ signer: entry, ...(options.scheme ? { scheme: options.scheme } : {}) });
  const policy = options.policy ?? DEMO_TSA_POLICY;
  policyOid(policy);
  const allowed = new Set(options.allowedPolicies ?? [policy]);
  for (const p of allowed) policyOid(p);
  const hashes = new Set<string>(options.hashes ?? TSP_HASHES);
  const accuracy = encodeAccuracy(options.accuracy ?? { seconds: 1 });
  const clock = options.clock ?? (() => new Date());
  const state = options.state;
  const withSigningTime = options.signingTime ?? true;

  // Certificate-derived parts, encoded once (RFC 5652 §5.3: SignerInfo v1, issuerAndSerialNumber).
  const sid = sequence(cert.issuerDer, cert.serialNumberDer);
  const version1 = smallInteger(1);
  const version3 = smallInteger(3);
  const digestAlgorithm = algorithmIdentifier(DIGEST_OID[hash]);
  const digestAlgorithms = tlv(TAG.SET, digestAlgorithm);
  const signatureAlgorithm = signatureAlgorithmIdentifier(scheme, 'rsaEncryption');
  const seen = new Set<string>();
  const certs: Uint8Array[] = [];
  for (const c of [cert, ...(options.chain ?? [])]) {
    const k = Buffer.from(c.der).toString('base64');
    if (!seen.has(k)) {
      seen.add(k);
      certs.push(c.der);
    }
  }
  const certificatesField = tlv(TAG.CONTEXT_0, ...certs);
  const contentTypeAttr = attribute(CMS_OID.contentType, objectIdentifier(CMS_OID.tstInfo));
  const signingCertAttr = signingCertificateV2Attribute(cert);
  const signedDataOid = objectIdentifier(CMS_OID.signedData);
  const tstInfoOid = objectIdentifier(CMS_OID.tstInfo);
  // tsa [0] GeneralName: directoryName [4] EXPLICIT Name (EXPLICIT: Name is a CHOICE, X.680 §31.2.7).
  const tsaField = options.includeTsaName ?? true ? tlv(TAG.CONTEXT_0, tlv(TAG.CONTEXT_4, cert.subjectDer)) : undefined;
  const policyDer = new Map<string, Uint8Array>();
  const policyBytes = (p: string): Uint8Array => {
    let d = policyDer.get(p);
    if (d === undefined) policyDer.set(p, (d = policyOid(p)));
    return d;
  };

  const issue = async (req: TimeStampRequest): Promise<IssuedToken> => {
    const tokenPolicy = req.policy ?? policy;
    const serial = await state.next();
    const genTime = clock();
    if (Number.isNaN(genTime.getTime())) throw new ScelleError('INTERNAL', 'the TSA clock returned an invalid date');
    const imprint = req.messageImprintDer ?? sequence(algorithmIdentifier(DIGEST_OID[req.hash]), octetString(req.imprint));
    // TSTInfo (RFC 3161 §2.4.2), DER: version, policy, messageImprint (copied from the request),
    // serialNumber, genTime, accuracy, [ordering FALSE omitted: DEFAULT], nonce, tsa.
    const fields = [version1, policyBytes(tokenPolicy), imprint, unsignedInteger(serial), encodeGeneralizedTime(genTime)];
    if (accuracy !== undefined) fields.push(accuracy);
    if (req.nonce !== undefined) fields.push(unsignedInteger(req.nonce));
    if (tsaField !== undefined) fields.push(tsaField);
    const tstInfo = sequence(...fields);
    const digest = new Uint8Array(createHash(hash).update(tstInfo).digest());
    const attrs = [contentTypeAttr, attribute(CMS_OID.messageDigest, octetString(digest)), signingCertAttr];
    if (withSigningTime) attrs.push(attribute(CMS_OID.signingTime, encodeTime(genTime)));
    const signedAttrs = setOf(attrs);
    const signature = await entry.key.sign(scheme, signedAttrs);
    const implicit = new Uint8Array(signedAttrs);
    implicit[0] = TAG.CONTEXT_0;
    const signerInfo = sequence(version1, sid, digestAlgorithm, implicit, signatureAlgorithm, octetString(signature));
    // RFC 5652 §5.1: version 3 because eContentType is not id-data; certificates only on certReq
    // (RFC 3161 §2.4.1: otherwise the field MUST NOT be present).
    const sdParts = [version3, digestAlgorithms, sequence(tstInfoOid, tlv(TAG.CONTEXT_0, octetString(tstInfo)))];
    if (req.certReq) sdParts.push(certificatesField);
    sdParts.push(tlv(TAG.SET, signerInfo));
    const token = sequence(signedDataOid, tlv(TAG.CONTEXT_0, sequence(...sdParts)));
    return { token, serialNumber: Buffer.from(normalizeUnsigned(serial)).toString('hex'), genTime, policy: tokenPolicy };
  };

  const reject = (failInfo: PkiFailureName, text: string): Uint8Array =>
    buildTimeStampResp({ status: PKI_STATUS.rejection, statusStrings: [text], failInfo: [failInfo] });

  return {
    certificate: cert,
    policy,
    issue,
    async respond(request: Uint8Array): Promise<Uint8Array> {
      let req: TimeStampRequest;
      try {
        req = parseTimeStampReq(request);
      } catch (e) {
        if (isScelleError(e, 'UNSUPPORTED_ALGORITHM')) return reject('badAlg', e.message);
        if (isScelleError(e, 'MALFORMED_ASN1')) return reject(e.params.failInfo === 'badRequest' ? 'badRequest' : 'badDataFormat', e.message);
        return reject('badDataFormat', 'the request is not a TimeStampReq');
      }
      if (!hashes.has(req.hash)) return reject('badAlg', `this TSA does not accept ${req.hash} message imprints`);
      if (req.policy !== undefined && !allowed.has(req.policy)) return reject('unacceptedPolicy', `policy ${req.policy} is not offered by this TSA`);
      if (req.extensions !== undefined && req.extensions.length > 0) return reject('unacceptedExtension', `this TSA accepts no request extension (got ${req.extensions.map((x) => x.oid).join(', ')})`);
      try {
        const { token } = await issue(req);
        return buildTimeStampResp({ status: PKI_STATUS.granted, token });
      } catch {
        // The cause (disk, token) is the operator's concern, not the client's.
        return reject('systemFailure', 'the TSA could not issue a token');
      }
    },
  };
}
