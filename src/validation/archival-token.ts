/**
 * The stricter reading of an archive time-stamp token (evidence records, archive-time-stamp-v3).
 * An archived token is kept for decades and read by verifiers not yet written, so every byte of it
 * must mean what RFC 5652 says — even bytes no signature covers:
 *
 * - SignedData version 3 (RFC 5652 §5.1: eContentType other than id-data);
 * - one SignerInfo, version 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier (§5.3);
 * - its digest algorithm among the SignedData's digestAlgorithms (§5.3 "SHOULD");
 * - its issuerAndSerialNumber naming the TSA certificate byte for byte as the certificate encodes
 *   its issuer (§5.3, §10.2.4: copied from the certificate);
 * - RSA PKCS#1 v1.5 algorithm parameters absent or NULL (RFC 3370 §3.2, RFC 4055 §5);
 * - every carried certificate's signature BIT STRING without unused bits (RFC 5280 §4.1.1.3).
 *
 * A token failing these is not "valid with oddities": the record was altered after the fact, or
 * made by software that cannot be trusted with the next twenty years.
 */
import { UNIVERSAL, isTag, parseBer } from '../crypto/asn1/ber.js';
import { bytesEqual } from '../crypto/asn1/asn1js-util.js';
import { findSigner } from '../crypto/cms/signed-data.js';
import { X509Cert } from '../crypto/x509/certificate.js';
import { hashNameOf, type TimeStampToken } from '../timestamp/tsp.js';

const RSA_PKCS1 = new Set(['1.2.840.113549.1.1.1', '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13', '1.2.840.113549.1.1.14']);

function certificateProblem(der: Uint8Array, k: number): string | undefined {
  try {
    const c = parseBer(der, 'certificate').children;
    const sig = c[2];
    if (c.length !== 3 || sig === undefined || !isTag(sig, 'universal', UNIVERSAL.BIT_STRING) || sig.constructed) return `carried certificate #${k + 1} is not a Certificate`;
    if (sig.buffer[sig.contentStart] !== 0) return `carried certificate #${k + 1} has a signature BIT STRING with unused bits (RFC 5280 §4.1.1.3)`;
  } catch (e) {
    return `carried certificate #${k + 1} cannot be read (${(e as Error).message})`;
  }
  return undefined;
}

/** Every departure of `token` from the strict form above, in plain words (empty when none). */
export function archivalTokenProblems(token: TimeStampToken): string[] {
  const out: string[] = [];
  if (token.version !== 3) out.push(`its SignedData has version ${token.version}; RFC 5652 §5.1 requires 3 for a TSTInfo`);
  if (token.signerInfos.length !== 1) return [...out, `it has ${token.signerInfos.length} SignerInfos; RFC 3161 allows the TSA's only`];
  const si = token.signerInfos[0]!;
  const expected = si.sid.kind === 'issuerSerial' ? 1 : 3;
  if (si.version !== expected) out.push(`its SignerInfo has version ${si.version}; RFC 5652 §5.3 requires ${expected} for its kind of signer identifier`);
  if (!token.digestAlgorithms.includes(hashNameOf(si.digestAlgorithm.oid))) out.push(`its SignedData does not list the signer's digest algorithm (${hashNameOf(si.digestAlgorithm.oid)}) in digestAlgorithms`);
  const params = si.signatureAlgorithm.params;
  if (RSA_PKCS1.has(si.signatureAlgorithm.oid) && params !== undefined && !(isTag(params, 'universal', UNIVERSAL.NULL) && params.contentEnd === params.contentStart)) {
    out.push('its RSA signature algorithm has parameters other than NULL (RFC 3370 §3.2)');
  }
  const certs: X509Cert[] = [];
  token.certificates.forEach((der, k) => {
    const p = certificateProblem(der, k);
    if (p !== undefined) out.push(p);
    try {
      certs.push(X509Cert.fromDer(der));
    } catch {
      // reported above
    }
  });
  if (si.sid.kind === 'issuerSerial') {
    const signer = findSigner(si.sid, certs);
    if (signer !== undefined && !bytesEqual(si.sid.issuer, signer.issuerDer)) out.push('its SignerInfo names the TSA certificate\'s issuer with another encoding than the certificate\'s own');
  }
  return out;
}
