/**
 * SASL initial responses for the ways an MSSanté client logs in (used by SMTP AUTH, RFC 4954, and
 * IMAP AUTHENTICATE, RFC 9051 §6.2.2):
 *
 * - PLAIN (RFC 4616): `\0user\0password`;
 * - OAUTHBEARER (RFC 7628 §3.1): GS2 header `n,a=<user>,` then `host=`, `port=`, `auth=Bearer
 *   <token>` separated and ended by ^A — the e-CPS / Pro Santé Connect access token;
 * - XOAUTH2 (Google's older form, which many servers still offer): `user=<user>^Aauth=Bearer
 *   <token>^A^A`;
 * - EXTERNAL (RFC 4422 Appendix A): the identity is the TLS client certificate; the initial
 *   response is the authorization identity, empty to take the one the server derives from it.
 *
 * A server that refuses a bearer token answers with a challenge carrying a JSON error
 * (RFC 7628 §3.2.2: `{"status":"invalid_token",…}`); the client then sends ^A (OAUTHBEARER) or an
 * empty response (XOAUTH2) and gets the final failure.
 */
import { ScelleError } from '../errors.js';

/** SASL mechanisms scelle uses. */
export type SaslMechanism = 'PLAIN' | 'OAUTHBEARER' | 'XOAUTH2' | 'EXTERNAL';

/** RFC 6750 §2.1 b64token: what a bearer token may contain. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function checkField(value: string, what: string): void {
  // ^A frames the OAuth payloads, NUL the PLAIN one: a control character would let a value end a field early.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new ScelleError('USAGE', `the ${what} contains control characters`, { params: { detail: `${what} with control characters` } });
}

/** RFC 5801 §4 saslname: `,` and `=` escaped as `=2C` and `=3D`. */
function saslName(value: string): string {
  return value.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * The initial response of a mechanism, as bytes (base64 them for the wire).
 * @throws ScelleError USAGE (a control character in a value, a token that is not a bearer token).
 */
export function initialResponse(mechanism: SaslMechanism, input: { user?: string; password?: string; token?: string; host?: string; port?: number }): Buffer {
  switch (mechanism) {
    case 'PLAIN':
      checkField(input.user ?? '', 'user name');
      if ((input.password ?? '').includes('\u0000')) throw new ScelleError('USAGE', 'the password contains a NUL character');
      return Buffer.from(`\u0000${input.user ?? ''}\u0000${input.password ?? ''}`, 'utf8');
    case 'OAUTHBEARER':
      checkBearer(input.token);
      checkField(input.user ?? '', 'user name');
      return Buffer.from(`n,a=${saslName(input.user ?? '')},\u0001host=${input.host ?? ''}\u0001port=${input.port ?? ''}\u0001auth=Bearer ${input.token}\u0001\u0001`, 'utf8');
    case 'XOAUTH2':
      checkBearer(input.token);
      checkField(input.user ?? '', 'user name');
      return Buffer.from(`user=${input.user ?? ''}\u0001auth=Bearer ${input.token}\u0001\u0001`, 'utf8');
    case 'EXTERNAL':
      checkField(input.user ?? '', 'authorization identity');
      return Buffer.from(input.user ?? '', 'utf8');
  }
}

function checkBearer(token: string | undefined): void {
  if (token === undefined || !B64TOKEN.test(token)) {
    throw new ScelleError('USAGE', 'the access token is not a bearer token (RFC 6750 §2.1: letters, digits and -._~+/ only)', { params: { detail: 'malformed access token' } });
  }
}

/** What a server said when it refused a bearer token (RFC 7628 §3.2.2). */
export interface OAuthChallenge {
  status?: string;
  scope?: string;
  openidConfiguration?: string;
}

/** Decodes the base64 JSON challenge of a refused OAuth login; undefined when it is not one. */
export function decodeOAuthChallenge(base64: string): OAuthChallenge | undefined {
  try {
    const json = JSON.parse(Buffer.from(base64.trim(), 'base64').toString('utf8')) as Record<string, unknown>;
    if (typeof json !== 'object' || json === null) return undefined;
    return {
      ...(typeof json.status === 'string' ? { status: json.status } : {}),
      ...(typeof json.scope === 'string' ? { scope: json.scope } : {}),
      ...(typeof json['openid-configuration'] === 'string' ? { openidConfiguration: json['openid-configuration'] } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The client's answer to an error challenge, before the server's final failure: ^A for OAUTHBEARER, empty for XOAUTH2. */
export function abortResponse(mechanism: SaslMechanism): string {
  return mechanism === 'OAUTHBEARER' ? Buffer.from('\u0001').toString('base64') : '';
}
