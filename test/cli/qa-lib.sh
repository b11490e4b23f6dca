# qa-lib.sh: what the qa-*-errors tests share (sourced).  Each checks a
# tool's error words: run it with bad arguments, compare the exit code and
# the message.  The test defines
#   qa_run ARGS...   its command ("$JV" "$@", timeout 20 "$STRATAD" ... "$@")
# and may set
#   QA_LABEL         what the ok/fail lines call the command (default: nothing)
#   qa_err           a function printing what of $TMP/err is compared
#                    (default: its first line)
# It has $TMP, ok and fail from daemon-lib.sh, or from qa_tap below.

qa_err() { head -1 "$TMP/err"; }

# expect RC WANT ARGS...: qa_run ARGS exits RC and qa_err prints WANT
# (stdout to $TMP/out, stderr to $TMP/err).
expect() {
    local want_rc=$1 want=$2
    shift 2
    qa_run "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$? got
    got=$(qa_err)
    if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ]; then
        ok "${QA_LABEL:+$QA_LABEL }$*"
    else
        fail "${QA_LABEL:+$QA_LABEL }$*: exit $rc, '$got' (want $want_rc, '$want')"
    fi
}

# qa_tap: for a test without a daemon: a $TMP removed at exit, ok and fail
# as numbered TAP lines; qa_tap_end prints the plan and returns 1 if any
# check failed (the test's last command, so its exit status).
qa_tap() {
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    n=0
    fails=0
    ok() { n=$((n + 1)); echo "ok $n - $*"; }
    fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
}
qa_tap_end() {
    echo "1..$n"
    [ "$fails" -eq 0 ]
}
