/**
 * Name constraints (RFC 5280 §4.2.1.10) as path validation applies them (§6.1.3 (b)–(c),
 * §6.1.4 (g)): the permitted subtrees of the path are the intersection of every CA's, the excluded
 * ones their union; each certificate below a constraining CA (except self-issued intermediates) must
 * have every name of a constrained type inside a permitted subtree and outside every excluded one.
 *
 * Name forms: directoryName (RDN prefix, compared as §7.1), rfc822Name (a mailbox, a host, or
 * `.domain` for the hosts of a domain), dNSName (the name and its subdomains), URI (its host, as
 * rfc822/dNS), iPAddress (address and mask). The subject's emailAddress attributes are checked as
 * rfc822Names (§4.2.1.10). A constraint on a form scelle does not understand (otherName, x400,
 * EDI, registeredID) fails closed when the certificate carries a name of that form.
 */
import type { X509Cert } from '../certificate.js';
import type { GeneralSubtree } from '../extensions.js';
import { EMAIL_ADDRESS_OID, decodeName, nameWithinSubtree, type GeneralName } from '../names.js';

type Form = 'dirName' | 'email' | 'dns' | 'uri' | 'ip' | 'other';

function formOf(n: GeneralName): Form {
  return n.type;
}

/** The state of §6.1: per name form, permitted subtrees (undefined = unbounded) and excluded ones. */
export class NameConstraintState {
  readonly #permitted = new Map<Form, GeneralName[]>();
  readonly #excluded: GeneralName[] = [];

  /** §6.1.4 (g): applies a CA's nameConstraints extension. */
  add(permitted: readonly GeneralSubtree[] | undefined, excluded: readonly GeneralSubtree[] | undefined): void {
    if (permitted !== undefined) {
      const byForm = new Map<Form, GeneralName[]>();
      for (const s of permitted) {
        const f = formOf(s.base);
        byForm.set(f, [...(byForm.get(f) ?? []), s.base]);
      }
      for (const [form, bases] of byForm) {
        const current = this.#permitted.get(form);
        this.#permitted.set(form, current === undefined ? bases : intersect(current, bases));
      }
    }
    if (excluded !== undefined) this.#excluded.push(...excluded.map((s) => s.base));
  }

  /**
   * Checks a certificate's subject and alternative names (§6.1.3 (b)–(c)).
   * @returns why it violates the constraints, or undefined.
   */
  check(cert: X509Cert): string | undefined {
    const names: GeneralName[] = [];
    if (cert.subjectDer.length > 2) names.push({ type: 'dirName', value: cert.subject, der: cert.subjectDer });
    // §4.2.1.10: without a subjectAltName, rfc822Name constraints apply to the subject's emailAddress.
    if (cert.subjectAltNames.length === 0) {
      for (const a of cert.subjectAttributes) if (a.oid === EMAIL_ADDRESS_OID && a.hex !== true) names.push({ type: 'email', value: a.value });
    }
    names.push(...cert.subjectAltNames);
    for (const name of names) {
      const form = formOf(name);
      const permitted = this.#permitted.get(form);
      if (permitted !== undefined && !permitted.some((base) => within(name, base))) {
        return `its ${describe(name)} is outside the permitted name subtrees (${permitted.map(describe).join(', ') || 'none'})`;
      }
      const hit = this.#excluded.find((base) => formOf(base) === form && within(name, base));
      if (hit !== undefined) return `its ${describe(name)} is inside the excluded name subtree ${describe(hit)}`;
    }
    return undefined;
  }
}

function describe(n: GeneralName): string {
  const kind = { dirName: 'directory name', email: 'e-mail address', dns: 'DNS name', uri: 'URI', ip: 'IP address', other: 'name' }[n.type];
  return `${kind} "${n.value}"`;
}

/** The subtrees of both lists that lie within a subtree of the other (the narrower of each overlapping pair). */
function intersect(a: readonly GeneralName[], b: readonly GeneralName[]): GeneralName[] {
  const out: GeneralName[] = [];
  for (const x of a) {
    for (const y of b) {
      if (subtreeWithin(y, x)) out.push(y);
      else if (subtreeWithin(x, y)) out.push(x);
    }
  }
  return out;
}

