/**
 * PKCS#11 tokens (CPS cards, HSMs, SoftHSM2): list tokens, open a logged-in session, list the
 * certificates and private keys on it, and sign with a key that never leaves the token.
 *
 * Spec: PKCS #11 Cryptographic Token Interface Base Specification Version 2.40 (OASIS, 2015) and
 * Current Mechanisms Specification Version 2.40:
 * - §5.4 C_Initialize / C_Finalize (once per process and per library; CKR_CRYPTOKI_ALREADY_INITIALIZED),
 * - §5.5 C_GetSlotList / C_GetTokenInfo, §5.6 C_OpenSession / C_Login / C_Logout,
 * - §5.7 C_FindObjects / C_GetAttributeValue, §5.11 C_SignInit / C_Sign,
 * - Mechanisms §2.1.6 CKM_RSA_PKCS (we hash in JS and send the DER DigestInfo, RFC 8017 §9.2),
 *   §2.1.10 CKM_RSA_PKCS_PSS (we send the hash; CK_RSA_PKCS_PSS_PARAMS), §2.3.6 CKM_ECDSA (we send
 *   the hash; the token returns r‖s, which we re-encode as the X9.62/RFC 3279 §2.2.3 DER
 *   Ecdsa-Sig-Value).
 *
 * The message is hashed with node:crypto (OpenSSL) rather than with CKM_SHA256_RSA_PKCS & co.:
 * CPS cards implement only the raw mechanisms, and hashing gigabytes through a smart card's APDU
 * channel would be pointlessly slow.
 *
 * Security invariants: the PIN is passed to C_Login and is neither stored nor put into any message;
 * private keys are only referenced by handle (no CKA_VALUE is ever read from a private key).
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import pkcs11js from 'pkcs11js';
import { ScelleError } from '../errors.js';
import type { SignatureHash, SignatureScheme } from './signature-scheme.js';

/** Where the PKCS#11 module is and which token to use. */
export interface Pkcs11Options {
  /** Path of the PKCS#11 shared library (e.g. `/usr/lib/softhsm/libsofthsm2.so`, the CPS `libcps3_pkcs11_lux.so`). */
  module: string;
  /** Select the token whose CKA label (CK_TOKEN_INFO.label, trailing blanks removed) equals this. */
  tokenLabel?: string;
  /** Select the token in the slot with this slot ID (as reported by {@link listPkcs11Tokens}). */
  slot?: number;
}

/** A token present in a slot (PKCS#11 v2.40 §3.2 CK_TOKEN_INFO, blank padding removed). */
export interface TokenInfo {
  /** The slot ID (CK_SLOT_ID). */
  slot: number;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  /** CKF_LOGIN_REQUIRED: a PIN is needed before private objects can be used. */
  loginRequired: boolean;
  /** CKF_TOKEN_INITIALIZED: false for a blank token (e.g. SoftHSM2's spare slot). */
  initialized: boolean;
  /** CKF_PROTECTED_AUTHENTICATION_PATH: the PIN is entered on the reader's own PIN pad. */
  protectedAuthenticationPath: boolean;
}

/** An X.509 certificate object (CKO_CERTIFICATE, CKC_X_509) on the token. */
export interface TokenCertificate {
  /** CKA_LABEL ('' when absent). */
  label: string;
  /** CKA_ID: pairs the certificate with its private key. */
  id: Uint8Array;
  /** CKA_VALUE: the DER certificate. */
  der: Uint8Array;
}

/** A private key object (CKO_PRIVATE_KEY) on the token. Only its attributes, never its value. */
export interface TokenPrivateKey {
  /** CKA_LABEL ('' when absent). */
  label: string;
  /** CKA_ID: pairs the key with its certificate. */
  id: Uint8Array;
  /** From CKA_KEY_TYPE: CKK_RSA, CKK_EC, anything else. */
  keyType: 'rsa' | 'ec' | 'other';
  /** CKA_SIGN. */
  canSign: boolean;
  /** CKA_DECRYPT. */
  canDecrypt: boolean;
}

