/**
 * Signature algorithms of X.509 and CMS objects (certificates, CRLs, OCSP responses, SignerInfos)
 * and their verification with Node's native crypto (OpenSSL).
 *
 * - RFC 5280 §4.1.1.2 (signatureAlgorithm), §4.1.2.3 (must equal tbsCertificate.signature)
 * - RFC 3279 §2.2.1 (RSA PKCS#1 v1.5 with MD5/SHA-1), RFC 4055 §3.1 / RFC 8017 §A.2.3 (RSASSA-PSS
 *   parameters), RFC 5758 §3.2 (ECDSA with SHA-2), RFC 8410 §6 (Ed25519 / Ed448), RFC 8702 and
 *   NIST CSOR (RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA with SHA-3).
 * - DSA (RFC 3279 §2.2.2, RFC 5758 §3.1) is recognised and refused as unsupported: FIPS 186-5
 *   withdrew it for signing, and a DSA signature is never reported as a forged one.
 */
import * as crypto from 'node:crypto';
import pkijs from '../pkijs-lib.cjs';
import { UNIVERSAL, isTag, parseBer, rawBytes, type BerNode } from '../asn1/ber.js';
import { readAlgorithm, readIntegerContents, readSequence, type AlgorithmNode } from '../asn1/values.js';

/** Digest names scelle reports for signature algorithms. */
export type SignatureHash = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha3-224' | 'sha3-256' | 'sha3-384' | 'sha3-512';

/** An AlgorithmIdentifier: its OID and the DER of its parameters (absent when absent). */
export interface AlgorithmId {
  oid: string;
  params?: Uint8Array;
}

/** What a signature algorithm identifier means. */
export interface SignatureAlgorithmInfo {
  /** The algorithm OID from the AlgorithmIdentifier. */
  oid: string;
  /** A readable name (`sha256WithRSAEncryption`, `RSASSA-PSS`, `ecdsa-with-SHA384`, `Ed25519`…). */
  name: string;
  /** The message digest, when the algorithm uses one. */
  hash?: SignatureHash;
}

/** Digest OIDs (NIST CSOR, RFC 3279, RFC 8702). */
export const HASH_OIDS: Readonly<Record<string, SignatureHash>> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.7': 'sha3-224',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512',
};

type Family = 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa' | 'dsa';

const SIGNATURE_OIDS: Readonly<Record<string, { name: string; family: Family; hash?: SignatureHash; weak?: true }>> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', family: 'rsa', weak: true },
  '1.2.840.113549.1.1.3': { name: 'md4WithRSAEncryption', family: 'rsa', weak: true },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', family: 'rsa', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', family: 'rsa', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', family: 'rsa', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', family: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', family: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', family: 'rsa', hash: 'sha512' },
  '2.16.840.1.101.3.4.3.13': { name: 'id-rsassa-pkcs1-v1_5-with-sha3-224', family: 'rsa', hash: 'sha3-224' },
  '2.16.840.1.101.3.4.3.14': { name: 'id-rsassa-pkcs1-v1_5-with-sha3-256', family: 'rsa', hash: 'sha3-256' },
  '2.16.840.1.101.3.4.3.15': { name: 'id-rsassa-pkcs1-v1_5-with-sha3-384', family: 'rsa', hash: 'sha3-384' },
  '2.16.840.1.101.3.4.3.16': { name: 'id-rsassa-pkcs1-v1_5-with-sha3-512', family: 'rsa', hash: 'sha3-512' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', family: 'rsa-pss' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', family: 'ecdsa', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', family: 'ecdsa', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', family: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', family: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', family: 'ecdsa', hash: 'sha512' },
  '2.16.840.1.101.3.4.3.9': { name: 'id-ecdsa-with-sha3-224', family: 'ecdsa', hash: 'sha3-224' },
  '2.16.840.1.101.3.4.3.10': { name: 'id-ecdsa-with-sha3-256', family: 'ecdsa', hash: 'sha3-256' },
  '2.16.840.1.101.3.4.3.11': { name: 'id-ecdsa-with-sha3-384', family: 'ecdsa', hash: 'sha3-384' },
  '2.16.840.1.101.3.4.3.12': { name: 'id-ecdsa-with-sha3-512', family: 'ecdsa', hash: 'sha3-512' },
  '1.3.101.112': { name: 'Ed25519', family: 'eddsa' },
  '1.3.101.113': { name: 'Ed448', family: 'eddsa' },
  '1.2.840.10040.4.3': { name: 'dsa-with-sha1', family: 'dsa', hash: 'sha1' },
  '1.2.840.10040.4.1': { name: 'DSA', family: 'dsa' },
  '2.16.840.1.101.3.4.3.1': { name: 'dsa-with-sha224', family: 'dsa', hash: 'sha224' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-sha256', family: 'dsa', hash: 'sha256' },
};