/** True when every name of subtree `inner` is also in subtree `outer` (same form). */
function subtreeWithin(inner: GeneralName, outer: GeneralName): boolean {
  if (inner.type !== outer.type) return false;
  if (inner.type === 'ip' && outer.type === 'ip') {
    const [ia, im] = split(inner.bytes);
    const [oa, om] = split(outer.bytes);
    if (ia.length !== oa.length) return false;
    for (let i = 0; i < ia.length; i++) {
      if ((im[i]! & om[i]!) !== om[i]) return false; // inner mask narrower or equal
      if ((ia[i]! & om[i]!) !== (oa[i]! & om[i]!)) return false;
    }
    return true;
  }
  if (inner.type === 'email' && outer.type === 'email' && !inner.value.includes('@') && !outer.value.includes('@')) {
    return hostWithin(inner.value, outer.value, true) || (inner.value.startsWith('.') && outer.value.startsWith('.') && domainSuffix(inner.value.slice(1), outer.value.slice(1)));
  }
  return within(inner, outer);
}

function split(b: Uint8Array): [Uint8Array, Uint8Array] {
  const half = b.length / 2;
  return [b.subarray(0, half), b.subarray(half)];
}

/** `name` ends with `.domain` label-wise (case-insensitive). */
function domainSuffix(name: string, domain: string): boolean {
  const n = name.toLowerCase();
  const d = domain.toLowerCase().replace(/^\./, '');
  return n === d || n.endsWith(`.${d}`);
}

/**
 * A host against an rfc822/URI host constraint: `.example.com` matches hosts strictly inside the
 * domain; `example.com` matches that host only (`subdomains` false) — for dNSName the name and its
 * subdomains (`subdomains` true).
 */
function hostWithin(host: string, constraint: string, subdomains: boolean): boolean {
  const h = host.toLowerCase();
  const c = constraint.toLowerCase();
  if (c === '') return true;
  if (c.startsWith('.')) return h.endsWith(c) && h.length > c.length;
  return h === c || (subdomains && h.endsWith(`.${c}`));
}

/** True when `name` lies in the subtree `base` (same form). */
function within(name: GeneralName, base: GeneralName): boolean {
  switch (base.type) {
    case 'dirName':
      return name.type === 'dirName' && nameWithinSubtree(decodeName(name.der), decodeName(base.der));
    case 'email': {
      if (name.type !== 'email') return false;
      const at = name.value.lastIndexOf('@');
      if (at < 0) return false;
      if (base.value.includes('@')) {
        // a whole mailbox: local part exact, host case-insensitive
        const bAt = base.value.lastIndexOf('@');
        return name.value.slice(0, at) === base.value.slice(0, bAt) && name.value.slice(at + 1).toLowerCase() === base.value.slice(bAt + 1).toLowerCase();
      }
      return hostWithin(name.value.slice(at + 1), base.value, false);
    }
    case 'dns': {
      if (name.type !== 'dns') return false;
      const c = base.value.toLowerCase();
      if (c.startsWith('.')) return name.value.toLowerCase().endsWith(c);
      return hostWithin(name.value, c, true);
    }
    case 'uri': {
      if (name.type !== 'uri') return false;
      const host = uriHost(name.value);
      if (host === undefined) return false; // a URI without a host cannot satisfy a host constraint
      return hostWithin(host, base.value, false);
    }
    case 'ip': {
      if (name.type !== 'ip') return false;
      const [addr, mask] = split(base.bytes);
      if (name.bytes.length !== addr.length) return false;
      for (let i = 0; i < addr.length; i++) if ((name.bytes[i]! & mask[i]!) !== (addr[i]! & mask[i]!)) return false;
      return true;
    }
    case 'other':
      // Unsupported constraint forms: a name of that form can never be shown to comply.
      return false;
  }
}

/** The host of a URI with an authority (`scheme://[user@]host[:port]/…`), lower-cased. */
function uriHost(uri: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(uri);
  if (m === null || m[1] === undefined || m[1] === '') return undefined;
  return m[1].toLowerCase();
}
