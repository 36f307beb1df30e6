#!/bin/sh
# Regenerates the PKCS#12 / PKCS#8 test vectors with OpenSSL 3 (made with OpenSSL 3.0.22).
# Usage: sh make.sh   (from any folder; writes next to this script)
# Keys are random, so every run gives new files: commit them together with the new
# expected.json and SHA256SUMS this script writes, and paste SHA256SUMS into README.md.
set -eu
cd "$(dirname "$0")"
export LC_ALL=C

# The password (UTF-8, non-ASCII on purpose) — passed to openssl by file, never on argv.
printf '%s\n' 'Scellé-vecteurs 2024' > password.txt

rm -f -- *.p12 *.p8.pem *.pem *.key expected.json SHA256SUMS

# A CA, an RSA-2048 leaf, an EC P-256 leaf.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj '/CN=Scelle Vectors CA' -days 36500 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf-rsa.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf-ec.key 2>/dev/null
serial=4096
for k in rsa ec; do
  serial=$((serial + 1))
  openssl req -new -key "leaf-$k.key" -subj "/CN=Dr Vecteur $k" -out "leaf-$k.csr"
  openssl x509 -req -in "leaf-$k.csr" -CA ca.pem -CAkey ca.key -set_serial "$serial" -days 36500 -out "leaf-$k.pem" 2>/dev/null
  rm -f "leaf-$k.csr"
done
rm -f ca.key

# Positive PKCS#12 vectors.
openssl pkcs12 -export -inkey leaf-rsa.key -in leaf-rsa.pem -certfile ca.pem -name 'Dr Vecteur rsa' -passout file:password.txt -out default.p12
openssl pkcs12 -export -legacy -inkey leaf-rsa.key -in leaf-rsa.pem -certfile ca.pem -name 'Dr Vecteur rsa' -passout file:password.txt -out legacy.p12
openssl pkcs12 -export -macalg sha512 -inkey leaf-ec.key -in leaf-ec.pem -certfile ca.pem -name 'Dr Vecteur ec' -passout file:password.txt -out ec-sha512.p12
openssl pkcs12 -export -nomac -inkey leaf-ec.key -in leaf-ec.pem -name 'Dr Vecteur ec' -passout file:password.txt -out nomac.p12

# Positive PKCS#8 vectors (EncryptedPrivateKeyInfo, PEM).
openssl pkcs8 -topk8 -v2 aes-256-cbc -in leaf-ec.key -passout file:password.txt -out ec-pbes2-aes256.p8.pem
openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in leaf-ec.key -passout file:password.txt -out ec-pbe-sha1-3des.p8.pem
openssl pkcs8 -topk8 -v1 PBE-SHA1-RC2-40 -provider legacy -provider default -in leaf-rsa.key -passout file:password.txt -out rsa-pbe-sha1-rc2-40.p8.pem

# Negative vectors.
head -c 1000 default.p12 > truncated.p12
# Flip one byte inside the AuthenticatedSafe (offset 300): the MAC must catch it.
{ head -c 300 default.p12; head -c 301 default.p12 | tail -c 1 | tr '\000-\377' '\001-\377\000'; tail -c +302 default.p12; } > tampered.p12
printf 'this is not a PKCS#12 file\n' > garbage.p12

fp() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
kfp() { openssl pkcs8 -topk8 -nocrypt -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
CA=$(fp ca.pem); RSA=$(fp leaf-rsa.pem); EC=$(fp leaf-ec.pem)
KRSA=$(kfp leaf-rsa.key); KEC=$(kfp leaf-ec.key)

cat > expected.json <<JSON
{
  "password": "password.txt",
  "pkcs12": [
    { "file": "default.p12", "keySha256": ["$KRSA"], "certSha256": ["$RSA", "$CA"], "mac": "HMAC-SHA256", "encryption": ["PBES2/AES-256-CBC/PBKDF2-SHA256"], "friendlyName": "Dr Vecteur rsa" },
    { "file": "legacy.p12", "keySha256": ["$KRSA"], "certSha256": ["$RSA", "$CA"], "mac": "HMAC-SHA1", "encryption": ["pbeWithSHAAnd40BitRC2-CBC", "pbeWithSHAAnd3-KeyTripleDES-CBC"], "friendlyName": "Dr Vecteur rsa" },
    { "file": "ec-sha512.p12", "keySha256": ["$KEC"], "certSha256": ["$EC", "$CA"], "mac": "HMAC-SHA512", "encryption": ["PBES2/AES-256-CBC/PBKDF2-SHA256"], "friendlyName": "Dr Vecteur ec" },
    { "file": "nomac.p12", "keySha256": ["$KEC"], "certSha256": ["$EC"], "mac": null, "encryption": ["PBES2/AES-256-CBC/PBKDF2-SHA256"], "friendlyName": "Dr Vecteur ec" }
  ],
  "pkcs8": [
    { "file": "ec-pbes2-aes256.p8.pem", "keySha256": "$KEC", "scheme": "PBES2/AES-256-CBC/PBKDF2-SHA256" },
    { "file": "ec-pbe-sha1-3des.p8.pem", "keySha256": "$KEC", "scheme": "pbeWithSHAAnd3-KeyTripleDES-CBC" },
    { "file": "rsa-pbe-sha1-rc2-40.p8.pem", "keySha256": "$KRSA", "scheme": "pbeWithSHAAnd40BitRC2-CBC" }
  ],
  "negative": [
    { "file": "truncated.p12", "code": "MALFORMED_ASN1" },
    { "file": "tampered.p12", "code": "WRONG_PASSWORD" },
    { "file": "garbage.p12", "code": "MALFORMED_ASN1" },
    { "file": "default.p12", "password": "wrong password", "code": "WRONG_PASSWORD" }
  ]
}
JSON

# shellcheck disable=SC2046 # file names have no blanks
sha256sum -- $(ls | grep -v -e '^SHA256SUMS$' -e '^make.sh$' -e '^README.md$' | sort) > SHA256SUMS
cat SHA256SUMS
