# daemon-lib.sh: helpers for the stratad integration tests (sourced).
#
# daemon_start ARGS...   start stratad on a fresh temporary rundir; sets
#                        STRATA_URI, D_PID, D_DIR; waits (bounded) for it
# daemon_stop            shutdown, then kill if it does not exit
# daemon_kill9           kill -9, and wait until it is gone
# ok / fail / check      tiny assertion helpers; the script exits 1 at the end
#                        if anything failed
# The EXIT trap always kills the daemons it started.
set -u
B=${STRATA_BUILDDIR:?}
STRATAD=$B/daemon/stratad
STRATA=$B/tools/strata
SHARED=${STRATA_SHARED:-$(dirname "$0")/../../../shared}
TMP=$(mktemp -d /tmp/strata-test.XXXXXX)
chmod 0755 "$TMP"
PIDS=()
FAILS=0
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
[ -n "${KEEP_TMP:-}" ] && trap - EXIT

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# check DESC CMD...: CMD must succeed
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
finish() { [ "$FAILS" -eq 0 ] && { echo "all passed"; exit 0; }; echo "$FAILS failure(s)"; exit 1; }

# wait_for N CMD...: retry CMD every 0.1 s, at most N times
wait_for() {
    local n=$1; shift
    for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}

daemon_start() {
    D_DIR=${D_DIR_FIXED:-$TMP/run.$RANDOM}
    "$STRATAD" --rundir "$D_DIR" "$@" >"$TMP/stratad.out" 2>>"$TMP/stratad.err" &
    D_PID=$!
    PIDS+=("$D_PID")
    export STRATA_URI="ipc://$D_DIR/rpc"
    if ! wait_for 100 "$STRATA" ping; then
        echo "stratad did not start:"; cat "$TMP/stratad.err"; exit 1
    fi
}

daemon_stop() {
    "$STRATA" shutdown >/dev/null 2>&1
    for _ in $(seq 100); do kill -0 "$D_PID" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$D_PID" 2>/dev/null
    return 1
}

# daemon_kill9: kill -9 the daemon and wait until it is gone, sockets and
# all (a start on the same rundir right after could find them still in use)
daemon_kill9() {
    kill -9 "$D_PID" 2>/dev/null
    wait "$D_PID" 2>/dev/null
    return 0
}

# job_field ID KEY: one field of `strata job info`
job_field() {
    "$STRATA" job info "$1" | python3 -c "import json,sys; v=json.load(sys.stdin).get('$2'); print(v if v is not None else '')"
}

# wait_state ID STATE [N]: bounded wait for a job's state
wait_state() {
    local id=$1 st=$2 n=${3:-100}
    for _ in $(seq "$n"); do [ "$(job_field "$id" state)" = "$st" ] && return 0; sleep 0.1; done
    return 1
}
