#!/usr/bin/env bash
# Installs the real peers scelle's interop tests run against (Debian packages).
# Idempotent: installs only what is missing. Needs root (or sudo) when something is missing.
set -euo pipefail

# command or file that proves the package is there → Debian package
declare -A PEERS=(
  [openssl]=openssl
  [gpgsm]=gpgsm
  [7zz]=7zip
  [softhsm2-util]=softhsm2
  [pkcs11-tool]=opensc
  [ssh-keygen]=openssh-client
  [restic]=restic
  [pdfsig]=poppler-utils
  [qpdf]=qpdf
  [certutil]=libnss3-tools
  [unzip]=unzip
  [soffice]=libreoffice-writer-nogui
  # a real terminal for the prompt tests (no echo, confirmation, weak password asked again)
  [tmux]=tmux
)

missing=()
for cmd in "${!PEERS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PEERS[$cmd]}")
done
[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2)
# the RFC 3161 client of the python3-rfc3161ng package (Debian's python3, not a pyenv one)
/usr/bin/python3 -c 'import rfc3161ng' >/dev/null 2>&1 || missing+=(python3-rfc3161ng)
# the real OpenSSH server (sshd + sftp-server) the SFTP backup target is tested against; it is
# started by the tests on a loopback port, never as a system service
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
[ -x /usr/lib/openssh/sftp-server ] || missing+=(openssh-sftp-server)
# the mail servers the MSSanté tests deliver through: Postfix (submission, SMTPS, a listener that
# requires a client certificate) into Dovecot (IMAPS, LMTP); started by the tests on loopback ports
# with their own configuration, never as system services
[ -x /usr/sbin/postfix ] || missing+=(postfix)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-core)
[ -e /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
[ -e /usr/lib/dovecot/lmtp ] || missing+=(dovecot-lmtpd)
# GNU time measures peak memory in `npm run bench`
[ -x /usr/bin/time ] || missing+=(time)
# NIST PKITS, the reference path-validation suite (certificates and CRLs ship with Debian's
# python3-cryptography-vectors), and xmllint to validate ETSI TS 119 102-2 reports against the XSD
[ -d /usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data ] || missing+=(python3-cryptography-vectors)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
# Ceph RADOS Gateway, the real S3 engine the S3 backup destination is tested against
# (scripts/ceph-rgw/start-rgw.sh): a throwaway one-node cluster the tests start on loopback ports,
# never as a system service
[ -x /usr/bin/radosgw ] || missing+=(radosgw)
[ -x /usr/bin/ceph-mon ] || missing+=(ceph-mon)
[ -x /usr/bin/ceph-osd ] || missing+=(ceph-osd)
command -v ceph >/dev/null 2>&1 || missing+=(ceph-common)
command -v uuidgen >/dev/null 2>&1 || missing+=(uuid-runtime)
command -v bc >/dev/null 2>&1 || missing+=(bc)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# crontab(1): `backup schedule` installs a cron line where systemd does not run (a container, CI)
command -v crontab >/dev/null 2>&1 || missing+=(cron)
# PAdES interop (issue 14): Poppler's pdfsig checks the signatures with an NSS database made by
# certutil, qpdf checks the structure and makes object-stream and linearized PDFs, LibreOffice
# (Writer without GUI: 46 packages, ~244 MiB installed, ~85 s to install here) makes the letters
# and PDF/A files to sign, unzip lists ASiC containers
# BouncyCastle's RFC 4998 evidence records (org.bouncycastle.tsp.ers, in bcpkix; its ASN.1 in
# bcutil) and a Java compiler and runtime to build and run tests/interop/java/ErsHarness.java
[ -e /usr/share/java/bcpkix.jar ] || missing+=(libbcpkix-java)
[ -e /usr/share/java/bcprov.jar ] || missing+=(libbcprov-java)
[ -e /usr/share/java/bcutil.jar ] || missing+=(libbcutil-java)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
# the shells `scelle completion zsh|fish` writes for (the scripts are parsed and run by the tests),
# and groff to render the man page without warnings (bash and man-db are there already)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
command -v groff >/dev/null 2>&1 || missing+=(groff-base)
command -v man >/dev/null 2>&1 || missing+=(man-db)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-peers: all test peers present"
  exit 0
fi

# unique
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "install-peers: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-peers: need root to install: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure itself: the tests bring their own configuration
if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-peers: done"
