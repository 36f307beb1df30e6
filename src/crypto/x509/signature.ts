/**
 * Signature algorithms of X.509 objects (certificates, CRLs, OCSP responses) and their
 * verification with Node's native crypto (OpenSSL).
 *
 * - RFC 5280 §4.1.1.2 (signatureAlgorithm), §4.1.2.3 (must equal tbsCertificate.signature)
 * - RFC 3279 §2.2.1 (RSA PKCS#1 v1.5 with MD5/SHA-1), RFC 4055 §3.1 / RFC 8017 §A.2.3 (RSASSA-PSS
 *   parameters), RFC 5758 §3.2 (ECDSA with SHA-2), RFC 8410 §6 (Ed25519 / Ed448).
 *
 * pkijs/asn1js parse the structures; the cryptographic check itself is `crypto.verify`.
 */
import * as crypto from 'node:crypto';
import asn1js from '../asn1js-lib.cjs';
import pkijs from '../pkijs-lib.cjs';

/** Digest names scelle reports for signature algorithms. */
export type SignatureHash = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** What a signature algorithm identifier means. */
export interface SignatureAlgorithmInfo {
  /** The algorithm OID from the AlgorithmIdentifier. */
  oid: string;
  /** A readable name (`sha256WithRSAEncryption`, `RSASSA-PSS`, `ecdsa-with-SHA384`, `Ed25519`…). */
  name: string;
  /** The message digest, when the algorithm uses one. */
  hash?: SignatureHash;
}

const HASH_OIDS: Readonly<Record<string, SignatureHash>> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

type Family = 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa';

const SIGNATURE_OIDS: Readonly<Record<string, { name: string; family: Family; hash?: SignatureHash; weak?: true }>> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', family: 'rsa', weak: true },
  '1.2.840.113549.1.1.3': { name: 'md4WithRSAEncryption', family: 'rsa', weak: true },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', family: 'rsa', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', family: 'rsa', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', family: 'rsa', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', family: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', family: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', family: 'rsa', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', family: 'rsa-pss' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', family: 'ecdsa', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', family: 'ecdsa', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', family: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', family: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', family: 'ecdsa', hash: 'sha512' },
  '1.3.101.112': { name: 'Ed25519', family: 'eddsa' },
  '1.3.101.113': { name: 'Ed448', family: 'eddsa' },
};

const MGF1_OID = '1.2.840.113549.1.1.8';

interface PssParams {
  hash: SignatureHash | undefined;
  hashOid: string;
  mgfHashOid: string | undefined;
  saltLength: number;
  trailerField: number;
}

function parsePssParams(alg: pkijs.AlgorithmIdentifier): PssParams {
  // Absent parameters mean every DEFAULT (SHA-1, MGF1-SHA-1, salt 20): RFC 4055 §3.1.
  const params =
    alg.algorithmParams instanceof asn1js.Sequence
      ? new pkijs.RSASSAPSSParams({ schema: alg.algorithmParams })
      : new pkijs.RSASSAPSSParams();
  const hashOid = params.hashAlgorithm.algorithmId;
  let mgfHashOid: string | undefined;
  if (params.maskGenAlgorithm.algorithmId === MGF1_OID) {
    const inner: unknown = params.maskGenAlgorithm.algorithmParams;
    mgfHashOid = inner instanceof asn1js.Sequence ? new pkijs.AlgorithmIdentifier({ schema: inner }).algorithmId : undefined;
  }
  return { hash: HASH_OIDS[hashOid], hashOid, mgfHashOid, saltLength: params.saltLength, trailerField: params.trailerField };
}

/**
 * Describes a signature AlgorithmIdentifier: name and digest. Unknown OIDs give `name` = the OID.
 * RSASSA-PSS reports the digest of its parameters (RFC 4055 §3.1).
 */
export function describeSignatureAlgorithm(alg: pkijs.AlgorithmIdentifier): SignatureAlgorithmInfo {
  const known = SIGNATURE_OIDS[alg.algorithmId];
  if (known === undefined) return { oid: alg.algorithmId, name: alg.algorithmId };
  if (known.family === 'rsa-pss') {
    try {
      const p = parsePssParams(alg);
      return p.hash === undefined ? { oid: alg.algorithmId, name: known.name } : { oid: alg.algorithmId, name: known.name, hash: p.hash };
    } catch {
      return { oid: alg.algorithmId, name: known.name };
    }
  }
  return known.hash === undefined ? { oid: alg.algorithmId, name: known.name } : { oid: alg.algorithmId, name: known.name, hash: known.hash };
}

