/**
 * A backup destination: a dumb blob store. It knows keys and bytes, nothing about encryption,
 * chunks or snapshots (the repository layer above does that), so every destination — a folder,
 * a removable drive, an SFTP server, an S3 bucket — passes the same conformance suite.
 *
 * Keys are relative, `/`-separated, made of `[a-z0-9._-]` segments (e.g. `data/3f/3f9a…`,
 * `seals/0000000042.seal`, `keys/passphrase`). Objects are small enough to hold in memory
 * (the repository packs chunks into objects of a few MiB), so `put`/`get` take whole buffers,
 * and every `get` is bounded (`maxBytes`): a hostile object cannot make a reader allocate gigabytes.
 */

/** The kind of medium, for the 3-2-1 rule ("2 kinds of media"). */
export type MediaKind = 'disk' | 'removable' | 'network' | 'cloud';

/** URL schemes a destination can have. */
export type DestinationScheme = 'file' | 'usb' | 'sftp' | 's3';

/** What a destination is, for status tables and messages. Never contains a secret. */
export interface DestinationInfo {
  /** The name given in the config (`usb1`, `nas`, `hds`). */
  name: string;
  scheme: DestinationScheme;
  /** The URL without credentials. */
  url: string;
  media: MediaKind;
}

/** A stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
}

/** Whether a destination can be used now. */
export type ProbeResult = { online: true } | { online: false; reason: string };

/** Options of {@link Destination.get}. */
export interface GetOptions {
  /**
   * Refuse an object larger than this many bytes (ScelleError OBJECT_TOO_LARGE) before reading
   * it. Default {@link DEFAULT_MAX_OBJECT}.
   */
  maxBytes?: number;
}

/** The bound of a `get` without `maxBytes`: a pack is a few MiB; nothing scelle writes is larger. */
export const DEFAULT_MAX_OBJECT = 64 * 1024 * 1024;

/**
 * Immutable copies (S3 Object Lock in COMPLIANCE mode): every object is written under a retention
 * that nobody — not even the account's owner — can shorten or delete before it ends. Overwriting
 * or deleting a key only adds a version or a delete marker; the locked version stays readable.
 */
export interface Retention {
  readonly mode: 'compliance';
  /** Each object is locked this many days after it is written (and extended while it is needed). */
  readonly days: number;
  /** When the current version of `key` stops being locked (undefined: not locked or absent). */
  lockedUntil(key: string): Promise<Date | undefined>;
  /** Extends the lock of the current version of `key` to `until` (never shortens it). */
  extend(key: string, until: Date): Promise<void>;
  /** Every stored version of `key`, newest first (a deleted or overwritten object keeps its old ones). */
  versions(key: string): Promise<{ id: string; size: number; latest: boolean }[]>;
  /** The bytes of one version. */
  getVersion(key: string, id: string, options?: GetOptions): Promise<Uint8Array>;
}

/** A blob store. Every method may throw ScelleError TARGET_OFFLINE, TARGET_ERROR or AUTH_FAILED. */
export interface Destination {
  readonly info: DestinationInfo;
  /** Immutable copies, when the destination has them (`;lock=compliance,days=N`). */
  readonly retention?: Retention;
  /** Can it be used now? An unplugged removable drive is `{ online: false }`, not an error. */
  probe(): Promise<ProbeResult>;
  /**
   * Makes the destination exist (a folder, a remote folder; checks a bucket). Only `backup init`
   * and an explicit `--create` call it: no other write ever creates a destination, so a share
   * that is not mounted is reported offline instead of being filled on the local disk.
   */
  create(): Promise<void>;
  /**
   * Stores `data` under `key` atomically: a reader (or a crash) sees the whole object or no
   * object, never a part. Writing a key again replaces it atomically.
   */
  put(key: string, data: Uint8Array): Promise<void>;
  /**
   * Creates `key` only when it does not exist yet; returns false (and writes nothing) when it
   * does. Every content-addressed object and every seal is written so: nothing is overwritten.
   * Atomic on destinations that can do it; best effort otherwise (documented per kind).
   */
  putIfAbsent(key: string, data: Uint8Array): Promise<boolean>;
  /**
   * The bytes of `key`.
   * @throws ScelleError OBJECT_MISSING (params: object, target) when absent, OBJECT_TOO_LARGE when
   *   it is larger than `maxBytes`.
   */
  get(key: string, options?: GetOptions): Promise<Uint8Array>;
  /** The size of `key`, or undefined when it does not exist. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** Every key starting with `prefix` (e.g. `data/`), in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes `key`; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Removes the temp objects (`KEY~tmp~…`) that interrupted writes left, when older than
   * `olderThanMs` at `now` (younger ones may belong to a write in progress). Returns how many.
   */
  removeTemp(olderThanMs: number, now: Date): Promise<number>;
  /** Releases connections. The destination is not used afterwards. */
  close(): Promise<void>;
}
