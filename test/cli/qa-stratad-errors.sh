#!/bin/bash
# qa-stratad-errors: stratad's bad options are one line and exit 2 before
# anything is loaded (an unknown match policy was exit 1, found only when the
# matcher was built; an unknown -f only when loading); bad resource files name
# the file and exit 1; a second stratad on a live statedir exits 1 at once
# and leaves the first one serving and its journal unchanged; a rundir left
# by kill -9 (stale sockets, the lock) is reused.
source "$(dirname "$0")/daemon-lib.sh"
G=${STRATA_CONFORMANCE:?}/data/resource/grugs/tiny.graphml

job_info_quiet() { "$STRATA" job info "$1" >/dev/null 2>&1; }

. "$(dirname "$0")/qa-lib.sh"

# expect RC FIRST-STDERR-LINE ARGS...
qa_run() { timeout 20 "$STRATAD" --rundir "$TMP/r.$RANDOM" "$@"; }
QA_LABEL=stratad

expect 2 "stratad: unknown match policy 'bogus' (first, high, low, lonode, hinode, lonodex, hinodex, firstnodex, locality, variation, or key=value words as resource-query -P takes)" \
    -L "$G" -P bogus
expect 2 "stratad: unknown --load-format 'bogus' (grug, jgf, hwloc, rv1exec)" -L "$G" -f bogus
expect 2 "stratad: unknown queue policy 'bogus' (fcfs, easy, hybrid, conservative)" -L "$G" -Q bogus
expect 2 "stratad: --queue-depth: '0' is not 1..1000000" -L "$G" --queue-depth=0
expect 2 "stratad: unexpected argument 'extra'" -L "$G" extra
# getopt's own words named the binary's path and were followed by a second
# "bad option" line: one line of ours, as every other usage error
expect 2 "stratad: unrecognized option '--bogus'" -L "$G" --bogus
expect 2 "stratad: invalid option -- 'x'" -L "$G" -x
expect 2 "stratad: option '-L' requires an argument" -L
expect 2 "stratad: option '--statedir' requires an argument" -L "$G" --statedir
expect 2 "stratad: option '--noexec=1' takes no value" -L "$G" --noexec=1
expect 1 "stratad: $TMP/none.graphml: No such file or directory" -L "$TMP/none.graphml"
# Directories named where a file is wanted, and the reverse, are named.
expect 2 "stratad: $TMP: Is a directory" -C "$TMP"
: >"$TMP/afile"
expect 1 "stratad: --statedir $TMP/afile: Not a directory" -L "$G" --statedir "$TMP/afile"
expect 1 "stratad: --statedir /proc/nope: No such file or directory" -L "$G" --statedir /proc/nope
# An hwloc allowlist without core (a typo) would start an instance no job fits.
expect 1 "stratad: --allowlist 'nodes,cores' keeps no core of this host" -W nodes,cores
printf '<graphml><bad' >"$TMP/bad.graphml"
expect 1 "stratad: $TMP/bad.graphml:1: Couldn't find end of Start Tag bad" -L "$TMP/bad.graphml"
printf '{"graph": ' >"$TMP/bad.json"
expect 1 "stratad: $TMP/bad.json:1:10: unexpected token near end of file" -L "$TMP/bad.json"
# A custom policy string is still good (the check builds what the matcher will).
D_DIR_FIXED=$TMP/live daemon_start -L "$G" -P "policy=high node_centric=true"
ok "custom -P string starts"
id=$("$STRATA" submit --noexec -t 100 true)
wait_state "$id" run # its start is journaled too: the sum is taken after it
sleep 0.2
sum=$(md5sum <"$TMP/live/journal")
# A second stratad on the live rundir, or on another rundir with the same
# statedir (it ran, appending to the same journal): refused at once (exit 1),
# naming the first one, before it reads the journal or probes the socket;
# the journal is untouched and the first one keeps serving.
for rd in "$TMP/live" "$TMP/other"; do
    timeout 20 "$STRATAD" --rundir "$rd" --statedir "$TMP/live" -L "$G" >"$TMP/out2" 2>"$TMP/err2"
    rc=$?
    [ "$rc" -eq 1 ] &&
        [ "$(cat "$TMP/err2")" = "stratad: --statedir $TMP/live is in use by another stratad (pid $D_PID)" ] &&
        ok "second stratad (rundir $rd) refused" ||
        fail "second stratad (rundir $rd): exit $rc: $(cat "$TMP/err2")"
done
[ "$(md5sum <"$TMP/live/journal")" = "$sum" ] && ok "journal unchanged" || fail "journal changed"
check "first stratad still serves job $id" job_info_quiet "$id"
# kill -9 leaves the sockets behind: a new stratad on that rundir starts.
{ kill -9 "$D_PID"; wait "$D_PID"; } 2>/dev/null
D_DIR_FIXED=$TMP/live daemon_start -L "$G"
check "restart on a stale rundir keeps job $id" job_info_quiet "$id"
daemon_stop
finish
