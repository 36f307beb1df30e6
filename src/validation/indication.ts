/**
 * The vocabulary of validation reports (ETSI TS 119 102-1 §5.1, the indications of ETSI EN 319
 * 102-1 §5.1.3): every verdict carries a main indication (TOTAL-PASSED, TOTAL-FAILED,
 * INDETERMINATE) and, unless passed, a sub-indication — beside scelle's stable error code, which
 * says the same thing more precisely.
 */
import type { ErrorCode } from '../errors.js';

/** Main indication (ETSI EN 319 102-1 Table 5). */
export type Indication = 'TOTAL-PASSED' | 'TOTAL-FAILED' | 'INDETERMINATE';

/** Sub-indications (ETSI EN 319 102-1 Tables 6 and 7). */
export type SubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'REVOKED'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'CHAIN_CONSTRAINTS_FAILURE'
  | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'POLICY_PROCESSING_ERROR'
  | 'SIGNATURE_POLICY_NOT_AVAILABLE'
  | 'TIMESTAMP_ORDER_FAILURE'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'REVOKED_NO_POE'
  | 'REVOKED_CA_NO_POE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'OUT_OF_BOUNDS_NOT_REVOKED'
  | 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE'
  | 'NO_POE'
  | 'TRY_LATER'
  | 'SIGNED_DATA_NOT_FOUND';

/** An indication with its sub-indication (absent for TOTAL-PASSED). */
export interface Conclusion {
  indication: Indication;
  subIndication?: SubIndication;
}

/** TOTAL-PASSED. */
export const PASSED: Conclusion = { indication: 'TOTAL-PASSED' };

/**
 * The conclusion a certificate-path problem leads to when no proof of existence helps (X.509
 * certificate validation, ETSI EN 319 102-1 §5.2.6). `depth` 0 is the signer's certificate.
 */
export function chainConclusion(code: ErrorCode, depth: number): Conclusion {
  switch (code) {
    case 'CHAIN_UNTRUSTED':
    case 'TSA_INJECTED_CA':
      return { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' };
    case 'CERT_EXPIRED':
      return { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' };
    case 'CERT_NOT_YET_VALID':
      return { indication: 'INDETERMINATE', subIndication: 'NOT_YET_VALID' };
    case 'CERT_REVOKED':
      return { indication: 'INDETERMINATE', subIndication: depth === 0 ? 'REVOKED_NO_POE' : 'REVOKED_CA_NO_POE' };
    case 'REVOCATION_UNAVAILABLE':
    case 'REVOCATION_UNKNOWN':
    case 'CRL_INVALID':
    case 'CRL_EXPIRED':
    case 'OCSP_INVALID':
      return { indication: 'INDETERMINATE', subIndication: 'TRY_LATER' };
    case 'WEAK_ALGORITHM':
    case 'WEAK_KEY':
      return { indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE' };
    case 'CERT_SIGNATURE_INVALID':
      return { indication: 'INDETERMINATE', subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE' };
    case 'UNSUPPORTED_ALGORITHM':
      return { indication: 'INDETERMINATE', subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE' };
    case 'POLICY_CONSTRAINTS_FAILED':
    case 'NAME_CONSTRAINTS_VIOLATED':
    case 'NOT_A_CA':
    case 'CA_KEY_USAGE_MISSING':
    case 'PATH_LENGTH_EXCEEDED':
    case 'KEY_USAGE_MISMATCH':
    case 'EKU_MISMATCH':
    case 'TSA_EKU_MISSING':
    case 'TSA_EKU_NOT_CRITICAL':
    case 'UNKNOWN_CRITICAL_EXTENSION':
      return { indication: 'INDETERMINATE', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' };
    default:
      return { indication: 'INDETERMINATE', subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE' };
  }
}

/** Codes a proof of existence can overcome (validation of the past, ETSI EN 319 102-1 §5.6.2.4). */
export const RECOVERABLE_WITH_POE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CERT_EXPIRED', 'CERT_REVOKED', 'REVOCATION_UNAVAILABLE', 'REVOCATION_UNKNOWN', 'CRL_EXPIRED', 'CRL_INVALID', 'OCSP_INVALID',
]);

/** The ETSI TS 119 102-2 URI of a main indication. */
export function indicationUri(i: Indication): string {
  return `urn:etsi:019102:mainindication:${i.toLowerCase()}`;
}

/** The ETSI TS 119 102-2 URI of a sub-indication. */
export function subIndicationUri(s: SubIndication): string {
  return `urn:etsi:019102:subindication:${s}`;
}
