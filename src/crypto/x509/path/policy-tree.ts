/**
 * The valid_policy_tree of RFC 5280 §6.1: initialised in §6.1.2 (a), grown by each certificate's
 * policies (§6.1.3 (d)), mapped (§6.1.4 (b)), pruned, and intersected with the
 * user-initial-policy-set at the end (§6.1.5 (g)).
 *
 * Bounded: a path of a few certificates with policy mappings can make the tree grow
 * multiplicatively (CVE-2023-0464 in other implementations). Past {@link MAX_POLICY_NODES} nodes
 * the processing stops and the path is refused, never accepted.
 */
import type { X509Cert } from '../certificate.js';
import { OID } from '../oids.js';

/** A node of the tree (§6.1.2 (a)). */
export interface PolicyNode {
  validPolicy: string;
  /** The policy qualifiers (raw DER) the certificate gave this policy, if any. */
  qualifiers: Uint8Array | undefined;
  expectedPolicySet: Set<string>;
  parent: PolicyNode | undefined;
  children: PolicyNode[];
  depth: number;
}

/** Most nodes the tree may hold before the path is refused. */
export const MAX_POLICY_NODES = 4096;

const ANY = OID.anyPolicy;

/** Thrown when the tree would exceed {@link MAX_POLICY_NODES}. */
export class PolicyTreeTooLarge extends Error {}

/** A valid_policy_tree; `root` undefined is the NULL tree. */
export class PolicyTree {
  root: PolicyNode | undefined;
  #count = 1;

  constructor() {
    this.root = { validPolicy: ANY, qualifiers: undefined, expectedPolicySet: new Set([ANY]), parent: undefined, children: [], depth: 0 };
  }

  /** Every node at `depth`. */
  atDepth(depth: number): PolicyNode[] {
    const out: PolicyNode[] = [];
    const walk = (n: PolicyNode): void => {
      if (n.depth === depth) out.push(n);
      else if (n.depth < depth) n.children.forEach(walk);
    };
    if (this.root !== undefined) walk(this.root);
    return out;
  }

  #add(parent: PolicyNode, validPolicy: string, qualifiers: Uint8Array | undefined, expected: Iterable<string>): void {
    if (++this.#count > MAX_POLICY_NODES) throw new PolicyTreeTooLarge(`the certificate policy tree grew past ${MAX_POLICY_NODES} nodes`);
    parent.children.push({ validPolicy, qualifiers, expectedPolicySet: new Set(expected), parent, children: [], depth: parent.depth + 1 });
  }

  /**
   * §6.1.3 (d): certificate `i` (depth i) has a certificatePolicies extension.
   * @param anyPolicyAllowed - inhibit_anyPolicy > 0, or (i < n and the certificate is self-issued).
   */
  processCertificatePolicies(cert: X509Cert, i: number, anyPolicyAllowed: boolean): void {
    const policies = cert.policies ?? [];
    const parents = this.atDepth(i - 1);
    // (1) each policy other than anyPolicy
    for (const p of policies) {
      if (p.oid === ANY) continue;
      const matches = parents.filter((n) => n.expectedPolicySet.has(p.oid));
      if (matches.length > 0) for (const n of matches) this.#add(n, p.oid, p.qualifiers, [p.oid]);
      else for (const n of parents.filter((x) => x.validPolicy === ANY)) this.#add(n, p.oid, p.qualifiers, [p.oid]);
    }
    // (2) anyPolicy in the certificate
    const anyP = policies.find((p) => p.oid === ANY);
    if (anyP !== undefined && anyPolicyAllowed) {
      for (const n of parents) {
        const present = new Set(n.children.map((c) => c.validPolicy));
        for (const value of n.expectedPolicySet) if (!present.has(value)) this.#add(n, value, anyP.qualifiers, [value]);
      }
    }
    // (3) prune
    this.prune(i);
  }

