/**
 * The promise that "VALID" can be shown to a court (issue 11): a signer cannot move a check into
 * the past by setting its own clock back, nor with a time-stamp from a TSA nobody trusts; a genuine
 * time-stamp from before the certificate expired or was revoked keeps the signature valid, naming
 * the proof; an old CRL given beside a newer one never hides a revocation. Each case through the
 * library (verifySignature) and through `mss read` (readMessage); the CLI runs the same cases in
 * tests/cli/verify-poe.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readMessage } from '../../../src/mss/read.js';
import { verifySignature, type SignatureVerdict } from '../../../src/validation/verify-signature.js';
import { createPoeFixture, type PoeFixture } from '../../helpers/poe-fixture.js';

const DAY = 86_400_000;
const content = new TextEncoder().encode('Cher confrère, je vous adresse Mme R. pour avis.\n');

let fx: PoeFixture;
beforeAll(() => {
  fx = createPoeFixture();
});

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}
const verify = (sig: Uint8Array, crls = fx.crls): Promise<SignatureVerdict> => verifySignature(sig, { trustAnchors: fx.trust, crls, content: once(content) });
const longAgo = (): Date => new Date(fx.now.getTime() - 30 * DAY);

/** A signed S/MIME message (multipart/signed) whose body part was signed by `sig` over `entity`. */
function smime(from: string, entity: Uint8Array, sig: Uint8Array): Uint8Array {
  const b = 'poe-boundary-7e3';
  const head = [
    `From: ${from}`, 'To: confrere@poe.mssante.fr', 'Subject: Avis', `Date: ${fx.now.toUTCString()}`, `Message-ID: <${Date.now()}.${Math.random()}@poe.mssante.fr>`, 'MIME-Version: 1.0',
    `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${b}"`, '', `--${b}`, '',
  ].join('\r\n');
  const tail = ['', `--${b}`, 'Content-Type: application/pkcs7-signature; name="smime.p7s"', 'Content-Transfer-Encoding: base64', '', Buffer.from(sig).toString('base64').replace(/.{76}/g, '$&\r\n'), `--${b}--`, ''].join('\r\n');
  return Uint8Array.from(Buffer.concat([Buffer.from(head), Buffer.from(entity), Buffer.from(tail)]));
}
const ENTITY = new TextEncoder().encode('Content-Type: text/plain; charset=utf-8\r\n\r\nAvis demande pour Mme R.\r\n');

/** The message read back: its signature verdict (the engine's, through mss read). */
async function viaMss(who: 'expired' | 'revoked', signingTime: Date, ts?: { tsa: 'tsa' | 'rogueTsa'; genTime: Date }, crls = fx.crls) {
  let sig = await fx.sign(fx[who], ENTITY, signingTime);
  if (ts !== undefined) sig = await fx.timestamp(sig, fx[ts.tsa], ts.genTime);
  const from = who === 'expired' ? 'expire@poe.mssante.fr' : 'revoque@poe.mssante.fr';
  return readMessage(smime(from, ENTITY, sig), { trustAnchors: fx.trust, crls });
}

