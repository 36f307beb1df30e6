/**
 * The cryptographic checks of one SignerInfo (RFC 5652 §5.4–§5.6), shared by signatures and
 * time-stamp tokens — ETSI EN 319 102-1's "identification of the signing certificate" (§5.2.3) and
 * "cryptographic verification" (§5.2.7) building blocks, without any certificate path:
 *
 * - signed attributes: content-type equal to the eContentType (§11.1), message-digest equal to the
 *   content's digest (§11.2), each once with one value; the signature over the DER of the SET OF
 *   attributes (a signer that wrote BER signed its DER re-encoding);
 * - without signed attributes, the signature over the content itself (RSA PKCS#1 v1.5 checked from
 *   the digest, so any size works; other algorithms with the content kept in memory);
 * - ESS signing-certificate(-v2) (RFC 2634 §5.4, RFC 5035 §5.4): the first ESSCertID names the
 *   signer's certificate (certHash, and issuerSerial when present).
 */
import * as crypto from 'node:crypto';
import type { ErrorCode } from '../../errors.js';
import { UNIVERSAL, decodeOid, encodeDer, rawBytes, type BerNode } from '../asn1/ber.js';
import { readOctetString } from '../asn1/values.js';
import { bytesEqual } from '../asn1/asn1js-util.js';
import type { X509Cert } from '../x509/certificate.js';
import { decodeName } from '../x509/names.js';
import { algorithmIdOfNode, checkSignature, describeSignatureAlgorithm, isDsaAlgorithm, type AlgorithmId } from '../x509/signature.js';
import { DIGESTS, parseEssCertIds, singleAttribute, signingTimeOf, type DigestInfo, type SignerInfo } from './signed-data.js';
import { CMS_OID } from './oids.js';

/** One problem with a signer. */
export interface SignerProblem {
  code: ErrorCode;
  /** English, specific. */
  message: string;
}

/** What the checks need. */
export interface SignerCheckInput {
  info: SignerInfo;
  /** The certificate the sid names, when found. */
  signer: X509Cert | undefined;
  /** The SignedData's eContentType. */
  eContentType: string;
  /** Digests of the content by digest OID. */
  contentDigests: ReadonlyMap<string, Uint8Array>;
  /** The content itself when small enough to have been kept (signatures without signed attributes). */
  content?: Uint8Array;
  /** True when the content was given beside the signature (a mismatch is CONTENT_MISMATCH, not CONTENT_TAMPERED). */
  detached: boolean;
  /** Names the signer in messages. */
  who: string;
}

/** What the checks found. */
export interface SignerCheckResult {
  problems: SignerProblem[];
  /** The message digest matched (HASH_FAILURE otherwise). */
  hashOk: boolean;
  /** The signature value verified (SIG_CRYPTO_FAILURE otherwise). */
  signatureOk: boolean;
  /** The signing certificate is bound by an ESS attribute that matches it. */
  signingCertificateBound: boolean;
  digest: DigestInfo | undefined;
  digestName: string;
  signatureAlgorithm: string;
  /** The effective signature algorithm (key-only OIDs made explicit). */
  signatureAlgorithmId: AlgorithmId;
  /** Broken digests used (`MD5`, `SHA-1`). */
  weakAlgorithms: string[];
  signingTime?: Date;
  essV1: boolean;
  essV2: boolean;
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSA_WITH: Readonly<Record<string, string>> = {
  md5: '1.2.840.113549.1.1.4', sha1: '1.2.840.113549.1.1.5', sha224: '1.2.840.113549.1.1.14', sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13', 'sha3-224': '2.16.840.1.101.3.4.3.13', 'sha3-256': '2.16.840.1.101.3.4.3.14',
  'sha3-384': '2.16.840.1.101.3.4.3.15', 'sha3-512': '2.16.840.1.101.3.4.3.16',
};
const ECDSA_WITH: Readonly<Record<string, string>> = {
  sha1: '1.2.840.10045.4.1', sha224: '1.2.840.10045.4.3.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4', 'sha3-224': '2.16.840.1.101.3.4.3.9', 'sha3-256': '2.16.840.1.101.3.4.3.10', 'sha3-384': '2.16.840.1.101.3.4.3.11',
  'sha3-512': '2.16.840.1.101.3.4.3.12',
};
const RSA_WITH_REVERSE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(RSA_WITH).map(([k, v]) => [v, k]));
const DER_NULL = Uint8Array.of(5, 0);

