/**
 * The few S3 XML answers the S3 destination reads: ListObjectsV2 (ListBucketResult),
 * ListObjectVersions (ListVersionsResult), GetObjectRetention and GetObjectLockConfiguration, and
 * error bodies. The elements used are flat text, so a tag scan is exact here; answers are bounded
 * by the caller before they are scanned.
 */
import type { ObjectInfo } from './destination.js';

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML text with its entity and character references resolved. */
export function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return XML_ENTITIES[e] ?? m;
  });
}

function tag(body: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body);
  return m === null ? undefined : xmlText(m[1] ?? '');
}

/** Parses a ListObjectsV2 result (Contents/Key/Size, IsTruncated, NextContinuationToken). */
export function parseListPage(xml: string): { objects: ObjectInfo[]; truncated: boolean; next: string | undefined } {
  const objects: ObjectInfo[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const body = m[1] ?? '';
    const key = tag(body, 'Key');
    const size = /<Size>(\d+)<\/Size>/.exec(body)?.[1];
    if (key === undefined || size === undefined) continue;
    objects.push({ key, size: Number(size) });
  }
  const truncated = /<IsTruncated>\s*true\s*<\/IsTruncated>/.test(xml);
  return { objects, truncated, next: tag(xml, 'NextContinuationToken') };
}

/** One version (or delete marker) of a ListObjectVersions result. */
export interface VersionEntry {
  key: string;
  id: string;
  latest: boolean;
  /** Undefined for a delete marker. */
  size: number | undefined;
}

/** Parses a ListObjectVersions result (Version and DeleteMarker, NextKeyMarker/NextVersionIdMarker). */
export function parseVersionsPage(xml: string): { entries: VersionEntry[]; truncated: boolean; nextKey: string | undefined; nextVersion: string | undefined } {
  const entries: VersionEntry[] = [];
  for (const m of xml.matchAll(/<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g)) {
    const body = m[2] ?? '';
    const key = tag(body, 'Key');
    const id = tag(body, 'VersionId');
    if (key === undefined || id === undefined) continue;
    const size = m[1] === 'Version' ? Number(/<Size>(\d+)<\/Size>/.exec(body)?.[1] ?? Number.NaN) : undefined;
    entries.push({ key, id, latest: /<IsLatest>\s*true\s*<\/IsLatest>/.test(body), size: size !== undefined && Number.isFinite(size) ? size : undefined });
  }
  return {
    entries,
    truncated: /<IsTruncated>\s*true\s*<\/IsTruncated>/.test(xml),
    nextKey: tag(xml, 'NextKeyMarker'),
    nextVersion: tag(xml, 'NextVersionIdMarker'),
  };
}

/** The retain-until date of a GetObjectRetention answer. */
export function parseRetention(xml: string): Date | undefined {
  const d = tag(xml, 'RetainUntilDate');
  const t = d === undefined ? Number.NaN : Date.parse(d);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** True when a GetObjectLockConfiguration answer says Object Lock is enabled. */
export function objectLockEnabled(xml: string): boolean {
  return tag(xml, 'ObjectLockEnabled') === 'Enabled';
}

/** The S3 error code of an error body (`NoSuchKey`, `AccessDenied`…). */
export function errorCode(xml: string): string | undefined {
  return tag(xml, 'Code');
}

/** A PutObjectRetention body. */
export function retentionXml(until: Date): string {
  return `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>COMPLIANCE</Mode><RetainUntilDate>${until.toISOString()}</RetainUntilDate></Retention>`;
}