describe('(a) the signer sets its own clock back: signing-time is a claim, never a proof', () => {
  it('expired certificate, backdated signing-time, no time-stamp → INDETERMINATE / OUT_OF_BOUNDS_NO_POE, CERT_EXPIRED', async () => {
    const v = await verify(await fx.sign(fx.expired, content, longAgo()));
    const s = v.signers[0]!;
    expect(v.ok).toBe(false);
    expect(s.code).toBe('CERT_EXPIRED');
    expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(s.signingTime?.getTime()).toBe(Math.floor(longAgo().getTime() / 1000) * 1000);
    expect(s.validatedAt.getTime()).toBe(s.validationTime.getTime()); // checked now, not at the claim
    expect(s.poe).toBeUndefined();
    expect(s.problems[0]!.message).toMatch(/signer's own statement, not a proof/);
  });

  it('revoked certificate, signing-time claimed before the revocation → INDETERMINATE / REVOKED_NO_POE, CERT_REVOKED', async () => {
    const v = await verify(await fx.sign(fx.revoked, content, new Date(fx.revokedAt.getTime() - DAY)));
    expect(v.signers[0]).toMatchObject({ ok: false, code: 'CERT_REVOKED', indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' });
  });

  it('through mss read: the same verdicts, nothing saved', async () => {
    const e = await viaMss('expired', longAgo());
    expect(e.signature?.verdict.signers[0]).toMatchObject({ code: 'CERT_EXPIRED', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(e.problems.map((p) => p.code)).toContain('CERT_EXPIRED');
    const r = await viaMss('revoked', new Date(fx.revokedAt.getTime() - DAY));
    expect(r.signature?.verdict.signers[0]).toMatchObject({ code: 'CERT_REVOKED', subIndication: 'REVOKED_NO_POE' });
    expect(r.problems.map((p) => p.code)).toContain('CERT_REVOKED');
  });
});

describe('(b) a time-stamp from a TSA that does not chain to the trust anchors proves nothing', () => {
  it('expired certificate + rogue TSA dated before expiry → still OUT_OF_BOUNDS_NO_POE; the token is reported (CHAIN_UNTRUSTED)', async () => {
    const sig = await fx.timestamp(await fx.sign(fx.expired, content, longAgo()), fx.rogueTsa, longAgo());
    const s = (await verify(sig)).signers[0]!;
    expect(s).toMatchObject({ ok: false, code: 'CERT_EXPIRED', indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(s.poe).toBeUndefined();
    expect(s.timestamps).toHaveLength(1);
    expect(s.timestamps[0]).toMatchObject({ ok: false, code: 'CHAIN_UNTRUSTED', indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
    expect(s.problems.map((p) => p.code)).toEqual(['CERT_EXPIRED', 'CHAIN_UNTRUSTED']);
    expect(s.problems[1]!.message).toMatch(/time-stamp .* proves nothing/);
  });

  it('revoked certificate + rogue TSA dated before the revocation → REVOKED_NO_POE; token CHAIN_UNTRUSTED', async () => {
    const sig = await fx.timestamp(await fx.sign(fx.revoked, content, longAgo()), fx.rogueTsa, longAgo());
    const s = (await verify(sig)).signers[0]!;
    expect(s).toMatchObject({ code: 'CERT_REVOKED', subIndication: 'REVOKED_NO_POE' });
    expect(s.timestamps[0]!.code).toBe('CHAIN_UNTRUSTED');
  });

  it('a token that carries its own root → TSA_INJECTED_CA, and proves nothing either', async () => {
    const sig = await fx.timestamp(await fx.sign(fx.expired, content, longAgo()), fx.rogueTsa, longAgo(), [fx.rogueRoot.cert]);
    const s = (await verify(sig)).signers[0]!;
    expect(s).toMatchObject({ code: 'CERT_EXPIRED', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(s.timestamps[0]!.code).toBe('TSA_INJECTED_CA');
  });

  it('a rogue token on a certificate still valid now: the signature is INDETERMINATE / SIG_CONSTRAINTS_FAILURE (it claims a proof it does not give)', async () => {
    const sig = await fx.timestamp(await fx.sign(fx.valid, content, longAgo()), fx.rogueTsa, longAgo());
    const s = (await verify(sig)).signers[0]!;
    expect(s).toMatchObject({ ok: false, code: 'CHAIN_UNTRUSTED', indication: 'INDETERMINATE', subIndication: 'SIG_CONSTRAINTS_FAILURE' });
    expect(s.chain?.ok).toBe(true);
  });

  it('through mss read', async () => {
    const m = await viaMss('expired', longAgo(), { tsa: 'rogueTsa', genTime: longAgo() });
    const s = m.signature!.verdict.signers[0]!;
    expect(s).toMatchObject({ code: 'CERT_EXPIRED', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(s.timestamps[0]!.code).toBe('CHAIN_UNTRUSTED');
    expect(m.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['CERT_EXPIRED', 'CHAIN_UNTRUSTED']));
  });
});

describe('(c) a genuine trusted time-stamp from before the expiry or revocation keeps the signature valid', () => {
  it('expired certificate, trusted time-stamp 30 days ago → TOTAL-PASSED, validated in the past at the time-stamp, POE named', async () => {
    const sig = await fx.timestamp(await fx.sign(fx.expired, content, longAgo()), fx.tsa, longAgo());
    // Today's CRL was issued after the certificate expired and need not list it any more: it cannot
    // vouch for it. The CRL of ten days ago — after the proof, before the expiry — can (what a
    // CAdES-LT signature embeds).
    expect((await verify(sig)).signers[0]!.code).toBe('REVOCATION_UNAVAILABLE');
    const s = (await verify(sig, [...fx.crls, fx.oldCaCrl])).signers[0]!;
    expect(s.problems).toEqual([]);
    expect(s).toMatchObject({ ok: true, indication: 'TOTAL-PASSED' });
    expect(s.poe).toMatchObject({ origin: 'signature-timestamp', tsa: expect.stringContaining('HORODATAGE POE') });
    expect(s.poe!.time.getTime()).toBe(longAgo().getTime()); // genTime keeps its milliseconds
    expect(s.chain?.code).toBe('CERT_EXPIRED'); // now
    expect(s.pastChain?.ok).toBe(true); // then
    expect(s.pastChain?.revocation[0]?.crl?.number).toBe('01');
    expect(s.pastChain?.past).toBe(true);
    expect(s.validatedAt.getTime()).toBe(s.poe!.time.getTime());
    expect(s.bestSignatureTime.getTime()).toBe(s.poe!.time.getTime());
  });

  it('revoked certificate, trusted time-stamp before the revocation → TOTAL-PASSED; the revocation is noted as later', async () => {
    const stamped = new Date(fx.revokedAt.getTime() - 10 * 60_000);
    const sig = await fx.timestamp(await fx.sign(fx.revoked, content, stamped), fx.tsa, stamped);
    const s = (await verify(sig)).signers[0]!;
    expect(s.problems).toEqual([]);
    expect(s.ok).toBe(true);
    expect(s.poe?.origin).toBe('signature-timestamp');
    expect(s.pastChain?.revocation[0]).toMatchObject({ status: 'good', note: expect.stringMatching(/^revoked on .* after/) });
  });

  it('a trusted time-stamp AFTER the revocation proves nothing about before → REVOKED_NO_POE', async () => {
    const after = new Date(fx.revokedAt.getTime() + 10 * 60_000);
    const sig = await fx.timestamp(await fx.sign(fx.revoked, content, longAgo()), fx.tsa, after);
    const s = (await verify(sig)).signers[0]!;
    expect(s).toMatchObject({ ok: false, code: 'CERT_REVOKED', subIndication: 'REVOKED_NO_POE' });
    expect(s.timestamps[0]!.ok).toBe(true);
  });

  it('the past needs revocation data issued after the proven time: only a CRL issued before it → not valid (TRY_LATER)', async () => {
    const sig = await fx.timestamp(await fx.sign(fx.expired, content, longAgo()), fx.tsa, new Date(fx.now.getTime() - 5 * DAY));
    // The CA's CRL of ten days ago is current now (the TSA checks out) but was issued before the proof.
    const s = (await verify(sig, [fx.oldCaCrl, fx.crls[1]!])).signers[0]!;
    expect(s.timestamps[0]!.ok).toBe(true);
    expect(s).toMatchObject({ ok: false, code: 'REVOCATION_UNAVAILABLE', indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
    expect(s.problems[0]!.message).toMatch(/issued at or after that time is needed/);
  });

  it('through mss read: valid, the proof of existence named', async () => {
    const m = await viaMss('expired', longAgo(), { tsa: 'tsa', genTime: longAgo() }, [...fx.crls, fx.oldCaCrl]);
    const s = m.signature!.verdict.signers[0]!;
    expect(s.problems).toEqual([]);
    expect(s.ok).toBe(true);
    expect(s.poe?.origin).toBe('signature-timestamp');
    expect(m.problems.filter((p) => p.code !== 'SENDER_MISMATCH')).toEqual([]);
  });
});

describe('(d) an old CRL given beside a newer one never hides a revocation', () => {
  it('old CRL (no entry) + new CRL (revoked): CERT_REVOKED, whatever their order', async () => {
    const sig = await fx.sign(fx.revoked, content, fx.now);
    for (const crls of [[fx.oldCaCrl, ...fx.crls], [...fx.crls, fx.oldCaCrl]]) {
      const s = (await verify(sig, crls)).signers[0]!;
      expect(s).toMatchObject({ ok: false, code: 'CERT_REVOKED', subIndication: 'REVOKED_NO_POE' });
      expect(s.chain?.revocation[0]?.crl?.number).toBe('02');
    }
  });

  it('the old CRL alone (still within its validity) says good: that is what was known then', async () => {
    const sig = await fx.sign(fx.revoked, content, fx.now);
    const s = (await verify(sig, [fx.oldCaCrl, fx.crls[1]!])).signers[0]!;
    expect(s.ok).toBe(true);
  });

  it('through mss read', async () => {
    const m = await viaMss('revoked', fx.now, undefined, [fx.oldCaCrl, ...fx.crls]);
    expect(m.signature!.verdict.signers[0]).toMatchObject({ code: 'CERT_REVOKED', subIndication: 'REVOKED_NO_POE' });
  });
});

describe('revocation asked for and unavailable → INDETERMINATE, never valid', () => {
  it('no CRL at all: TRY_LATER with REVOCATION_UNAVAILABLE', async () => {
    const s = (await verify(await fx.sign(fx.revoked, content, fx.now), [])).signers[0]!;
    expect(s).toMatchObject({ ok: false, code: 'REVOCATION_UNAVAILABLE', indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
  });
});