const MGF1_OID = '1.2.840.113549.1.1.8';
const SHA1_OID = '1.3.14.3.2.26';

/** An AlgorithmIdentifier node of a BER tree, as an {@link AlgorithmId}. */
export function algorithmIdOfNode(alg: AlgorithmNode): AlgorithmId {
  return alg.params === undefined ? { oid: alg.oid } : { oid: alg.oid, params: rawBytes(alg.params) };
}

/** A pkijs AlgorithmIdentifier (OCSP responses are parsed by pkijs) as an {@link AlgorithmId}. */
export function algorithmIdOfPkijs(alg: pkijs.AlgorithmIdentifier): AlgorithmId {
  return algorithmIdOfNode(readAlgorithm(parseBer(new Uint8Array(alg.toSchema().toBER(false)), 'AlgorithmIdentifier'), 'AlgorithmIdentifier'));
}

interface PssParams {
  hash: SignatureHash | undefined;
  hashOid: string;
  mgfHashOid: string | undefined;
  saltLength: number;
  trailerField: number;
}

/** RSASSA-PSS-params (RFC 4055 §3.1): every field EXPLICIT-tagged, absent fields are the SHA-1 DEFAULTs. */
function parsePssParams(params: Uint8Array | undefined): PssParams {
  const out: PssParams = { hash: 'sha1', hashOid: SHA1_OID, mgfHashOid: SHA1_OID, saltLength: 20, trailerField: 1 };
  if (params === undefined) return out;
  const node = parseBer(params, 'RSASSA-PSS-params', { maxNodes: 100 });
  if (isTag(node, 'universal', UNIVERSAL.NULL)) return out;
  const inner = (f: BerNode): BerNode => {
    if (!f.constructed || f.children.length !== 1) throw new Error('malformed RSASSA-PSS-params field');
    return f.children[0]!;
  };
  for (const f of readSequence(node, 'RSASSA-PSS-params')) {
    if (isTag(f, 'context', 0)) {
      out.hashOid = readAlgorithm(inner(f), 'PSS hashAlgorithm').oid;
      out.hash = HASH_OIDS[out.hashOid];
    } else if (isTag(f, 'context', 1)) {
      const mgf = readAlgorithm(inner(f), 'PSS maskGenAlgorithm');
      out.mgfHashOid = mgf.oid === MGF1_OID && mgf.params !== undefined ? readAlgorithm(mgf.params, 'MGF1 hash').oid : undefined;
    } else if (isTag(f, 'context', 2)) {
      out.saltLength = smallInt(readIntegerContents(inner(f), 'PSS saltLength'));
    } else if (isTag(f, 'context', 3)) {
      out.trailerField = smallInt(readIntegerContents(inner(f), 'PSS trailerField'));
    } else throw new Error('unexpected RSASSA-PSS-params field');
  }
  return out;
}

function smallInt(b: Uint8Array): number {
  if (b.length > 4 || (b[0]! & 0x80) !== 0) throw new Error('integer out of range');
  return b.reduce((v, x) => v * 256 + x, 0);
}

/**
 * Describes a signature AlgorithmIdentifier: name and digest. Unknown OIDs give `name` = the OID.
 * RSASSA-PSS reports the digest of its parameters (RFC 4055 §3.1).
 */
export function describeSignatureAlgorithm(alg: AlgorithmId): SignatureAlgorithmInfo {
  const known = SIGNATURE_OIDS[alg.oid];
  if (known === undefined) return { oid: alg.oid, name: alg.oid };
  if (known.family === 'rsa-pss') {
    try {
      const p = parsePssParams(alg.params);
      return p.hash === undefined ? { oid: alg.oid, name: known.name } : { oid: alg.oid, name: known.name, hash: p.hash };
    } catch {
      return { oid: alg.oid, name: known.name };
    }
  }
  return known.hash === undefined ? { oid: alg.oid, name: known.name } : { oid: alg.oid, name: known.name, hash: known.hash };
}

