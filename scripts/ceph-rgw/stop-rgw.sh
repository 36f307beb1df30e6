#!/usr/bin/env bash
# Stop the daemons started by start-rgw.sh (scelle's S3 test server), by their pid files only.
#   stop-rgw.sh          clean SIGTERM (memstore writes its data to disk here), data kept
#   stop-rgw.sh --clean  SIGKILL at once and delete the folder (nothing to keep)
# env: CEPH_DIR
set -uo pipefail
D=${CEPH_DIR:-/tmp/scelle-ceph}
sig=TERM; [ "${1:-}" = --clean ] && sig=KILL
for name in client.rgw.a osd.0 mgr.x mon.a; do   # reverse start order
  f="$D/run/$name.pid"; [ -f "$f" ] || continue
  pid=$(cat "$f")
  # only signal it if that pid is still one of ours (pid files survive a SIGKILL)
  if kill -0 "$pid" 2>/dev/null && grep -q -E '^(ceph-|radosgw)' "/proc/$pid/comm" 2>/dev/null &&
     tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$D/ceph.conf"; then
    kill -"$sig" "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name ($pid) still alive after 30s, SIGKILL" >&2; kill -KILL "$pid"
    fi
  fi
  rm -f "$f"
done
if [ "${1:-}" = --clean ]; then rm -rf "$D"; fi
