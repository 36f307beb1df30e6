/**
 * Certificates from whatever a practitioner or a CA hands over: PEM bundles (`CERTIFICATE` blocks),
 * a single DER certificate, or a PKCS#7 / CMS "certificates-only" SignedData (a `.p7b`, DER or PEM
 * `PKCS7` / `CMS`, RFC 5652 §5 with no SignerInfo, as CAs publish chains and Windows exports them).
 */
import { ScelleError } from '../../errors.js';
import { parsePem } from '../pem.js';
import { X509Cert } from '../x509/certificate.js';
import { parseSignedData } from './signed-data.js';

const CERT_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE'];
const CMS_LABELS = ['PKCS7', 'CMS', 'PKCS #7 SIGNED DATA'];

function fromSignedData(der: Uint8Array, what: string): X509Cert[] {
  const sd = parseSignedData(der, what);
  if (sd.certificates.length === 0) throw new ScelleError('UNSUPPORTED_FORMAT', `${what} holds no certificate`);
  return sd.certificates;
}

/**
 * Parses a certificate bundle: PEM (every CERTIFICATE block, and the certificates of every PKCS7/CMS
 * block), or DER (one certificate, or a PKCS#7 SignedData's certificates).
 * @throws ScelleError MALFORMED_PEM (PEM without any usable block), MALFORMED_ASN1 (neither a
 *   certificate nor a SignedData), UNSUPPORTED_FORMAT (a SignedData without certificates).
 */
export function parseCertificateBundle(input: Uint8Array, what = 'the certificate file'): X509Cert[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.includes('-----BEGIN')) {
    const out: X509Cert[] = [];
    for (const block of parsePem(buf.toString('latin1'))) {
      if (CERT_LABELS.includes(block.label)) out.push(X509Cert.fromDer(block.der));
      else if (CMS_LABELS.includes(block.label)) out.push(...fromSignedData(block.der, what));
    }
    if (out.length === 0) throw new ScelleError('MALFORMED_PEM', `${what} holds no CERTIFICATE or PKCS7 block`);
    return out;
  }
  try {
    return [X509Cert.fromDer(input)];
  } catch (e) {
    try {
      return fromSignedData(input, what);
    } catch {
      throw e; // report it as the certificate it most likely was meant to be
    }
  }
}
