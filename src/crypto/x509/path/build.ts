/**
 * Certification path building (RFC 4158 in spirit): from a target certificate, candidate issuers
 * are the trust anchors and the given intermediates whose subject matches the issuer Name (RFC 5280
 * §7.1) and whose key identifiers agree with the authorityKeyIdentifier (§4.2.1.1: keyIdentifier
 * against subjectKeyIdentifier, authorityCertIssuer/SerialNumber against the issuer's own issuer
 * and serial). Every candidate path is tried, bounded in depth and number; anchors first (the
 * shortest way to trust, as OpenSSL's trusted_first).
 */
import { bytesEqual } from '../../asn1/asn1js-util.js';
import type { X509Cert } from '../certificate.js';
import { decodeName } from '../names.js';
import type { CandidatePath } from './validate.js';

/** Longest path tried (certificates, anchor included). */
export const MAX_PATH_LENGTH = 12;
/** Most candidate paths built for one target. */
export const MAX_CANDIDATE_PATHS = 32;

function sameKeyAndName(a: X509Cert, b: X509Cert): boolean {
  return bytesEqual(a.spkiDer, b.spkiDer) && a.subjectName.key === b.subjectName.key;
}

/** Could `issuer` have issued `cert`? Name chaining plus key identifier agreement. */
export function couldIssue(issuer: X509Cert, cert: X509Cert): boolean {
  if (issuer.subjectName.key !== cert.issuerName.key) return false;
  const aki = cert.authorityKey;
  if (aki === undefined) return true;
  if (aki.keyIdentifier !== undefined && issuer.subjectKeyIdentifier !== undefined && !bytesEqual(aki.keyIdentifier, issuer.subjectKeyIdentifier)) return false;
  if (aki.serialNumber !== undefined && aki.issuer !== undefined) {
    if (aki.serialNumber !== issuer.serialNumberHex) return false;
    const dir = aki.issuer.find((n) => n.type === 'dirName');
    if (dir !== undefined && dir.type === 'dirName' && decodeName(dir.der).key !== issuer.issuerName.key) return false;
  }
  return true;
}

/**
 * Candidate paths from `leaf`, each leaf first, anchored ones ending with the trust anchor.
 * Always at least one (the leaf alone, unanchored, when nothing issued it).
 */
export function buildPaths(leaf: X509Cert, anchors: readonly X509Cert[], intermediates: readonly X509Cert[]): CandidatePath[] {
  const out: CandidatePath[] = [];
  const anchorFor = (c: X509Cert): X509Cert | undefined => anchors.find((a) => a.equals(c) || sameKeyAndName(a, c));
  const pool = intermediates.filter((c, i) => intermediates.findIndex((d) => d.equals(c)) === i && anchorFor(c) === undefined);

  const walk = (path: X509Cert[]): void => {
    if (out.length >= MAX_CANDIDATE_PATHS) return;
    const cur = path[path.length - 1]!;
    if (path.length >= MAX_PATH_LENGTH) {
      out.push({ certs: path, anchored: false });
      return;
    }
    const issuers = [...anchors, ...pool].filter((c) => couldIssue(c, cur) && !path.some((p) => p.equals(c) || sameKeyAndName(p, c)));
    if (issuers.length === 0) {
      out.push({ certs: path, anchored: false });
      return;
    }
    for (const issuer of issuers) {
      if (anchors.includes(issuer)) out.push({ certs: [...path, issuer], anchored: true });
      else walk([...path, issuer]);
      if (out.length >= MAX_CANDIDATE_PATHS) return;
    }
  };

  const leafAnchor = anchorFor(leaf);
  if (leafAnchor !== undefined) out.push({ certs: [leafAnchor], anchored: true });
  walk([leaf]);
  return out;
}
