/**
 * A backup destination: a dumb blob store. It knows keys and bytes, nothing about encryption,
 * chunks or snapshots (the repository layer above does that), so every destination — a folder,
 * a removable drive, an SFTP server, an S3 bucket — passes the same conformance suite.
 *
 * Keys are relative, `/`-separated, made of `[a-z0-9._-]` segments (e.g. `data/3f/3f9a…`,
 * `snapshots/2026-11-23T…`, `keys/passphrase`). Objects are small enough to hold in memory
 * (the repository packs chunks into objects of a few MiB), so `put`/`get` take whole buffers.
 */

/** The kind of medium, for the 3-2-1 rule ("2 kinds of media"). */
export type MediaKind = 'disk' | 'removable' | 'network' | 'cloud';

/** URL schemes a target can have. */
export type DestinationScheme = 'file' | 'usb' | 'sftp' | 's3';

/** What a target is, for status tables and messages. Never contains a secret. */
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

/** Whether a target can be used now. */
export type ProbeResult = { online: true } | { online: false; reason: string };

/** A blob store. Every method may throw ScelleError TARGET_OFFLINE or TARGET_ERROR. */
export interface Destination {
  readonly info: DestinationInfo;
  /** Can it be used now? An unplugged removable drive is `{ online: false }`, not an error. */
  probe(): Promise<ProbeResult>;
  /**
   * Stores `data` under `key` atomically: a reader (or a crash) sees the whole object or no
   * object, never a part. Writing a key again replaces it atomically.
   */
  put(key: string, data: Uint8Array): Promise<void>;
  /**
   * Creates `key` only when it does not exist yet; returns false (and writes nothing) when it
   * does. Used for locks. Atomic on targets that can do it; best effort otherwise (documented).
   */
  putIfAbsent(key: string, data: Uint8Array): Promise<boolean>;
  /** The bytes of `key`; throws ScelleError OBJECT_MISSING (params: object, target) when absent. */
  get(key: string): Promise<Uint8Array>;
  /** The size of `key`, or undefined when it does not exist. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** Every key starting with `prefix` (e.g. `data/`), in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes `key`; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections. The target is not used afterwards. */
  close(): Promise<void>;
}
