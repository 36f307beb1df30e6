#!/usr/bin/env bash
# Start a throwaway single-node Ceph cluster (1 mon, 1 osd, optional mgr) plus the RADOS
# Gateway (beast, S3 API) on 127.0.0.1, everything under one folder, no systemd. scelle's S3
# destination is tested against it (tests/helpers/s3-server.ts starts and stops it): real SigV4,
# atomic If-None-Match on PUT, versioning and S3 Object Lock (COMPLIANCE).
# Re-running on an existing folder restarts the daemons on the kept data.
# Adapted from the measured recipe (3 s cold start with memstore on 2 cores).
#
# env: CEPH_DIR (folder), RGW_PORT (7480), MON_PORT (13300), OSD_STORE=memstore|bluestore,
#      MEMSTORE_BYTES (1G), PAXOS_INTERVAL (0.1), WITH_MGR=0|1, S3_ACCESS_KEY, S3_SECRET_KEY,
#      QUIET=1 (no progress lines)
# needs: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common [ceph-mgr]
#        plus curl, bc, uuid-runtime; the OSD also binds 127.0.0.1:6800-7300 (first free ports)
set -euo pipefail
D=$(mkdir -p "${CEPH_DIR:-/tmp/scelle-ceph}" && cd "${CEPH_DIR:-/tmp/scelle-ceph}" && pwd)
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-13300}
OSD_STORE=${OSD_STORE:-memstore}
WITH_MGR=${WITH_MGR:-0}
AK=${S3_ACCESS_KEY:-TESTACCESSKEY0000001}
SK=${S3_SECRET_KEY:-testsecretkey00000000000000000000000001}
C="$D/ceph.conf"
CEPH="ceph -c $C --connect-timeout 10"
t0=$(date +%s.%N)
log() { [ "${QUIET:-0}" = 1 ] || printf '[%6.2fs] %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$*"; }
waitfor() { # waitfor SECONDS DESCRIPTION CMD...
  local end=$(( $(date +%s) + $1 )) what=$2; shift 2
  while [ "$(date +%s)" -lt "$end" ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timeout waiting for $what; see $D/log" >&2; return 1
}

fresh=0
if [ ! -f "$D/mon/done" ]; then
  fresh=1
  mkdir -p "$D"/{mon,osd,mgr,rgw,run,log}
  FSID=$(uuidgen)
  cat > "$C" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
# radosgw defaults ms_mon_client_mode=secure, impossible without cephx
ms mon client mode = crc
client mount timeout = 60
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
auth allow insecure global id reclaim = false
paxos propose interval = ${PAXOS_INTERVAL:-0.1}
osd crush chooseleaf type = 0
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
rgw rados pool pg num min = 8
mon max pg per osd = 1000
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
mon data = $D/mon
osd data = $D/osd
mgr data = $D/mgr
debug ms = 0/0
[osd]
# memstore only writes its data to disk on a clean umount
osd fast shutdown = false
osd objectstore = $OSD_STORE
memstore device bytes = ${MEMSTORE_BYTES:-1G}
bluestore block path = $D/osd-block
bluestore block create = true
bluestore block size = 20G
bluestore fsck on mount = false
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
osd max object name len = 460
osd max object namespace len = 64
osd op num shards = 2
osd op num threads per shard = 2
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw
rgw thread pool size = 64
rgw dns name = localhost
rgw enable usage log = false
EOF
  log "mkfs mon"
  monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
  ceph-mon -c "$C" -i a --mkfs --monmap "$D/monmap"
  touch "$D/mon/done"
fi

log "start mon"
ceph-mon -c "$C" -i a 2>> "$D/log/mon.err"
waitfor 30 mon $CEPH mon stat

if [ "$WITH_MGR" = 1 ]; then
  log "start mgr"
  ceph-mgr -c "$C" -i x
fi

if [ ! -f "$D/osd/done" ]; then
  log "mkfs osd ($OSD_STORE)"
  OSD_UUID=$(uuidgen)
  id=$($CEPH osd new "$OSD_UUID")
  [ "$id" = 0 ] || { echo "unexpected osd id $id" >&2; exit 1; }
  ceph-osd -c "$C" -i 0 --mkfs --osd-uuid "$OSD_UUID" 2> "$D/log/osd-mkfs.err"
  touch "$D/osd/done"
fi
log "start osd"
ceph-osd -c "$C" -i 0 2>> "$D/log/osd.err"
waitfor 60 "osd up" sh -c "$CEPH osd dump | grep -q '^osd.0 up'"

log "start rgw"
radosgw -c "$C" -n client.rgw.a 2>> "$D/log/rgw.err"
waitfor 90 "rgw http" curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"
log "rgw answers on 127.0.0.1:$RGW_PORT"

if [ "$fresh" = 1 ]; then
  radosgw-admin -c "$C" user create --uid=test --display-name=test \
    --access-key="$AK" --secret="$SK" >/dev/null
  log "user test created (access key $AK)"
fi
log "ready"
