# daemon-lib.sh: helpers for the stratad integration tests (sourced).
#
# daemon_start ARGS...   start stratad on a fresh temporary rundir; sets
#                        STRATA_URI, D_PID, D_DIR; waits (bounded) for it
# daemon_stop            shutdown, then kill if it does not exit
# daemon_kill9           kill -9, and wait until it is gone
# ours PID / gone PID / kill_ours SIG PID...
#                        is PID still a process of this test / is it not /
#                        signal those that are (never a PID the kernel has
#                        handed on to another process)
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

# proc_state PID: prints "STATE PPID" of a live PID (fails if there is none)
proc_state() {
    local st rest
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    rest=${st##*) } # past "PID (COMM) ": COMM may hold spaces
    echo "${rest%% *} $(echo "$rest" | cut -d' ' -f2)"
}

# ours PID: PID is still a live process of this test: a child of this
# shell, or one whose command line names $TMP (a daemon started from a
# subshell).  A PID alone does not say so: once the process has exited and
# been reaped, the kernel hands its PID on, and with pid_max at 32768 and a
# test suite forking ~1000 processes a second that takes well under a
# minute.  A kill by such a stale PID hits whatever has the PID now,
# another test's process (the likely end of a `strata call` in
# daemon-malformed that printed nothing at all, neither reply nor error).
ours() {
    local state ppid cmd
    read -r state ppid < <(proc_state "$1") || return 1
    [ "$state" != Z ] || return 1 # exited (bash reaps it soon)
    [ "$ppid" = "$$" ] && return 0
    cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)
    [[ $cmd == *"$TMP"/* || $cmd == *"$TMP" || $cmd == *"$TMP "* ]]
}

# gone PID: PID is no longer a live process of this test
gone() { ! ours "$1"; }

# kill_ours SIG PID...: send SIG to each PID that is still ours
kill_ours() {
    local sig=$1 p
    shift
    for p in "$@"; do [ -n "$p" ] && ours "$p" && kill "-$sig" "$p" 2>/dev/null; done
    return 0
}

cleanup() {
    kill_ours 9 "${PIDS[@]:-}"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
[ -n "${KEEP_TMP:-}" ] && trap - EXIT

# The watchdog: a test still running after STRATA_TEST_WATCHDOG seconds
# (default 240; meson stops it at 300) prints where it is, so that a hang
# on a CI machine leaves a trace: the processes under it, each stratad's
# threads (gdb when it is there, else their kernel states) and the end of
# stratad.err; then it stops the test.
watchdog() {
    local main=$1 limit=$2 me=$BASHPID p t mine=() daemons=()
    for _ in $(seq "$limit"); do
        sleep 1 </dev/null >/dev/null 2>&1
        # (main's PID alone could be another process's by now)
        [ "$(proc_state "$me" | cut -d' ' -f2)" = "$main" ] || exit 0
    done
    # the processes under the test (by parent links), the test's own first
    local -A parent=()
    for p in /proc/[0-9]*; do
        t=$(cut -d' ' -f4 "$p/stat" 2>/dev/null) && parent[${p#/proc/}]=$t
    done
    mine=("$main")
    for ((i = 0; i < ${#mine[@]}; i++)); do
        for p in "${!parent[@]}"; do
            [ "${parent[$p]}" = "${mine[$i]}" ] && [ "$p" != "$BASHPID" ] && mine+=("$p")
        done
    done
    {
        echo "WATCHDOG: $(basename "$0") still running after ${limit}s; its processes:"
        for p in "${mine[@]:1}"; do
            t=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
            echo "  $p ($(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)): $t"
            [ "${t%% *}" = "$STRATAD" ] && daemons+=("$p")
        done
        for p in "${daemons[@]}"; do
            echo "== stratad $p"
            if command -v gdb >/dev/null; then
                timeout 30 gdb -batch -p "$p" -ex "info threads" -ex "thread 1" \
                    -ex "bt -frame-info short-location 16" 2>/dev/null | grep -E '^( *[0-9*]|#)'
            else
                for t in /proc/"$p"/task/*; do
                    echo "  thread ${t##*/}: $(cut -d' ' -f3 "$t/stat") $(cat "$t/wchan" 2>/dev/null)"
                done
            fi
        done
        echo "== stratad.err (end)"
        tail -n 20 "$TMP/stratad.err" 2>/dev/null
    } >&2
    # the test, then what it waits for (a client blocked on its reply)
    kill -TERM "${mine[@]}" 2>/dev/null
    exit 0
}
watchdog $$ "${STRATA_TEST_WATCHDOG:-240}" &
PIDS+=("$!")
disown "$!" # (its end at cleanup is not news)

ok() { echo "ok: $* [${SECONDS}s]"; }
fail() { echo "FAIL: $* [${SECONDS}s]"; FAILS=$((FAILS + 1)); }
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
    for _ in $(seq 100); do ours "$D_PID" || return 0; sleep 0.1; done
    kill_ours 9 "$D_PID"
    return 1
}

# daemon_kill9: kill -9 the daemon and wait until it is gone, sockets and
# all (a start on the same rundir right after could find them still in use)
daemon_kill9() {
    kill_ours 9 "$D_PID"
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