  /** Deletes nodes of depth < `depth` without children, repeatedly; a childless root leaves the NULL tree. */
  prune(depth: number): void {
    const walk = (n: PolicyNode): boolean => {
      n.children = n.children.filter(walk);
      if (n.depth < depth && n.children.length === 0) {
        this.#count--;
        return false;
      }
      return true;
    };
    if (this.root !== undefined && !walk(this.root)) this.root = undefined;
  }

  /**
   * §6.1.4 (b): policy mappings of certificate `i`.
   * @param mappingAllowed - policy_mapping > 0.
   */
  applyMappings(cert: X509Cert, i: number, mappingAllowed: boolean): void {
    const mappings = cert.policyMappings ?? [];
    const issuerPolicies = [...new Set(mappings.map((m) => m.issuerDomainPolicy))];
    if (mappingAllowed) {
      const anyPolicyQualifiers = cert.policies?.find((p) => p.oid === ANY)?.qualifiers;
      for (const idp of issuerPolicies) {
        const subjects = mappings.filter((m) => m.issuerDomainPolicy === idp).map((m) => m.subjectDomainPolicy);
        const nodes = this.atDepth(i).filter((n) => n.validPolicy === idp);
        if (nodes.length > 0) {
          for (const n of nodes) n.expectedPolicySet = new Set(subjects);
        } else {
          const anyNode = this.atDepth(i).find((n) => n.validPolicy === ANY);
          if (anyNode?.parent !== undefined) this.#add(anyNode.parent, idp, anyPolicyQualifiers, subjects);
        }
      }
    } else {
      for (const idp of issuerPolicies) {
        for (const n of this.atDepth(i).filter((x) => x.validPolicy === idp)) {
          if (n.parent !== undefined) {
            n.parent.children = n.parent.children.filter((c) => c !== n);
            this.#count--;
          }
        }
      }
      this.prune(i);
    }
  }

  /**
   * §6.1.5 (g): the intersection of the tree with the user-initial-policy-set.
   * @returns the authorities-constrained policies that are also acceptable to the user
   *   (the valid_policy of each leaf, anyPolicy standing for "every policy").
   */
  intersect(initial: readonly string[], n: number): void {
    if (this.root === undefined || initial.includes(ANY)) return;
    // (iii) 1. nodes whose parent's valid_policy is anyPolicy
    const all: PolicyNode[] = [];
    const walk = (node: PolicyNode): void => {
      all.push(node);
      node.children.forEach(walk);
    };
    walk(this.root);
    const nodeSet = all.filter((x) => x.parent !== undefined && x.parent.validPolicy === ANY);
    // 2. delete those whose policy is neither in the initial set nor anyPolicy
    for (const x of nodeSet) {
      if (x.validPolicy !== ANY && !initial.includes(x.validPolicy) && x.parent !== undefined) {
        x.parent.children = x.parent.children.filter((c) => c !== x);
        this.#count--;
      }
    }
    // 3. a leaf anyPolicy node stands for each initial policy not yet present
    const anyLeaf = this.atDepth(n).find((x) => x.validPolicy === ANY);
    if (anyLeaf?.parent !== undefined) {
      const present = new Set(nodeSet.filter((x) => x.validPolicy !== ANY).map((x) => x.validPolicy));
      for (const p of initial) if (!present.has(p)) this.#add(anyLeaf.parent, p, anyLeaf.qualifiers, [p]);
      anyLeaf.parent.children = anyLeaf.parent.children.filter((c) => c !== anyLeaf);
      this.#count--;
    }
    // 4. prune
    this.prune(n);
  }

  /**
   * The policies the path is valid for, in the trust anchor's domain (PKITS' user-constrained
   * policy set): for each node of depth `n`, the valid_policy of its ancestor whose parent is
   * anyPolicy (§6.1.5 (g) valid_policy_node_set), or anyPolicy for an all-anyPolicy branch.
   */
  leafPolicies(n: number): string[] {
    const out = new Set<string>();
    for (const leaf of this.atDepth(n)) {
      let node: PolicyNode = leaf;
      while (node.parent !== undefined && node.parent.validPolicy !== ANY) node = node.parent;
      out.add(node.validPolicy);
    }
    return [...out];
  }
}
