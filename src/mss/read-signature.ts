/**
 * The signature part of a message's verdict: who signed (from the certificate: name, RPPS,
 * profession, e-mail), whether the verdict of the signature engine holds, and whether the From
 * address is one of the signer's (RFC 8550 §3: the sending agent's address must match the
 * certificate; otherwise the sender is not who signed).
 *
 * The signature verdict itself comes from the CMS verifier, untouched: this module only names its
 * problems in message terms (a detached content that changed is CONTENT_TAMPERED here) and adds the
 * From check.
 */
import type { ErrorCode } from '../errors.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import type { SignedLayer } from './smime.js';
import type { MessageProblem, MessageSignature } from './read-types.js';

/** Builds the signature report of a verified layer. */
export function signatureReport(layer: SignedLayer, from: string | undefined, name: string): MessageSignature {
  const v = layer.verdict;
  const s = v.signers[0];
  const problems = signerProblems(layer, name);
  const cert = s?.signer;
  const summary = cert ? summarizeCertificate(cert, s!.validatedAt) : undefined;
  // RFC 8550 §3: the address may be an rfc822Name or, in older certificates, the subject's emailAddress.
  const emails = cert ? cert.emailAddresses.map((e) => e.toLowerCase()) : [];
  const fromMatches = from !== undefined && emails.includes(from.toLowerCase());
  if (cert && !fromMatches) {
    problems.push({ code: 'SENDER_MISMATCH', message: `${name}: the From address ${from ?? '(none)'} is not in the signer's certificate (${emails.join(', ') || 'no e-mail address'}): the sender is not who signed` });
  }
  const code = problems[0]?.code;
  return {
    kind: layer.kind,
    ok: problems.length === 0,
    ...(code ? { code } : {}),
    ...(layer.micalg ? { micalg: layer.micalg } : {}),
    ...(summary ? {
      signer: {
        name: summary.holder.displayName,
        ...(summary.rpps ? { rpps: summary.rpps } : {}),
        ...(summary.holder.profession ? { profession: summary.holder.profession } : {}),
        ...(summary.email ? { email: summary.email } : {}),
        subject: summary.subject, issuer: summary.issuer, sha256Fingerprint: summary.sha256Fingerprint,
      },
    } : {}),
    ...(s?.signingTime ? { signingTime: s.signingTime } : {}),
    ...(s ? { digestAlgorithm: s.digestAlgorithm, signatureAlgorithm: s.signatureAlgorithm } : {}),
    chainOk: s?.chain?.ok === true,
    fromMatches,
    problems,
    verdict: v,
  };
}

function signerProblems(layer: SignedLayer, name: string): MessageProblem[] {
  const v = layer.verdict;
  const problems: MessageProblem[] = [];
  for (const signer of v.signers) {
    for (const p of signer.problems) {
      // A detached multipart/signed whose content changed: in a message, that is tampering.
      const code: ErrorCode = p.code === 'CONTENT_MISMATCH' ? 'CONTENT_TAMPERED' : p.code;
      const message = p.code === 'CONTENT_MISMATCH' ? `${name}: the message was altered after it was signed (${p.message})` : `${name}: ${p.message}`;
      problems.push({ code, message });
    }
  }
  if (v.signers.length === 0) problems.push({ code: 'SIGNATURE_INVALID', message: `${name}: the signature has no signer` });
  return problems;
}