/**
 * True when a signature algorithm relies on a broken digest (MD2, MD4, MD5, SHA-1): collisions
 * make signatures over attacker-chosen content forgeable (RFC 6151, RFC 9155; OpenSSL's security
 * level 2 agrees).
 */
export function isWeakSignatureAlgorithm(alg: AlgorithmId): boolean {
  const known = SIGNATURE_OIDS[alg.oid];
  if (known === undefined) return false;
  if (known.weak === true) return true;
  const hash = describeSignatureAlgorithm(alg).hash;
  return hash === 'md5' || hash === 'sha1';
}

/** True for DSA signature algorithms (recognised, never verified). */
export function isDsaAlgorithm(oid: string): boolean {
  return SIGNATURE_OIDS[oid]?.family === 'dsa';
}

/** Outcome of {@link checkSignature}: `detail` explains a failure in English. */
export type SignatureCheck = { valid: true } | { valid: false; unsupported: boolean; detail: string };

/**
 * Verifies `signature` over `data` (the exact DER of a to-be-signed structure) with `key`, under the
 * signature algorithm `alg`. Never throws: a malformed or unsupported algorithm is reported as
 * `{ valid: false, unsupported: true }`.
 */
export function checkSignature(alg: AlgorithmId, data: Uint8Array, signature: Uint8Array, key: crypto.KeyObject): SignatureCheck {
  const known = SIGNATURE_OIDS[alg.oid];
  if (known === undefined) return { valid: false, unsupported: true, detail: `unsupported signature algorithm ${alg.oid}` };
  const keyType = key.asymmetricKeyType;
  try {
    switch (known.family) {
      case 'dsa':
        return { valid: false, unsupported: true, detail: `${known.name}: DSA signatures are not supported (FIPS 186-5 withdrew DSA)` };
      case 'rsa': {
        if (keyType !== 'rsa') return mismatch(known.name, keyType);
        if (known.hash === undefined) return { valid: false, unsupported: true, detail: `${known.name} is not supported` };
        return result(crypto.verify(known.hash, data, { key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature));
      }
      case 'rsa-pss': {
        if (keyType !== 'rsa' && keyType !== 'rsa-pss') return mismatch(known.name, keyType);
        let p: PssParams;
        try {
          p = parsePssParams(alg.params);
        } catch (e) {
          return { valid: false, unsupported: false, detail: `malformed RSASSA-PSS parameters (${(e as Error).message})` };
        }
        if (p.hash === undefined) return { valid: false, unsupported: true, detail: `RSASSA-PSS with digest ${p.hashOid} is not supported` };
        // Node's verify uses the signature digest for MGF1; other combinations are not supported.
        if (p.mgfHashOid !== p.hashOid) {
          return { valid: false, unsupported: true, detail: 'RSASSA-PSS with an MGF1 digest different from the message digest is not supported' };
        }
        if (p.trailerField !== 1) return { valid: false, unsupported: true, detail: 'RSASSA-PSS trailerField must be 1 (RFC 4055 §3.1)' };
        return result(crypto.verify(p.hash, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, signature));
      }
      case 'ecdsa': {
        if (keyType !== 'ec') return mismatch(known.name, keyType);
        // X.509 and CMS carry ECDSA-Sig-Value (DER SEQUENCE of r, s): Node's default dsaEncoding 'der'.
        return result(crypto.verify(known.hash ?? 'sha256', data, { key, dsaEncoding: 'der' }, signature));
      }
      case 'eddsa': {
        const want = known.name === 'Ed25519' ? 'ed25519' : 'ed448';
        if (keyType !== want) return mismatch(known.name, keyType);
        // RFC 8410 §3: the parameters MUST be absent.
        if (alg.params !== undefined) return { valid: false, unsupported: false, detail: `${known.name} AlgorithmIdentifier has parameters (RFC 8410 §3 forbids them)` };
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
 * True when two AlgorithmIdentifiers are the same (RFC 5280 §4.1.1.2: the outer signatureAlgorithm
 * MUST equal tbsCertificate.signature; §5.1.1.2 says the same of CRLs). Absent parameters and NULL
 * differ in DER, and are compared as encoded.
 */
export function algorithmIdsEqual(a: AlgorithmId, b: AlgorithmId): boolean {
  if (a.oid !== b.oid) return false;
  if (a.params === undefined || b.params === undefined) return a.params === b.params;
  return Buffer.from(a.params).equals(Buffer.from(b.params));
}
