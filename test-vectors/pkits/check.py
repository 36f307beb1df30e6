#!/usr/bin/env python3
"""Self-check for cases.json (stdlib + the openssl CLI only).

Checks:
  * every referenced file (trust anchor, path, extraCerts, crls, smime) exists
    in the installed PKITS_data folder;
  * the set of base test ids is exactly PKITS 4.1.1 .. 4.16.2 (224 tests) with
    the per-section counts of the PKITS document, and subpart ids are 1..n;
  * field shapes: expected/reason/settings; TrustAnchorRootCRL.crl always listed;
  * name chaining along each path (TA -> ... -> EE) using openssl's RFC 2253
    rendering, compared after case-folding and whitespace collapsing; the only
    tolerated mismatches are the deliberately broken 4.3.1 / 4.3.2.
Exit status 0 if all checks pass.
"""
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict

DATA = "/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data"
HERE = os.path.dirname(os.path.abspath(__file__))
SECTION_COUNTS = {"4.1": 6, "4.2": 8, "4.3": 11, "4.4": 21, "4.5": 8, "4.6": 17, "4.7": 5,
                  "4.8": 20, "4.9": 8, "4.10": 14, "4.11": 11, "4.12": 10, "4.13": 38,
                  "4.14": 35, "4.15": 10, "4.16": 2}
REASONS = {"bad-signature", "not-yet-valid", "expired", "name-chaining", "crl-missing",
           "revoked", "crl-bad-signature", "unknown-critical-crl-entry-extension",
           "unknown-critical-crl-extension", "crl-expired", "crl-signer-revoked",
           "basic-constraints", "path-length", "key-usage", "crl-key-usage", "policy",
           "invalid-policy-mapping", "name-constraints", "crl-scope",
           "crl-reasons-incomplete", "unknown-critical-extension"}
SETTING_KEYS = {"initialPolicySet", "initialExplicitPolicy", "initialPolicyMappingInhibit",
                "initialAnyPolicyInhibit"}
NAME_CHAIN_BROKEN_ON_PURPOSE = {"4.3.1", "4.3.2"}

errors = []


def err(msg):
    errors.append(msg)


_names = {}


def names(certfile):
    if certfile not in _names:
        out = subprocess.run(
            ["openssl", "x509", "-inform", "DER", "-in", os.path.join(DATA, "certs", certfile),
             "-noout", "-subject", "-issuer", "-nameopt", "RFC2253,-esc_msb,utf8"],
            capture_output=True, text=True).stdout
        kv = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
        # RFC 4518-ish comparison: unescape "\ ", trim, collapse whitespace, casefold
        def norm(p):
            k, _, v = p.partition("=")
            v = v.replace("\\ ", " ")
            return k.strip().casefold() + "=" + re.sub(r"\s+", " ", v.strip()).casefold()
        norm_rdn = lambda s: ",".join(norm(p) for p in re.split(r"(?<!\\),", s))
        _names[certfile] = (norm_rdn(kv.get("subject", "?")), norm_rdn(kv.get("issuer", "?")))
    return _names[certfile]


def main():
    cases = json.load(open(os.path.join(HERE, "cases.json")))
    if not isinstance(cases, list):
        print("cases.json is not a JSON array")
        return 1
    ids = [c.get("id") for c in cases]
    for i, n in Counter(ids).items():
        if n > 1:
            err("duplicate id %s" % i)

    files_checked = set()
    base_ids = []
    subparts = defaultdict(list)
    for c in cases:
        cid = c["id"]
        for k in ("id", "name", "path", "crls", "extraCerts", "expected", "settings", "notes",
                  "trustAnchor"):
            if k not in c:
                err("%s: missing field %s" % (cid, k))
        base = c.get("baseId", cid)
        if base not in base_ids:
            base_ids.append(base)
        if "subpart" in c:
            subparts[base].append(c["subpart"])
            if cid != "%s.%d" % (base, c["subpart"]):
                err("%s: id does not match baseId/subpart" % cid)
        # files
        for f in [c["trustAnchor"]] + c["path"] + c["extraCerts"]:
            p = os.path.join(DATA, "certs", f)
            files_checked.add(p)
            if not os.path.isfile(p):
                err("%s: missing cert file %s" % (cid, f))
        for f in c["crls"]:
            p = os.path.join(DATA, "crls", f)
            files_checked.add(p)
            if not os.path.isfile(p):
                err("%s: missing CRL file %s" % (cid, f))
        if "smime" in c:
            p = os.path.join(DATA, "smime", c["smime"])
            files_checked.add(p)
            if not os.path.isfile(p):
                err("%s: missing smime file %s" % (cid, c["smime"]))
        if "TrustAnchorRootCRL.crl" not in c["crls"]:
            err("%s: TrustAnchorRootCRL.crl not listed" % cid)
        if c["trustAnchor"] in c["path"]:
            err("%s: trust anchor inside path" % cid)
        if set(c["path"]) & set(c["extraCerts"]):
            err("%s: cert both on path and extra" % cid)
        if len(set(c["path"])) != len(c["path"]):
            err("%s: duplicate cert on path" % cid)
        # expected / reason
        if c["expected"] not in ("valid", "invalid"):
            err("%s: bad expected %r" % (cid, c["expected"]))
        if c["expected"] == "invalid":
            if c.get("reason") not in REASONS:
                err("%s: bad/missing reason %r" % (cid, c.get("reason")))
        elif "reason" in c:
            err("%s: valid case has a reason" % cid)
        s = c["settings"]
        if set(s) != SETTING_KEYS:
            err("%s: settings keys %s" % (cid, sorted(s)))
        elif not (isinstance(s["initialPolicySet"], list) and s["initialPolicySet"]):
            err("%s: empty initialPolicySet" % cid)
        # name chaining
        chain = [c["trustAnchor"]] + c["path"]
        for parent, child in zip(chain, chain[1:]):
            if names(child)[1] != names(parent)[0] and base not in NAME_CHAIN_BROKEN_ON_PURPOSE:
                err("%s: %s issuer != %s subject" % (cid, child, parent))

    # ids / sections
    by_section = defaultdict(list)
    for b in base_ids:
        sec = ".".join(b.split(".")[:2])
        by_section[sec].append(int(b.split(".")[2]))
    for sec, n in SECTION_COUNTS.items():
        got = sorted(by_section.get(sec, []))
        if got != list(range(1, n + 1)):
            err("section %s: test numbers %s, expected 1..%d" % (sec, got, n))
    for sec in by_section:
        if sec not in SECTION_COUNTS:
            err("unexpected section %s" % sec)
    for b, subs in subparts.items():
        if sorted(subs) != list(range(1, len(subs) + 1)):
            err("%s: subparts %s" % (b, subs))

    # summary
    per_section = Counter(".".join(c.get("baseId", c["id"]).split(".")[:2]) for c in cases)
    print("cases: %d (base tests: %d, tests with subparts: %d)" % (
        len(cases), len(base_ids), len(subparts)))
    print("files checked: %d (all exist: %s)" % (
        len(files_checked), all(os.path.isfile(p) for p in files_checked)))
    print("per section (cases): " + ", ".join(
        "%s=%d" % (k, per_section[k]) for k in SECTION_COUNTS))
    print("valid=%d invalid=%d" % (sum(c["expected"] == "valid" for c in cases),
                                  sum(c["expected"] == "invalid" for c in cases)))
    if errors:
        print("\n%d ERRORS:" % len(errors))
        for e in errors:
            print("  " + e)
        return 1
    print("OK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