/** A private key and the certificates that share its CKA_ID. */
export interface TokenIdentity {
  id: Uint8Array;
  /** The key's label (or the first certificate's when the key has none). */
  label: string;
  privateKey: TokenPrivateKey;
  /** Certificates with the same CKA_ID (zero, one, or several after a renewal). */
  certificates: TokenCertificate[];
}

// One definition of the schemes for software keys and tokens alike; re-exported so that callers of
// this module need not know where it lives (and so `export *` from both files does not conflict).
export type { SignatureHash, SignatureScheme };

type Pkcs11 = pkcs11js.PKCS11;
type Handle = Buffer;

/** RFC 8017 §9.2 note 1: DER of DigestInfo up to (not including) the hash value. */
const DIGEST_INFO_PREFIX: Record<SignatureHash, Uint8Array> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

const PSS_PARAMS: Record<SignatureHash, { hashAlg: number; mgf: number }> = {
  sha256: { hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256 },
  sha384: { hashAlg: pkcs11js.CKM_SHA384, mgf: pkcs11js.CKG_MGF1_SHA384 },
  sha512: { hashAlg: pkcs11js.CKM_SHA512, mgf: pkcs11js.CKG_MGF1_SHA512 },
};

/** Room for any signature up to RSA 32768 bits; the token reports the real length. */
const SIGNATURE_BUFFER_BYTES = 4096;

// ---------------------------------------------------------------------------------------------
// Module lifetime.
//
// C_Initialize/C_Finalize act on the whole process (v2.40 §5.4): a library loaded twice by dlopen
// is one library with one state. So the loaded modules are counted here, per path: the first user
// loads and initializes, the last one finalizes and unloads. Finalizing while another session of
// this process is still open would silently invalidate it. When someone outside scelle already
// initialized the library (CKR_CRYPTOKI_ALREADY_INITIALIZED) we use it and never finalize it.
// Logging out is per application and token (§5.6: C_Logout ends the login of every session), so
// open sessions are counted per slot too and only the last one logs out.
// ---------------------------------------------------------------------------------------------

interface LoadedModule {
  readonly path: string;
  readonly p11: Pkcs11;
  /** False when the library was already initialized by someone else: we must not finalize it. */
  readonly ownsInitialization: boolean;
  users: number;
  /** Open sessions per slot ID (hex of the handle). */
  readonly sessionsBySlot: Map<string, number>;
}

const loadedModules = new Map<string, LoadedModule>();

function acquireModule(path: string): LoadedModule {
  const existing = loadedModules.get(path);
  if (existing !== undefined) {
    existing.users += 1;
    return existing;
  }
  let p11: Pkcs11;
  try {
    p11 = new pkcs11js.PKCS11();
    p11.load(path);
  } catch (e) {
    throw new ScelleError('PKCS11_MODULE_ERROR', `cannot load the PKCS#11 module ${path}: ${loaderReason(e)}`, {
      cause: e,
      params: { module: path },
      hint: 'check the path of the PKCS#11 library (.so/.dll/.dylib) and that it matches this machine',
    });
  }
  let ownsInitialization = true;
  try {
    p11.C_Initialize();
  } catch (e) {
    if (ckrName(e) === 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      ownsInitialization = false;
    } else {
      safely(() => p11.close());
      throw new ScelleError('PKCS11_MODULE_ERROR', `the PKCS#11 module ${path} failed to initialize (C_Initialize: ${describeCkr(e)})`, {
        cause: e,
        params: { module: path },
      });
    }
  }
  const loaded: LoadedModule = { path, p11, ownsInitialization, users: 1, sessionsBySlot: new Map() };
  loadedModules.set(path, loaded);
  return loaded;
}

function releaseModule(loaded: LoadedModule): void {
  loaded.users -= 1;
  if (loaded.users > 0) return;
  loadedModules.delete(loaded.path);
  if (loaded.ownsInitialization) safely(() => loaded.p11.C_Finalize());
  safely(() => loaded.p11.close());
}

// ---------------------------------------------------------------------------------------------
// Public API.
// ---------------------------------------------------------------------------------------------

/**
 * Lists the tokens present in the slots of a PKCS#11 module (C_GetSlotList with tokenPresent).
 * Blank tokens are listed too, with `initialized: false`.
 *
 * @param module - path of the PKCS#11 shared library.
 * @throws ScelleError `PKCS11_MODULE_ERROR` when the module cannot be loaded or initialized,
 *   `PKCS11_ERROR` when the module fails to enumerate its slots.
 */
