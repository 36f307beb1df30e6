#!/usr/bin/env bash
# Regenerates the certificate-path test vectors under test-vectors/chains/<case>/.
#
# Uses only OpenSSL 3.0 (`openssl req`, `openssl ca` with a minimal config in a temp dir,
# `-startdate/-enddate` for fixed dates, `openssl ca -revoke/-gencrl` with fixed CRL dates).
# Every case folder holds:
#   root.pem    the trust anchor
#   chain.pem   the intermediate CA certificate(s), leaf-side first
#   leaf.pem    the certificate to verify
#   crl.pem     (optional) CRL(s) to check revocation with: the intermediate's, then the root's
#   expect.txt  `expect=<scelle ErrorCode or ok>`, `purpose=<sign|encrypt|tsa|tls>`, a description
# All cases are meant to be verified at 2026-06-01T00:00:00Z (epoch 1780272000).
# Keys are random: regenerating changes every byte, then SHA256SUMS is rewritten.
#
# Usage: bash test-vectors/chains/make-chains.sh
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Dates (YYYYMMDDHHMMSSZ). Valid window 2025-01-01..2045-01-01; verification at 2026-06-01.
V_START=20250101000000Z
V_END=20450101000000Z
CRL_LAST=20260101000000Z
CRL_NEXT=20360101000000Z
REVOKED_AT=260301120000Z # index.txt uses UTCTime: 2026-03-01T12:00:00Z

IGC_DN="/C=FR/O=ASIP-SANTE DEMO/OU=0002 187512751/OU=IGC-SANTE DEMO"

