#!/bin/bash
# Ownership: jobs belong to the uid from the IPC peer credentials; another
# uid may not cancel them, drain nodes or shut the instance down; the
# instance owner may cancel anyone's job.  Needs root (to act as nobody).
. "$(dirname "$0")/daemon-lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    echo "skip: needs root and setpriv"; exit 77
fi
NOBODY=$(id -u nobody)
as_nobody() { setpriv --reuid="$NOBODY" --regid="$(id -g nobody)" --clear-groups "$@"; }

daemon_start -L "$SHARED/conformance/data/resource/grugs/tiny.graphml" --kill-grace 1
# The rundir is 0700: another user cannot even reach the socket.
as_nobody "$STRATA" --timeout 2000 ping >/dev/null 2>&1 && fail "0700 rundir keeps others out" \
    || ok "0700 rundir keeps others out"
# Open it up (a shared instance) to test the per-job checks.
chmod 0755 "$TMP" "$D_DIR"
chmod 0777 "$D_DIR/rpc" "$D_DIR/events"
uid=$(as_nobody "$STRATA" ping | python3 -c 'import json,sys; print(json.load(sys.stdin)["uid"])')
check "daemon sees nobody's uid from the peer credentials ($uid)" test "$uid" = "$NOBODY"

mine=$("$STRATA" submit -t 100 sleep 100)
wait_state "$mine" run || fail "root's job runs"
theirs=$(cd / && as_nobody "$STRATA" submit -t 100 sleep 100)
check "nobody's job belongs to nobody" test "$(job_field "$theirs" uid)" = "$NOBODY"
check "root's job belongs to root" test "$(job_field "$mine" uid)" = 0
(cd / && as_nobody "$STRATA" cancel "$mine") 2>"$TMP/err" && fail "nobody cancels root's job" \
    || check "nobody may not cancel root's job" grep -q "only its owner" "$TMP/err"
check "root's job untouched" test "$(job_field "$mine" result)" = ""
(cd / && as_nobody "$STRATA" resource drain 0) 2>/dev/null && fail "nobody drains" || ok "nobody may not drain"
(cd / && as_nobody "$STRATA" shutdown) 2>/dev/null && fail "nobody shuts down" || ok "nobody may not shut down"
check "the owner sees the output paths" sh -c "'$STRATA' job info $mine | grep -q '\"stdout\"'"
info=$(cd / && as_nobody "$STRATA" job info "$mine")
echo "$info" | grep -q '"stdout"' && fail "output paths hidden from others" || ok "output paths hidden from others"
check "nobody cancels its own job" sh -c "cd / && setpriv --reuid=$NOBODY --regid=$(id -g nobody) --clear-groups '$STRATA' cancel $theirs"
theirs2=$(cd / && as_nobody "$STRATA" submit -t 100 sleep 100)
check "the instance owner cancels nobody's job" "$STRATA" cancel "$theirs2"
check "canceled" wait_state "$theirs2" inactive
check "shutdown" daemon_stop
finish