export function listPkcs11Tokens(module: string): TokenInfo[] {
  const loaded = acquireModule(module);
  try {
    return call('C_GetSlotList', () => loaded.p11.C_GetSlotList(true)).map((slot) => readTokenInfo(loaded.p11, slot));
  } finally {
    releaseModule(loaded);
  }
}

/**
 * One open, logged-in session with a token. The PIN is used for C_Login only and never kept.
 * Call {@link Pkcs11Session.close} when done (logs out, closes the session, finalizes the module
 * when this was its last user).
 *
 * Several sessions, on one or several tokens, may be open at once. Note that PKCS#11 login state
 * is shared by all sessions of a process on a token (v2.40 §5.6): while one session is logged in,
 * opening a second one on the same token does not re-check the PIN.
 */
export class Pkcs11Session {
  /** The token this session is open on. */
  readonly token: TokenInfo;
  readonly #module: LoadedModule;
  readonly #slotKey: string;
  #session: Handle | undefined;

  private constructor(loaded: LoadedModule, slotKey: string, session: Handle, token: TokenInfo) {
    this.#module = loaded;
    this.#slotKey = slotKey;
    this.#session = session;
    this.token = token;
  }

  /**
   * Loads the module, selects the token, opens a session and logs in as the user (CKU_USER).
   *
   * Token selection: by `tokenLabel` and/or `slot` when given (both must match); otherwise the only
   * initialized token present. An empty `pin` is accepted only when the token has a protected
   * authentication path (PIN pad) or requires no login.
   *
   * @throws ScelleError `PKCS11_MODULE_ERROR` (the module cannot be loaded or initialized),
   *   `TOKEN_NOT_FOUND` (no token present, or none with that label/slot),
   *   `USAGE` (several tokens present and neither `tokenLabel` nor `slot` given),
   *   `PIN_REQUIRED` (empty PIN for a token that needs one),
   *   `WRONG_PIN` (CKR_PIN_INCORRECT, CKR_PIN_LEN_RANGE, CKR_PIN_INVALID),
   *   `PIN_LOCKED` (CKR_PIN_LOCKED), `PKCS11_ERROR` (any other return value, named in the message).
   */
  static open(options: Pkcs11Options & { pin: string }): Pkcs11Session {
    const loaded = acquireModule(options.module);
    let session: Handle | undefined;
    let slotKey: string | undefined;
    try {
      const { slot, token } = selectToken(loaded.p11, options);
      session = call('C_OpenSession', () => loaded.p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION));
      slotKey = slot.toString('hex');
      loaded.sessionsBySlot.set(slotKey, (loaded.sessionsBySlot.get(slotKey) ?? 0) + 1);
      logIn(loaded.p11, session, token, options.pin);
      return new Pkcs11Session(loaded, slotKey, session, token);
    } catch (e) {
      if (session !== undefined) closeSessionHandle(loaded, slotKey ?? '', session, false);
      releaseModule(loaded);
      throw e;
    }
  }

  /**
   * Lists the X.509 certificates on the token (CKO_CERTIFICATE with CKC_X_509).
   * @throws ScelleError `PKCS11_ERROR` (token error or session closed).
   */
  listCertificates(): TokenCertificate[] {
    const p11 = this.#module.p11;
    const session = this.#open();
    return findObjects(p11, session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    ]).map((h) => ({
      label: decodeUtf8(readAttribute(p11, session, h, pkcs11js.CKA_LABEL)),
      id: copy(readAttribute(p11, session, h, pkcs11js.CKA_ID)),
      der: copy(readAttribute(p11, session, h, pkcs11js.CKA_VALUE)),
    }));
  }

  /**
   * Lists the private keys on the token (CKO_PRIVATE_KEY): their attributes only.
   * @throws ScelleError `PKCS11_ERROR` (token error or session closed).
   */
  listPrivateKeys(): TokenPrivateKey[] {
    const p11 = this.#module.p11;
    const session = this.#open();
    return findObjects(p11, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).map((h) =>
      describePrivateKey(p11, session, h),
    );
  }

  /**
   * Pairs each private key with the certificates that share its CKA_ID (PKCS#11 v2.40 §4.4: CKA_ID
   * "is intended as a means of distinguishing multiple public-key/private-key pairs").
   * @throws ScelleError `PKCS11_ERROR` (token error or session closed).
   */
  listIdentities(): TokenIdentity[] {
    const certificates = this.listCertificates();
    return this.listPrivateKeys().map((privateKey) => {
      const matching = certificates.filter((c) => sameBytes(c.id, privateKey.id));
      return {
        id: privateKey.id,
        label: privateKey.label !== '' ? privateKey.label : (matching[0]?.label ?? ''),
        privateKey,
        certificates: matching,
      };
    });
  }

  /**
   * Signs `data` (the message, not its hash) with the private key whose CKA_ID is `keyId`. The
   * message is hashed here; the token signs the hash with CKM_RSA_PKCS (over the DER DigestInfo),
   * CKM_RSA_PKCS_PSS or CKM_ECDSA. The key never leaves the token.
   *
   * @returns for RSA the signature octets (the size of the modulus); for ECDSA the DER
   *   Ecdsa-Sig-Value `SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3), as CMS and X.509 expect.
   * @throws ScelleError `NO_PRIVATE_KEY` (no private key with that CKA_ID),
   *   `UNSUPPORTED_ALGORITHM` (scheme does not fit the key type, or bad PSS salt length),
   *   `PKCS11_ERROR` (the token refused, e.g. CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_MECHANISM_INVALID;
   *   two keys share the CKA_ID; session closed), `WRONG_PIN`/`PIN_LOCKED` should the token demand
   *   the PIN again and reject it.
   */
  sign(keyId: Uint8Array, scheme: SignatureScheme, data: Uint8Array): Uint8Array {
    const p11 = this.#module.p11;
    const session = this.#open();
    const handles = findObjects(p11, session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(keyId) },
    ]);
    const idHex = Buffer.from(keyId).toString('hex');
    const key = handles[0];
    if (key === undefined) {
      throw new ScelleError('NO_PRIVATE_KEY', `token "${this.token.label}" has no private key with CKA_ID ${idHex}`, {
        params: { token: this.token.label, id: idHex },
      });
    }
    if (handles.length > 1) {
      throw new ScelleError('PKCS11_ERROR', `token "${this.token.label}" has ${handles.length} private keys with CKA_ID ${idHex}; refusing to guess which one signs`, {
        params: { token: this.token.label, id: idHex },
      });
    }
    const info = describePrivateKey(p11, session, key);
    const expected = scheme.type === 'ecdsa' ? 'ec' : 'rsa';
    if (info.keyType !== expected) {
      throw new ScelleError('UNSUPPORTED_ALGORITHM', `the ${scheme.type} scheme needs an ${expected.toUpperCase()} key, but key ${idHex} on token "${this.token.label}" is ${info.keyType === 'other' ? 'of another type' : `an ${info.keyType.toUpperCase()} key`}`, {
        params: { token: this.token.label, id: idHex, scheme: scheme.type },
      });
    }
    const digest = createHash(scheme.hash).update(data).digest();
    let mechanism: pkcs11js.Mechanism;
    let input: Buffer;
    switch (scheme.type) {
      case 'rsa-pkcs1':
        mechanism = { mechanism: pkcs11js.CKM_RSA_PKCS };
        input = Buffer.concat([DIGEST_INFO_PREFIX[scheme.hash], digest]);
        break;
      case 'rsa-pss': {
        if (!Number.isSafeInteger(scheme.saltLength) || scheme.saltLength < 0) {
          throw new ScelleError('UNSUPPORTED_ALGORITHM', `invalid RSA-PSS salt length ${String(scheme.saltLength)}: it must be a non-negative integer`);
        }
        const params: pkcs11js.RsaPSS = { type: pkcs11js.CK_PARAMS_RSA_PSS, ...PSS_PARAMS[scheme.hash], saltLen: scheme.saltLength };
        mechanism = { mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter: params };
        input = digest;
        break;
      }
      case 'ecdsa':
        mechanism = { mechanism: pkcs11js.CKM_ECDSA };
        input = digest;
        break;
    }
    call('C_SignInit', () => p11.C_SignInit(session, mechanism, key));
    const signature = call('C_Sign', () => p11.C_Sign(session, input, Buffer.alloc(SIGNATURE_BUFFER_BYTES)));
    return scheme.type === 'ecdsa' ? encodeEcdsaSignature(signature) : copy(signature);
  }

  /** Logs out (when this is the process's last session on the token), closes the session and releases the module. Safe to call twice. */
  close(): void {
    const session = this.#session;
    if (session === undefined) return;
    this.#session = undefined;
    closeSessionHandle(this.#module, this.#slotKey, session, true);
    releaseModule(this.#module);
  }

  #open(): Handle {
    if (this.#session === undefined) {
      throw new ScelleError('PKCS11_ERROR', `the PKCS#11 session on token "${this.token.label}" is closed`);
    }
    return this.#session;
  }
}

