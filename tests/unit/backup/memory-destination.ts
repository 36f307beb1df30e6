/** An in-memory Destination for the backup unit tests (a dumb blob store, as target.ts describes). */
import { ScelleError } from '../../../src/errors.js';
import { objectTooLarge } from '../../../src/backup/destination/common.js';
import { DEFAULT_MAX_OBJECT, type GetOptions, type MediaKind, type ObjectInfo, type ProbeResult, type Destination, type DestinationInfo } from '../../../src/backup/destination/destination.js';

export class MemoryDestination implements Destination {
  readonly info: DestinationInfo;
  readonly objects = new Map<string, Uint8Array>();
  online = true;
  puts = 0;
  constructor(name: string, media: MediaKind = 'disk') {
    this.info = { name, scheme: media === 'removable' ? 'usb' : 'file', url: `mem://${name}`, media };
  }
  #check(): void {
    if (!this.online) throw new ScelleError('TARGET_OFFLINE', `${this.info.name} is offline`, { params: { target: this.info.name } });
  }
  async probe(): Promise<ProbeResult> {
    return this.online ? { online: true } : { online: false, reason: 'unplugged' };
  }
  async put(key: string, data: Uint8Array): Promise<void> {
    this.#check();
    this.puts++;
    this.objects.set(key, Uint8Array.from(data));
  }
  async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    this.#check();
    if (this.objects.has(key)) return false;
    this.objects.set(key, Uint8Array.from(data));
    return true;
  }
  async get(key: string, options: GetOptions = {}): Promise<Uint8Array> {
    this.#check();
    const v = this.objects.get(key);
    if (v === undefined) throw new ScelleError('OBJECT_MISSING', `${key} is missing on ${this.info.name}`, { params: { object: key, target: this.info.name } });
    if (v.length > (options.maxBytes ?? DEFAULT_MAX_OBJECT)) throw objectTooLarge(this.info, key, v.length, options.maxBytes ?? DEFAULT_MAX_OBJECT);
    return Uint8Array.from(v);
  }
  async stat(key: string): Promise<{ size: number } | undefined> {
    this.#check();
    const v = this.objects.get(key);
    return v === undefined ? undefined : { size: v.length };
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.#check();
    for (const [key, v] of [...this.objects]) if (key.startsWith(prefix)) yield { key, size: v.length };
  }
  async delete(key: string): Promise<void> {
    this.#check();
    this.objects.delete(key);
  }
  async create(): Promise<void> {
    this.online = true;
  }
  async removeTemp(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