cat >"$WORK/ext.cnf" <<'EOF'
[root_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[int_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://igc-sante.demo.invalid/crl/racine.crl
certificatePolicies = 1.2.250.1.71.1.2.1

[int_pathlen0_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[int_nolen_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[int_cafalse_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[int_nokeycertsign_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,digitalSignature,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[sign_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:paul.demo@medecin.mssante.fr
certificatePolicies = 1.2.250.1.71.4.2.1
crlDistributionPoints = URI:http://igc-sante.demo.invalid/crl/personnes.crl
authorityInfoAccess = OCSP;URI:http://ocsp.igc-sante.demo.invalid/,caIssuers;URI:http://igc-sante.demo.invalid/ca/personnes.cer

[encrypt_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:paul.demo@medecin.mssante.fr

[tsa_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[tsa_noncritical_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[tls_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[serverauth_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[kenc_only_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[unknown_critical_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.2.250.1.71.99.1 = critical,DER:05:00
EOF

# new_ca NAME: a CA database folder with its own minimal `openssl ca` config.
new_ca() {
  local d="$WORK/ca-$1"
  mkdir -p "$d/newcerts"
  : >"$d/index.txt"
  echo "unique_subject = no" >"$d/index.txt.attr"
  echo 1000 >"$d/serial"
  echo 1000 >"$d/crlnumber"
  cat >"$d/ca.cnf" <<EOF
[ca]
default_ca = CA_default
[CA_default]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = default
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
[policy_any]
commonName = supplied
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused
EOF
  echo "$d"
}

# key FILE [rsa BITS | ec CURVE | ed25519]
key() {
  local out=$1 kind=${2:-rsa} arg=${3:-2048}
  case $kind in
    rsa) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$arg" -out "$out" 2>/dev/null ;;
    ec) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$arg" -out "$out" 2>/dev/null ;;
    ed25519) openssl genpkey -algorithm ed25519 -out "$out" 2>/dev/null ;;
  esac
}

# issue CADIR CAKEY CACERT|selfsign KEY SUBJECT EXTSECTION START END OUT [extra openssl ca args...]
issue() {
  local cadir=$1 cakey=$2 cacert=$3 subjkey=$4 subj=$5 ext=$6 start=$7 end=$8 out=$9
  shift 9
  local csr="$WORK/req-$RANDOM$RANDOM.csr"
  openssl req -new -utf8 -config "$cadir/ca.cnf" -key "$subjkey" -subj "$subj" -out "$csr" 2>/dev/null
  local signer=(-cert "$cacert")
  [ "$cacert" = selfsign ] && signer=(-selfsign)
  openssl ca -batch -utf8 -notext -preserveDN -config "$cadir/ca.cnf" -in "$csr" -out "$out" \
    -keyfile "$cakey" "${signer[@]}" -startdate "$start" -enddate "$end" \
    -extfile "$WORK/ext.cnf" -extensions "$ext" "$@" 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
  # `openssl ca` writes PEM without -notext text; normalise to a bare PEM block.
  openssl x509 -in "$out" -out "$out.tmp" && mv "$out.tmp" "$out"
}

# gencrl CADIR CAKEY CACERT OUT [LAST NEXT]
gencrl() {
  openssl ca -batch -gencrl -config "$1/ca.cnf" -keyfile "$2" -cert "$3" -out "$4" \
    -crl_lastupdate "${5:-$CRL_LAST}" -crl_nextupdate "${6:-$CRL_NEXT}" \
    2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
}

# revoke CADIR CAKEY CACERT CERT REASON: revokes, then pins the revocation date in index.txt.
revoke() {
  openssl ca -batch -config "$1/ca.cnf" -keyfile "$2" -cert "$3" -revoke "$4" -crl_reason "$5" 2>"$WORK/ca.log" \
    || { cat "$WORK/ca.log" >&2; exit 1; }
  sed -i -E "s/^R\t([0-9]+Z)\t[0-9]+Z,/R\t\1\t$REVOKED_AT,/" "$1/index.txt"
}

# flip_last_bit FILE: XORs the file's last byte with 0x01 (coreutils only).
flip_last_bit() {
  local last
  last=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
  head -c -1 "$1" >"$1.tmp"
  printf "\\$(printf '%03o' $((last ^ 1)))" >>"$1.tmp"
  mv "$1.tmp" "$1"
}

# ---------------------------------------------------------------- the shared hierarchy
ROOT=$(new_ca root)
key "$WORK/root.key"
issue "$ROOT" "$WORK/root.key" selfsign "$WORK/root.key" \
  "$IGC_DN/CN=TEST AC RACINE IGC-SANTE ELEMENTAIRE" root_ext "$V_START" "$V_END" "$WORK/root.pem"

INT=$(new_ca int)
key "$WORK/int.key"
issue "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/int.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES" int_ext "$V_START" "$V_END" "$WORK/int.pem"
# The root's CRL (an ARL revoking nothing): revocation cases carry it beside the intermediate's, so
# that every certificate of the path has revocation data (`openssl verify -crl_check_all`).
gencrl "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/root-crl.pem"

LEAF_SUBJ="/C=FR/L=Paris (75)/O=CABINET MEDICAL DEMO/OU=CABINET MEDICAL DEMO/title=Médecin/SN=DEMO/GN=PAUL/CN=810012345678"

# case NAME EXPECT PURPOSE DESCRIPTION: creates the folder and expect.txt.
case_dir() {
  local d="$HERE/$1"
  rm -rf "$d"
  mkdir -p "$d"
  printf 'expect=%s\npurpose=%s\ndescription=%s\n' "$2" "$3" "$4" >"$d/expect.txt"
  echo "$d"
}

# leaf_case NAME EXPECT PURPOSE DESCRIPTION EXTSECTION START END [extra ca args]: a leaf under the shared intermediate.
leaf_case() {
  local name=$1 expect=$2 purpose=$3 desc=$4 ext=$5 start=$6 end=$7
  shift 7
  local d
  d=$(case_dir "$name" "$expect" "$purpose" "$desc")
  cp "$WORK/root.pem" "$d/root.pem"
  cp "$WORK/int.pem" "$d/chain.pem"
  key "$WORK/$name.key"
  issue "$INT" "$WORK/int.key" "$WORK/int.pem" "$WORK/$name.key" "$LEAF_SUBJ" "$ext" "$start" "$end" "$d/leaf.pem" "$@"
}

# ---------------------------------------------------------------- positive cases
leaf_case valid ok sign "RSA-2048 signing leaf (digitalSignature+nonRepudiation, EKU emailProtection)" \
  sign_ext "$V_START" "$V_END"
leaf_case valid-encrypt ok encrypt "RSA-2048 encryption leaf (keyEncipherment, EKU emailProtection)" \
  encrypt_ext "$V_START" "$V_END"
leaf_case valid-tsa ok tsa "time-stamping unit (EKU timeStamping, critical)" tsa_ext "$V_START" "$V_END"
leaf_case valid-tls ok tls "TLS client leaf (digitalSignature, EKU clientAuth)" tls_ext "$V_START" "$V_END"
leaf_case valid-pss ok sign "leaf signed with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)" sign_ext "$V_START" "$V_END" \
  -md sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32

# ECDSA: a P-384 intermediate signs a P-256 leaf with ecdsa-with-SHA384.
d=$(case_dir valid-ecdsa ok sign "P-384 intermediate, P-256 leaf, ecdsa-with-SHA384 and SHA-256")
INTEC=$(new_ca intec)
key "$WORK/intec.key" ec secp384r1
issue "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/intec.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE ELEMENTAIRE ECDSA" int_ext "$V_START" "$V_END" "$d/chain.pem"
key "$WORK/leafec.key" ec prime256v1
issue "$INTEC" "$WORK/intec.key" "$d/chain.pem" "$WORK/leafec.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem" -md sha384
cp "$WORK/root.pem" "$d/root.pem"

# Ed25519 intermediate and leaf.
d=$(case_dir valid-ed25519 ok sign "Ed25519 intermediate and leaf")
INTED=$(new_ca inted)
key "$WORK/inted.key" ed25519
issue "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/inted.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE ELEMENTAIRE ED25519" int_ext "$V_START" "$V_END" "$d/chain.pem"
key "$WORK/leafed.key" ed25519
issue "$INTED" "$WORK/inted.key" "$d/chain.pem" "$WORK/leafed.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"
cp "$WORK/root.pem" "$d/root.pem"

# ---------------------------------------------------------------- validity period
leaf_case expired CERT_EXPIRED sign "leaf notAfter 2025-12-31T23:59:59Z" sign_ext "$V_START" 20251231235959Z
leaf_case not-yet-valid CERT_NOT_YET_VALID sign "leaf notBefore 2030-01-01T00:00:00Z" sign_ext 20300101000000Z "$V_END"

d=$(case_dir expired-intermediate CERT_EXPIRED sign "intermediate notAfter 2025-12-31T23:59:59Z")
INTX=$(new_ca intx)
key "$WORK/intx.key"
issue "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/intx.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE ELEMENTAIRE PERIMEE" int_ext "$V_START" 20251231235959Z "$d/chain.pem"
key "$WORK/leafx.key"
issue "$INTX" "$WORK/intx.key" "$d/chain.pem" "$WORK/leafx.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"
cp "$WORK/root.pem" "$d/root.pem"

# ---------------------------------------------------------------- purpose (KU / EKU)
leaf_case wrong-eku EKU_MISMATCH sign "EKU serverAuth only, verified for signing" serverauth_ext "$V_START" "$V_END"
leaf_case missing-ku KEY_USAGE_MISMATCH sign "KU keyEncipherment only, verified for signing" kenc_only_ext "$V_START" "$V_END"
leaf_case encrypt-with-sign-cert KEY_USAGE_MISMATCH encrypt "signing leaf (no keyEncipherment) verified for encryption" \
  sign_ext "$V_START" "$V_END"
leaf_case tsa-eku-not-critical EKU_MISMATCH tsa "EKU timeStamping present but not critical (RFC 3161 §2.3)" \
  tsa_noncritical_ext "$V_START" "$V_END"
leaf_case unknown-critical-extension UNKNOWN_CRITICAL_EXTENSION sign "leaf carries a critical private extension 1.2.250.1.71.99.1" \
  unknown_critical_ext "$V_START" "$V_END"

# ---------------------------------------------------------------- revocation
d=$(case_dir revoked CERT_REVOKED sign "leaf revoked on 2026-03-01T12:00:00Z (keyCompromise) in the intermediate's CRL")
REVCA=$(new_ca rev)
echo 5000 >"$REVCA/serial" # same issuer as $INT: keep serial numbers distinct
cp "$WORK/root.pem" "$d/root.pem"
cp "$WORK/int.pem" "$d/chain.pem"
key "$WORK/rev.key"
issue "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$WORK/rev.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"
key "$WORK/other.key"
issue "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$WORK/other.key" "/C=FR/SN=AUTRE/GN=JEANNE/CN=810099999999" sign_ext "$V_START" "$V_END" "$WORK/other.pem"
revoke "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$d/leaf.pem" keyCompromise
revoke "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$WORK/other.pem" superseded
gencrl "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$d/crl.pem"
cat "$WORK/root-crl.pem" >>"$d/crl.pem"

d=$(case_dir not-revoked ok sign "the intermediate's CRL revokes another certificate, not this leaf")
cp "$WORK/root.pem" "$d/root.pem"
cp "$WORK/int.pem" "$d/chain.pem"
key "$WORK/nrev.key"
issue "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$WORK/nrev.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"
gencrl "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$d/crl.pem"
cat "$WORK/root-crl.pem" >>"$d/crl.pem"

d=$(case_dir crl-expired CRL_EXPIRED sign "the only CRL's nextUpdate (2026-02-01) is before the verification time")
cp "$WORK/root.pem" "$d/root.pem"
cp "$WORK/int.pem" "$d/chain.pem"
key "$WORK/crlx.key"
issue "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$WORK/crlx.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"
gencrl "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$d/crl.pem" "$CRL_LAST" 20260201000000Z
cat "$WORK/root-crl.pem" >>"$d/crl.pem"

d=$(case_dir crl-bad-signature CRL_INVALID sign "CRL carries the intermediate's name and key id but is signed by another key")
cp "$WORK/root.pem" "$d/root.pem"
cp "$WORK/int.pem" "$d/chain.pem"
key "$WORK/crlb.key"
issue "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$WORK/crlb.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"
gencrl "$REVCA" "$WORK/int.key" "$WORK/int.pem" "$WORK/good.crl"
# Flip one byte of the CRL signature (the last byte of the DER).
openssl crl -in "$WORK/good.crl" -outform DER -out "$WORK/good.crl.der"
flip_last_bit "$WORK/good.crl.der"
openssl crl -inform DER -in "$WORK/good.crl.der" -out "$d/crl.pem"
cat "$WORK/root-crl.pem" >>"$d/crl.pem"

# ---------------------------------------------------------------- trust and structure
d=$(case_dir untrusted-root CHAIN_UNTRUSTED sign "chain ends at an impostor root with the same name as the trust anchor but another key")
cp "$WORK/root.pem" "$d/root.pem"
FAKE=$(new_ca fake)
key "$WORK/fake.key"
issue "$FAKE" "$WORK/fake.key" selfsign "$WORK/fake.key" \
  "$IGC_DN/CN=TEST AC RACINE IGC-SANTE ELEMENTAIRE" root_ext "$V_START" "$V_END" "$WORK/fake.pem"
FAKEINT=$(new_ca fakeint)
key "$WORK/fakeint.key"
issue "$FAKE" "$WORK/fake.key" "$WORK/fake.pem" "$WORK/fakeint.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES" int_ext "$V_START" "$V_END" "$d/chain.pem"
key "$WORK/fakeleaf.key"
issue "$FAKEINT" "$WORK/fakeint.key" "$d/chain.pem" "$WORK/fakeleaf.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"

d=$(case_dir pathlen-violated PATH_LENGTH_EXCEEDED sign "intermediate with pathLenConstraint 0 issued another CA that issued the leaf")
cp "$WORK/root.pem" "$d/root.pem"
PL0=$(new_ca pl0)
key "$WORK/pl0.key"
issue "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/pl0.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE PATHLEN 0" int_pathlen0_ext "$V_START" "$V_END" "$WORK/pl0.pem"
PLSUB=$(new_ca plsub)
key "$WORK/plsub.key"
issue "$PL0" "$WORK/pl0.key" "$WORK/pl0.pem" "$WORK/plsub.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE SOUS-AC" int_nolen_ext "$V_START" "$V_END" "$WORK/plsub.pem"
key "$WORK/plleaf.key"
issue "$PLSUB" "$WORK/plsub.key" "$WORK/plsub.pem" "$WORK/plleaf.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"
cat "$WORK/plsub.pem" "$WORK/pl0.pem" >"$d/chain.pem"

d=$(case_dir ca-false-intermediate NOT_A_CA sign "the issuing certificate has basicConstraints cA=FALSE")
cp "$WORK/root.pem" "$d/root.pem"
CAF=$(new_ca caf)
key "$WORK/caf.key"
issue "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/caf.key" \
  "$IGC_DN/CN=TEST IGC-SANTE PAS UNE AC" int_cafalse_ext "$V_START" "$V_END" "$d/chain.pem"
key "$WORK/cafleaf.key"
issue "$CAF" "$WORK/caf.key" "$d/chain.pem" "$WORK/cafleaf.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"

d=$(case_dir ca-no-keycertsign CA_KEY_USAGE_MISSING sign "the issuing CA's keyUsage lacks keyCertSign")
cp "$WORK/root.pem" "$d/root.pem"
NKS=$(new_ca nks)
key "$WORK/nks.key"
issue "$ROOT" "$WORK/root.key" "$WORK/root.pem" "$WORK/nks.key" \
  "$IGC_DN/CN=TEST AC IGC-SANTE SANS KEYCERTSIGN" int_nokeycertsign_ext "$V_START" "$V_END" "$d/chain.pem"
key "$WORK/nksleaf.key"
issue "$NKS" "$WORK/nks.key" "$d/chain.pem" "$WORK/nksleaf.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"

# ---------------------------------------------------------------- weak crypto and tampering
leaf_case sha1-signed WEAK_ALGORITHM sign "leaf signed with sha1WithRSAEncryption" sign_ext "$V_START" "$V_END" -md sha1

d=$(case_dir rsa-1024 WEAK_KEY sign "leaf has a 1024-bit RSA key")
cp "$WORK/root.pem" "$d/root.pem"
cp "$WORK/int.pem" "$d/chain.pem"
key "$WORK/r1024.key" rsa 1024
issue "$INT" "$WORK/int.key" "$WORK/int.pem" "$WORK/r1024.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"

d=$(case_dir rsa-1024-root WEAK_KEY sign "the trust anchor itself has a 1024-bit RSA key")
R1024=$(new_ca r1024)
key "$WORK/r1024root.key" rsa 1024
issue "$R1024" "$WORK/r1024root.key" selfsign "$WORK/r1024root.key" \
  "$IGC_DN/CN=TEST AC RACINE 1024" root_ext "$V_START" "$V_END" "$d/root.pem"
I1024=$(new_ca i1024)
key "$WORK/i1024.key"
issue "$R1024" "$WORK/r1024root.key" "$d/root.pem" "$WORK/i1024.key" \
  "$IGC_DN/CN=TEST AC SOUS RACINE 1024" int_ext "$V_START" "$V_END" "$d/chain.pem"
key "$WORK/l1024.key"
issue "$I1024" "$WORK/i1024.key" "$d/chain.pem" "$WORK/l1024.key" "$LEAF_SUBJ" sign_ext "$V_START" "$V_END" "$d/leaf.pem"

leaf_case broken-signature CERT_SIGNATURE_INVALID sign "one bit of the leaf's signature flipped" sign_ext "$V_START" "$V_END"
openssl x509 -in "$HERE/broken-signature/leaf.pem" -outform DER -out "$WORK/broken.der"
flip_last_bit "$WORK/broken.der"
openssl x509 -inform DER -in "$WORK/broken.der" -out "$HERE/broken-signature/leaf.pem"

# ---------------------------------------------------------------- checksums
cd "$HERE"
find . -mindepth 2 -type f \( -name '*.pem' -o -name expect.txt \) | sort | xargs sha256sum >SHA256SUMS
echo "wrote $(ls -d */ | wc -l) cases to $HERE"
