# rq-golden-lib.sh: what the resource-query golden-file tests share (sourced
# by resource-query-basic.sh and resource-query-errors.sh).
#
# Before sourcing, set golden_prefix (the golden files of case NAME are
# test/cli/golden/<golden_prefix>-NAME.{out,err}) and define mask, the sed
# filter that hides what differs from run to run.
#
# Sets src, conf, data, golden, rq, tmp (removed at exit), n and failed.
# ok NAME / not_ok NAME      count and print one TAP line
# compare NAME KIND FILE     FILE (masked) against the golden NAME.KIND;
#                            STRATA_UPDATE_GOLDEN=1 rewrites the golden file
# check NAME WANT_RC [ARGS...] < commands
#                            run resource-query from the conformance data
#                            directory (so that file names in the output are
#                            relative), compare stdout and stderr
set -uo pipefail

src=${STRATA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
conf=${STRATA_CONFORMANCE:-$src/../shared/conformance}
data=$conf/data/resource
golden=$src/test/cli/golden
rq=$(command -v resource-query || echo "${STRATA_BUILDDIR:-$src/build}/tools/resource-query")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}

not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
}

compare() {
    local want=$golden/$golden_prefix-$1.$2
    mask < "$3" > "$3.masked"
    if [ "${STRATA_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$3.masked" "$want"
        return 0
    fi
    diff -u "$want" "$3.masked"
}

check() {
    local name=$1 want_rc=$2
    shift 2
    (cd "$data" && "$rq" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err")
    local rc=$?
    if [ "$rc" -ne "$want_rc" ]; then
        not_ok "$name: exit status $rc, want $want_rc"
        cat "$tmp/$name.err"
        return
    fi
    if compare "$name" out "$tmp/$name.out" && compare "$name" err "$tmp/$name.err"; then
        ok "$name"
    else
        not_ok "$name"
    fi
}
