# nested-lib.sh: helpers for the nested-instance tests (sourced after
# daemon-lib.sh).  Child instances put their run directories under $TMPDIR,
# which we point into the test's $TMP, so every process of the hierarchy has
# $TMP on its command line: the EXIT trap kills those by pid, and
# tree_procs shows what is left.
export TMPDIR=$TMP

# tree_procs: pids of live processes whose command line mentions $TMP
tree_procs() {
    local p
    # Never with an empty or unexpected pattern: it would match everything.
    case $TMP in /tmp/strata-test.?*) ;; *) return 1 ;; esac
    for p in $(pgrep -f -- "$TMP" 2>/dev/null); do
        [ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] && echo "$p"
    done
}

nested_cleanup() {
    local p
    for p in $(tree_procs); do kill -9 "$p" 2>/dev/null; done
    cleanup
}
trap nested_cleanup EXIT
[ -n "${KEEP_TMP:-}" ] && trap - EXIT

# make_hold [STOP]: write $TMP/hold.sh, the initial program of long-lived
# instances: it holds (bounded: 600 x 0.2 s) until the file STOP (default
# "stop"; '$1'-style words are the script's own arguments) exists beside
# it.  Its command line carries $TMP, like every process of the hierarchy.
make_hold() {
    printf '#!/bin/bash\nfor _ in $(seq 600); do [ -e "$(dirname "$0")/%s" ] && exit 0; sleep 0.2; done\n' \
        "${1:-stop}" >"$TMP/hold.sh"
    chmod +x "$TMP/hold.sh"
}

# allocated_cores: how many cores of the instance at $STRATA_URI are
# allocated (resource.list)
allocated_cores() {
    "$STRATA" call resource.list |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["allocated"]["ncores"])'
}

# info_field URI ID KEY: one field of a job's info at an instance
info_field() {
    "$STRATA" --uri "$1" job info "$2" |
        python3 -c "import json,sys; v=json.load(sys.stdin).get('$3'); print(v if v is not None else '')"
}

# wait_uri URI ID: bounded wait until instance job ID at URI has registered
wait_uri() {
    local u
    for _ in $(seq 100); do
        u=$(info_field "$1" "$2" uri 2>/dev/null)
        [ -n "$u" ] && { echo "$u"; return 0; }
        sleep 0.1
    done
    return 1
}

# wait_gone PID N: bounded wait (N x 0.1 s) for a process to exit
wait_gone() {
    for _ in $(seq "$2"); do ours "$1" || return 0; sleep 0.1; done
    return 1
}

# no_procs_but PID...: true if no process mentions $TMP except the PIDs
no_procs_but() {
    local left p keep
    for _ in $(seq 50); do
        left=""
        for p in $(tree_procs); do
            keep=0
            for k in "$@"; do [ "$p" = "$k" ] && keep=1; done
            [ $keep = 0 ] && left="$left $p"
        done
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    echo "left over:"
    for p in $left; do ps -o pid=,ppid=,wchan=,args= -p "$p"; done
    return 1
}

# wait_state_at URI ID STATE: bounded wait for a job's state at an instance
wait_state_at() {
    for _ in $(seq 100); do
        [ "$(info_field "$1" "$2" state 2>/dev/null)" = "$3" ] && return 0
        sleep 0.1
    done
    return 1
}