/**
 * True when a signature algorithm relies on a broken digest (MD2, MD4, MD5, SHA-1): collisions
 * make signatures over attacker-chosen content forgeable, so certificates signed that way are
 * refused (RFC 6151, RFC 9155; OpenSSL's security level 2 agrees).
 */
export function isWeakSignatureAlgorithm(alg: pkijs.AlgorithmIdentifier): boolean {
  const known = SIGNATURE_OIDS[alg.algorithmId];
  if (known === undefined) return false;
  if (known.weak === true) return true;
  const hash = describeSignatureAlgorithm(alg).hash;
  return hash === 'md5' || hash === 'sha1';
}

/** Outcome of {@link checkSignature}: `detail` explains a failure in English. */
export type SignatureCheck = { valid: true } | { valid: false; unsupported: boolean; detail: string };

/**
 * Verifies `signature` over `data` (the exact DER of a to-be-signed structure) with `key`, under the
 * signature AlgorithmIdentifier `alg`. Never throws: a malformed or unsupported algorithm is reported
 * as `{ valid: false, unsupported: true }`.
 */
export function checkSignature(
  alg: pkijs.AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
  key: crypto.KeyObject,
): SignatureCheck {
  const known = SIGNATURE_OIDS[alg.algorithmId];
  if (known === undefined) {
    return { valid: false, unsupported: true, detail: `unsupported signature algorithm ${alg.algorithmId}` };
  }
  const keyType = key.asymmetricKeyType;
  try {
    switch (known.family) {
      case 'rsa': {
        if (keyType !== 'rsa') return mismatch(known.name, keyType);
        if (known.hash === undefined) return { valid: false, unsupported: true, detail: `${known.name} is not supported` };
        return result(crypto.verify(known.hash, data, { key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature));
      }
      case 'rsa-pss': {
        if (keyType !== 'rsa' && keyType !== 'rsa-pss') return mismatch(known.name, keyType);
        const p = parsePssParams(alg);
        if (p.hash === undefined) return { valid: false, unsupported: true, detail: `RSASSA-PSS with digest ${p.hashOid} is not supported` };
        // Node's verify uses the signature digest for MGF1; other combinations are not supported.
        if (p.mgfHashOid !== p.hashOid) {
          return { valid: false, unsupported: true, detail: 'RSASSA-PSS with an MGF1 digest different from the message digest is not supported' };
        }
        if (p.trailerField !== 1) return { valid: false, unsupported: true, detail: 'RSASSA-PSS trailerField must be 1 (RFC 4055 §3.1)' };
        return result(
          crypto.verify(p.hash, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, signature),
        );
      }
      case 'ecdsa': {
        if (keyType !== 'ec') return mismatch(known.name, keyType);
        // X.509 carries ECDSA-Sig-Value (DER SEQUENCE of r, s): Node's default dsaEncoding 'der'.
        return result(crypto.verify(known.hash ?? 'sha256', data, { key, dsaEncoding: 'der' }, signature));
      }
      case 'eddsa': {
        const want = known.name === 'Ed25519' ? 'ed25519' : 'ed448';
        if (keyType !== want) return mismatch(known.name, keyType);
        // RFC 8410 §3: the parameters MUST be absent.
        if (alg.algorithmParams !== undefined && !(alg.algorithmParams instanceof asn1js.Any)) {
          return { valid: false, unsupported: false, detail: `${known.name} AlgorithmIdentifier has parameters (RFC 8410 §3 forbids them)` };
        }
        return result(crypto.verify(null, data, key, signature));
      }
    }
  } catch (e) {
    return { valid: false, unsupported: false, detail: `the signature could not be checked (${(e as Error).message})` };
  }
}

function result(ok: boolean): SignatureCheck {
  return ok ? { valid: true } : { valid: false, unsupported: false, detail: 'the signature does not match the signed data and the key' };
}

function mismatch(alg: string, keyType: string | undefined): SignatureCheck {
  return { valid: false, unsupported: false, detail: `a ${alg} signature cannot come from a ${keyType ?? 'unknown'} key` };
}

/**
 * True when two AlgorithmIdentifiers are the same DER (RFC 5280 §4.1.1.2: the outer
 * signatureAlgorithm MUST equal tbsCertificate.signature; §5.1.1.2 says the same of CRLs).
 */
export function algorithmIdentifiersEqual(a: pkijs.AlgorithmIdentifier, b: pkijs.AlgorithmIdentifier): boolean {
  const da = new Uint8Array(a.toSchema().toBER(false));
  const db = new Uint8Array(b.toSchema().toBER(false));
  return Buffer.from(da).equals(Buffer.from(db));
}