/** The algorithm to check with: key-only OIDs (rsaEncryption, id-ecPublicKey) combined with the digest (RFC 3370 §3.2, RFC 5753 §2.1.1). */
export function effectiveSignatureAlgorithm(info: SignerInfo, digest: DigestInfo | undefined): AlgorithmId {
  const oid = info.signatureAlgorithm.oid;
  if (oid === RSA_ENCRYPTION && digest !== undefined && RSA_WITH[digest.node] !== undefined) return { oid: RSA_WITH[digest.node]!, params: DER_NULL };
  if (oid === EC_PUBLIC_KEY && digest !== undefined && ECDSA_WITH[digest.node] !== undefined) return { oid: ECDSA_WITH[digest.node]! };
  return algorithmIdOfNode(info.signatureAlgorithm);
}

function fromSignatureCheck(check: ReturnType<typeof checkSignature>, over: string): SignerProblem | undefined {
  if (check.valid) return undefined;
  if (check.unsupported) return { code: 'UNSUPPORTED_ALGORITHM', message: check.detail };
  return { code: 'SIGNATURE_INVALID', message: `the signature over ${over} is not valid: ${check.detail}` };
}

/** RFC 5652 §5.4: the signature covers the DER of `SET OF Attribute`; the bytes as sent (retagged) first. */
function checkSignedAttrs(info: SignerInfo, alg: AlgorithmId, signer: X509Cert): SignerProblem | undefined {
  const attrs = info.signedAttrs!;
  const key = signer.publicKey;
  const der = (): Uint8Array => encodeDer(attrs, { tagClass: 'universal', tagNumber: UNIVERSAL.SET });
  if (attrs.length !== undefined) {
    const raw = rawBytes(attrs).slice();
    raw[0] = 0x31;
    const first = fromSignatureCheck(checkSignature(alg, raw, info.signature, key), 'the signed attributes');
    if (first === undefined) return undefined;
    const reencoded = der();
    if (bytesEqual(raw, reencoded)) return first;
    return fromSignatureCheck(checkSignature(alg, reencoded, info.signature, key), 'the signed attributes');
  }
  return fromSignatureCheck(checkSignature(alg, der(), info.signature, key), 'the signed attributes');
}

function derTlv(tag: number, contents: Uint8Array): Uint8Array {
  const len = contents.length;
  const lenBytes = len < 0x80 ? [len] : len < 0x100 ? [0x81, len] : [0x82, len >> 8, len & 0xff];
  return Uint8Array.from([tag, ...lenBytes, ...contents]);
}

/** DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } (RFC 8017 §9.2), with and without NULL parameters. */
function digestInfos(oidDer: Uint8Array, digest: Uint8Array): Uint8Array[] {
  return [
    derTlv(0x30, Uint8Array.from([...derTlv(0x30, Uint8Array.from([...oidDer, ...DER_NULL])), ...derTlv(0x04, digest)])),
    derTlv(0x30, Uint8Array.from([...derTlv(0x30, oidDer), ...derTlv(0x04, digest)])),
  ];
}