/**
 * Re-encodes a raw PKCS#11 ECDSA signature r‖s (v2.40 mechanisms §2.3.1: both halves the size of the
 * order) as the DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` of RFC 3279 §2.2.3.
 *
 * @throws ScelleError `PKCS11_ERROR` when the token returned an odd or empty length.
 */
export function encodeEcdsaSignature(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new ScelleError('PKCS11_ERROR', `the token returned a malformed ECDSA signature (${raw.length} bytes; expected r‖s of equal halves)`);
  }
  const half = raw.length / 2;
  const body = Buffer.concat([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]));
}

// ---------------------------------------------------------------------------------------------
// Internals.
// ---------------------------------------------------------------------------------------------

function derInteger(unsigned: Uint8Array): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start += 1;
  const magnitude = unsigned.subarray(start);
  // A set high bit would read as negative: DER prepends one zero octet (X.690 §8.3.2).
  const value = (magnitude[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : Buffer.from(magnitude);
  return Buffer.concat([Buffer.from([0x02]), derLength(value.length), value]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function selectToken(p11: Pkcs11, options: Pkcs11Options): { slot: Handle; token: TokenInfo } {
  const present = call('C_GetSlotList', () => p11.C_GetSlotList(true)).map((slot) => ({ slot, token: readTokenInfo(p11, slot) }));
  const wanted = present.filter(
    ({ token }) =>
      (options.tokenLabel === undefined || token.label === options.tokenLabel) &&
      (options.slot === undefined || token.slot === options.slot),
  );
  if (options.tokenLabel === undefined && options.slot === undefined) {
    const usable = wanted.filter(({ token }) => token.initialized);
    const only = usable[0];
    if (only === undefined) {
      throw new ScelleError('TOKEN_NOT_FOUND', `no token is present in the slots of ${moduleName(p11)}`, {
        hint: 'insert the card in the reader, or check that the reader is connected',
      });
    }
    if (usable.length > 1) {
      const labels = usable.map(({ token }) => `"${token.label}" (slot ${token.slot})`).join(', ');
      throw new ScelleError('USAGE', `several tokens are present (${labels}); choose one by label or slot`, {
        hint: 'pass the token label or the slot number',
      });
    }
    return only;
  }
  const first = wanted[0];
  if (first === undefined) {
    const what = [
      options.tokenLabel === undefined ? undefined : `label "${options.tokenLabel}"`,
      options.slot === undefined ? undefined : `slot ${options.slot}`,
    ]
      .filter((s) => s !== undefined)
      .join(' in ');
    const seen = present.map(({ token }) => `"${token.label}"`).join(', ');
    throw new ScelleError('TOKEN_NOT_FOUND', `no token with ${what} is present (tokens present: ${seen === '' ? 'none' : seen})`, {
      params: { token: options.tokenLabel ?? '', slot: options.slot ?? '' },
      hint: 'insert the card or check the token label',
    });
  }
  return first;
}

function logIn(p11: Pkcs11, session: Handle, token: TokenInfo, pin: string): void {
  if (pin === '') {
    if (!token.loginRequired) return;
    if (!token.protectedAuthenticationPath) {
      throw new ScelleError('PIN_REQUIRED', `token "${token.label}" needs its PIN`, { params: { token: token.label } });
    }
  }
  try {
    // A PIN pad reader takes a NULL PIN (v2.40 §5.6 C_Login) and asks the holder itself.
    if (pin === '') p11.C_Login(session, pkcs11js.CKU_USER);
    else p11.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (e) {
    const name = ckrName(e);
    if (name === 'CKR_USER_ALREADY_LOGGED_IN') return;
    switch (name) {
      case 'CKR_PIN_INCORRECT':
      case 'CKR_PIN_LEN_RANGE':
      case 'CKR_PIN_INVALID':
        throw new ScelleError('WRONG_PIN', `wrong PIN for token "${token.label}" (${name}); the token may lock after a few more wrong attempts`, {
          cause: stripped(e),
          params: { token: token.label },
        });
      case 'CKR_PIN_LOCKED':
        throw new ScelleError('PIN_LOCKED', `the PIN of token "${token.label}" is locked (CKR_PIN_LOCKED) after too many wrong attempts`, {
          cause: stripped(e),
          params: { token: token.label },
          hint: 'unlock the card with its PUK (for a CPS card: the card manager or the ANS tools)',
        });
      default:
        throw pkcs11Error('C_Login', e);
    }
  }
}

function closeSessionHandle(loaded: LoadedModule, slotKey: string, session: Handle, logOut: boolean): void {
  const open = loaded.sessionsBySlot.get(slotKey) ?? 0;
  // C_Logout ends the login of every session of this process on the token: only the last one logs out.
  if (logOut && open <= 1) safely(() => loaded.p11.C_Logout(session));
  safely(() => loaded.p11.C_CloseSession(session));
  if (open <= 1) loaded.sessionsBySlot.delete(slotKey);
  else loaded.sessionsBySlot.set(slotKey, open - 1);
}

function readTokenInfo(p11: Pkcs11, slot: Handle): TokenInfo {
  const info = call('C_GetTokenInfo', () => p11.C_GetTokenInfo(slot));
  return {
    slot: decodeUlong(slot),
    label: trimBlank(info.label),
    manufacturer: trimBlank(info.manufacturerID),
    model: trimBlank(info.model),
    serial: trimBlank(info.serialNumber),
    loginRequired: (info.flags & pkcs11js.CKF_LOGIN_REQUIRED) !== 0,
    initialized: (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0,
    protectedAuthenticationPath: (info.flags & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
  };
}

function describePrivateKey(p11: Pkcs11, session: Handle, h: Handle): TokenPrivateKey {
  const keyType = decodeUlong(readAttribute(p11, session, h, pkcs11js.CKA_KEY_TYPE));
  return {
    label: decodeUtf8(readAttribute(p11, session, h, pkcs11js.CKA_LABEL)),
    id: copy(readAttribute(p11, session, h, pkcs11js.CKA_ID)),
    keyType: keyType === pkcs11js.CKK_RSA ? 'rsa' : keyType === pkcs11js.CKK_EC ? 'ec' : 'other',
    canSign: decodeBool(readAttribute(p11, session, h, pkcs11js.CKA_SIGN)),
    canDecrypt: decodeBool(readAttribute(p11, session, h, pkcs11js.CKA_DECRYPT)),
  };
}

function findObjects(p11: Pkcs11, session: Handle, template: pkcs11js.Template): Handle[] {
  call('C_FindObjectsInit', () => p11.C_FindObjectsInit(session, template));
  const found: Handle[] = [];
  try {
    for (;;) {
      const batch = call('C_FindObjects', () => p11.C_FindObjects(session, 64));
      if (batch.length === 0) break;
      found.push(...batch);
    }
  } finally {
    safely(() => p11.C_FindObjectsFinal(session));
  }
  return found;
}

/** One attribute; an absent or unreadable optional attribute reads as empty (v2.40 §5.7 C_GetAttributeValue). */
function readAttribute(p11: Pkcs11, session: Handle, object: Handle, type: number): Buffer {
  try {
    const [attr] = p11.C_GetAttributeValue(session, object, [{ type }]);
    return attr?.value ?? Buffer.alloc(0);
  } catch (e) {
    const name = ckrName(e);
    if (name === 'CKR_ATTRIBUTE_TYPE_INVALID' || name === 'CKR_ATTRIBUTE_SENSITIVE') return Buffer.alloc(0);
    throw pkcs11Error('C_GetAttributeValue', e);
  }
}

/** Runs a Cryptoki call, turning its failure into a ScelleError. */
function call<T>(fn: string, thunk: () => T): T {
  try {
    return thunk();
  } catch (e) {
    if (e instanceof ScelleError) throw e;
    const name = ckrName(e);
    if (name === 'CKR_PIN_INCORRECT' || name === 'CKR_PIN_LEN_RANGE' || name === 'CKR_PIN_INVALID') {
      throw new ScelleError('WRONG_PIN', `${fn} failed: ${name}`, { cause: stripped(e) });
    }
    if (name === 'CKR_PIN_LOCKED') throw new ScelleError('PIN_LOCKED', `${fn} failed: the PIN is locked (CKR_PIN_LOCKED)`, { cause: stripped(e) });
    throw pkcs11Error(fn, e);
  }
}

function pkcs11Error(fn: string, e: unknown): ScelleError {
  const hint =
    ckrName(e) === 'CKR_TOKEN_NOT_PRESENT' || ckrName(e) === 'CKR_DEVICE_REMOVED'
      ? 'the card was removed from the reader'
      : undefined;
  return new ScelleError('PKCS11_ERROR', `PKCS#11 ${fn} failed: ${describeCkr(e)}`, {
    cause: stripped(e),
    ...(hint === undefined ? {} : { hint }),
  });
}

/** The CK_RV name of a pkcs11js error (e.g. `CKR_PIN_INCORRECT`), or undefined for a non-Cryptoki error. */
function ckrName(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  if (/^CKR_\w+$/.test(e.message)) return e.message;
  const code = (e as { code?: unknown }).code;
  if (e instanceof pkcs11js.Pkcs11Error && typeof code === 'number') return ckrNames().get(code);
  return undefined;
}

function describeCkr(e: unknown): string {
  const name = ckrName(e);
  const code = (e as { code?: unknown } | undefined)?.code;
  if (name !== undefined) return typeof code === 'number' ? `${name} (0x${code.toString(16).toUpperCase()})` : name;
  return e instanceof Error ? e.message : String(e);
}

let ckrByValue: Map<number, string> | undefined;
function ckrNames(): Map<number, string> {
  if (ckrByValue === undefined) {
    ckrByValue = new Map();
    for (const [k, v] of Object.entries(pkcs11js)) if (k.startsWith('CKR_') && typeof v === 'number') ckrByValue.set(v, k);
  }
  return ckrByValue;
}

/**
 * Keeps the CK_RV name and value of a Cryptoki error but not its native stack. The stack holds no
 * argument values today; dropping it keeps it that way whatever pkcs11js does next.
 */
function stripped(e: unknown): Error {
  const name = ckrName(e);
  const copyErr = new Error(name ?? (e instanceof Error ? e.message : String(e)));
  copyErr.name = 'Pkcs11Error';
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number') (copyErr as Error & { code: number }).code = code;
  return copyErr;
}

function loaderReason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function moduleName(p11: Pkcs11): string {
  return p11.libPath;
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // Tear-down: a failure here (card removed, session already gone) must not hide the real error.
  }
}

/** pkcs11js hands CK_ULONG values (slot IDs, CKA_KEY_TYPE) over as their native bytes. */
function decodeUlong(b: Buffer): number {
  const le = endianness() === 'LE';
  if (b.length === 8) {
    const v = le ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN;
  }
  if (b.length === 4) return le ? b.readUInt32LE(0) : b.readUInt32BE(0);
  return Number.NaN;
}

function decodeBool(b: Buffer): boolean {
  return b.length > 0 && b[0] !== 0;
}

function decodeUtf8(b: Buffer): string {
  return new TextDecoder('utf-8').decode(b);
}

/** CK_UTF8CHAR fields of CK_TOKEN_INFO are blank padded and not NUL terminated (v2.40 §3.2). */
function trimBlank(s: string): string {
  return s.replace(/[\s\0]+$/u, '');
}

function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