/** Without signed attributes the signature is over the content itself (RFC 5652 §5.4). */
function checkSignatureOverContent(input: SignerCheckInput, alg: AlgorithmId, signer: X509Cert, contentDigest: Uint8Array | undefined, digest: DigestInfo | undefined): SignerProblem | undefined {
  const { info } = input;
  const algInfo = describeSignatureAlgorithm(alg);
  if (alg.oid in RSA_WITH_REVERSE && contentDigest !== undefined && digest !== undefined && algInfo.hash === digest.node) {
    // PKCS#1 v1.5 can be checked from the digest alone: recover the DigestInfo (RFC 8017 §8.2.2).
    let recovered: Uint8Array;
    try {
      recovered = new Uint8Array(crypto.publicDecrypt({ key: signer.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, info.signature));
    } catch {
      return { code: 'SIGNATURE_INVALID', message: 'the signature over the content is not valid (RSA PKCS#1 v1.5 padding check failed)' };
    }
    const expected = digestInfos(rawBytes(info.digestAlgorithm.node.children[0]!), contentDigest);
    if (expected.some((e) => bytesEqual(recovered, e))) return undefined;
    return { code: 'SIGNATURE_INVALID', message: 'the signature over the content is not valid: it signs another digest' };
  }
  if (input.content === undefined) {
    return { code: 'UNSUPPORTED_ALGORITHM', message: `${algInfo.name} without signed attributes over content larger than the 16 MiB kept in memory is not supported` };
  }
  return fromSignatureCheck(checkSignature(alg, input.content, info.signature, signer.publicKey), 'the content');
}

/**
 * Why the ESS attribute does not name `signer`'s certificate, or undefined when it does.
 * @throws ScelleError MALFORMED_ASN1 when the attribute cannot be decoded.
 */
export function essMismatch(value: BerNode, version: 1 | 2, signer: X509Cert): string | undefined {
  const name = version === 2 ? 'signing-certificate-v2' : 'signing-certificate';
  const id = parseEssCertIds(value, version)[0]!;
  const digest = DIGESTS[id.hashOid];
  if (digest === undefined) return `the ${name} attribute uses an unsupported hash algorithm ${id.hashOid}`;
  if (!bytesEqual(new Uint8Array(crypto.createHash(digest.node).update(signer.der).digest()), id.certHash)) {
    return `the ${name} attribute names another certificate (its ${digest.name} certHash is not the signer certificate's): the signature may have been moved onto a different certificate`;
  }
  if (id.issuerSerial !== undefined) {
    const issuerOk = id.issuerSerial.issuerNames.some((d) => {
      try {
        return decodeName(d).key === signer.issuerName.key;
      } catch {
        return false;
      }
    });
    if (id.issuerSerial.serialHex !== signer.serialNumberHex || !issuerOk) {
      return `the ${name} attribute's issuerSerial names another certificate than the signer's (issuer ${signer.issuer}, serial ${signer.serialNumberHex})`;
    }
  }
  return undefined;
}

/**
 * Runs every cryptographic check of one SignerInfo. Never throws for a negative outcome (a
 * malformed attribute is reported as a problem).
 */
export function checkSignerInfo(input: SignerCheckInput): SignerCheckResult {
  const { info, signer, who } = input;
  const problems: SignerProblem[] = [];
  const add = (code: ErrorCode, message: string): void => {
    problems.push({ code, message: `${who}: ${message}` });
  };
  const digest = DIGESTS[info.digestAlgorithm.oid];
  const sigAlg = effectiveSignatureAlgorithm(info, digest);
  const sigInfo = describeSignatureAlgorithm(sigAlg);
  const weak = new Set<string>();
  if (digest?.weak === true) weak.add(digest.name);
  if (sigInfo.hash === 'md5') weak.add('MD5');
  if (sigInfo.hash === 'sha1') weak.add('SHA-1');
  const result: SignerCheckResult = {
    problems, hashOk: false, signatureOk: false, signingCertificateBound: false, digest, digestName: digest?.name ?? info.digestAlgorithm.oid,
    signatureAlgorithm: sigInfo.name, signatureAlgorithmId: sigAlg, weakAlgorithms: [], essV1: false, essV2: false,
  };

  let contentDigest: Uint8Array | undefined;
  if (digest === undefined) add('UNSUPPORTED_ALGORITHM', `unsupported digest algorithm ${info.digestAlgorithm.oid}`);
  else {
    contentDigest = input.contentDigests.get(info.digestAlgorithm.oid);
    if (contentDigest === undefined && input.content !== undefined) contentDigest = new Uint8Array(crypto.createHash(digest.node).update(input.content).digest());
    if (contentDigest === undefined) add('UNSUPPORTED_ALGORITHM', `${digest.name} is not announced in SignedData.digestAlgorithms (RFC 5652 §5.1) and the content was too large to digest again`);
  }
  if (isDsaAlgorithm(info.signatureAlgorithm.oid)) add('UNSUPPORTED_ALGORITHM', `${sigInfo.name}: DSA signatures are not supported (FIPS 186-5 withdrew DSA)`);

  if (info.signedAttrs !== undefined) {
    const attrs = info.signedAttributes;
    const ct = singleAttribute(attrs, CMS_OID.contentType, 'content-type');
    const md = singleAttribute(attrs, CMS_OID.messageDigest, 'message-digest');
    for (const p of [ct.problem, md.problem]) if (p !== undefined) add('SIGNATURE_INVALID', p);
    if (ct.value === undefined && ct.problem === undefined) add('SIGNATURE_INVALID', 'signed attributes without a content-type attribute (RFC 5652 §5.3)');
    else if (ct.value !== undefined) {
      const type = decodeOid(ct.value, 'content-type attribute');
      if (type !== input.eContentType) add('SIGNATURE_INVALID', `the content-type attribute (${type}) is not the eContentType ${input.eContentType} (RFC 5652 §11.1)`);
    }
    if (md.value === undefined && md.problem === undefined) add('SIGNATURE_INVALID', 'signed attributes without a message-digest attribute (RFC 5652 §5.3)');
    else if (md.value !== undefined && contentDigest !== undefined) {
      if (bytesEqual(readOctetString(md.value, 'message-digest attribute'), contentDigest)) result.hashOk = true;
      else if (input.detached) add('CONTENT_MISMATCH', `the content given is not the one signed (its ${digest!.name} differs from the message-digest attribute)`);
      else add('CONTENT_TAMPERED', `the content was modified after signing (its ${digest!.name} differs from the message-digest attribute)`);
    }
    try {
      const st = signingTimeOf(info);
      if (st !== undefined) result.signingTime = st;
    } catch (e) {
      add('SIGNATURE_INVALID', (e as Error).message);
    }
    if (signer !== undefined && !isDsaAlgorithm(info.signatureAlgorithm.oid)) {
      const check = checkSignedAttrs(info, sigAlg, signer);
      if (check !== undefined) add(check.code, check.message);
      else result.signatureOk = true;
    }
    const v2 = attrs.filter((a) => a.oid === CMS_OID.signingCertificateV2);
    const v1 = attrs.filter((a) => a.oid === CMS_OID.signingCertificate);
    result.essV2 = v2.length > 0;
    result.essV1 = v1.length > 0;
    if (signer !== undefined) {
      let bound = result.essV1 || result.essV2;
      for (const [list, v] of [[v2, 2], [v1, 1]] as const) {
        if (list.length === 0) continue;
        if (list.length > 1 || list[0]!.values.length !== 1) {
          add('SIGNING_CERT_MISMATCH', `the signing-certificate${v === 2 ? '-v2' : ''} attribute must appear once with one value (RFC 5035 §5.4)`);
          bound = false;
          continue;
        }
        let why: string | undefined;
        try {
          why = essMismatch(list[0]!.values[0]!, v, signer);
        } catch (e) {
          why = `the signing-certificate${v === 2 ? '-v2' : ''} attribute cannot be decoded (${(e as Error).message})`;
        }
        if (why !== undefined) {
          add('SIGNING_CERT_MISMATCH', why);
          bound = false;
        }
      }
      result.signingCertificateBound = bound;
    }
  } else if (signer !== undefined && !isDsaAlgorithm(info.signatureAlgorithm.oid)) {
    const why = checkSignatureOverContent(input, sigAlg, signer, contentDigest, digest);
    if (why !== undefined) add(why.code, why.message);
    else [result.signatureOk, result.hashOk] = [true, true];
  }
  result.weakAlgorithms = [...weak];
  return result;
}
