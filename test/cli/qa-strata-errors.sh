#!/bin/bash
# qa-strata-errors: the strata client's bad inputs give one clear line and
# exit 2 (usage) or 1 (the instance refused, or none answers): bad --timeout,
# -u/-n of jobs, events COUNT, a string that is no URI, a socket nobody
# listens on, tree-run --help (was run as a job's command), batch --help, a
# submit without a command, an unsatisfiable request in words; option errors
# of submit/run/alloc name "strata CMD"; a JSON syntax error is not called
# YAML only; a resource type the instance lacks in strata's words, one
# "jobspec[N]" naming; call --raw exits 1 on ok:false; a lost connection.
source "$(dirname "$0")/daemon-lib.sh"
G=${STRATA_CONFORMANCE:?}/data/resource/grugs/tiny.graphml

. "$(dirname "$0")/qa-lib.sh"

# expect RC FIRST-STDERR-LINE ARGS...
qa_run() { "$STRATA" "$@"; }
QA_LABEL=strata

# No instance needed.
expect 2 "strata: --timeout: 'abc' is not a whole number from 0 to 86400000" --timeout=abc ping
expect 2 "strata: --timeout: '-1' is not a whole number from 0 to 86400000" --timeout=-1 ping
expect 1 "strata: garbage: not a stratad URI (ipc://PATH or tls+tcp://HOST:PORT)" --uri=garbage ping
expect 1 "strata: ipc://$TMP/nobody: Connection refused (is stratad running?)" \
    --uri="ipc://$TMP/nobody" ping
# A stale socket file (its server gone) is refused, not waited on.
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$TMP/stale"
expect 1 "strata: ipc://$TMP/stale: Connection refused (is stratad running?)" \
    --uri="ipc://$TMP/stale" ping
expect 2 "strata tree-run: unknown option '--bogus' (a command starting with '-' goes after --)" \
    --uri="ipc://$TMP/nobody" tree-run --bogus true
"$STRATA" --uri="ipc://$TMP/nobody" tree-run --help >"$TMP/out" 2>&1 &&
    grep -q '^Usage: strata tree-run' "$TMP/out" && ok "tree-run --help" || fail "tree-run --help"
"$STRATA" batch --help >"$TMP/out" 2>&1 && grep -q '^Usage: strata batch' "$TMP/out" &&
    ok "batch --help" || fail "batch --help: $(head -1 "$TMP/out")"
expect 2 "strata: unknown command 'bogus'" bogus
# batch: a script that is not there is an error now (the job failed in its
# new instance with exit 127 and no reason); alloc: a bad option exits 2.
expect 1 "strata batch: $TMP/no-script: No such file or directory" --uri="ipc://$TMP/nobody" \
    batch -n 1 "$TMP/no-script"
expect 1 "strata batch: no-such-script-qa: command not found" --uri="ipc://$TMP/nobody" \
    batch no-such-script-qa
expect 2 "strata alloc: unrecognized option '--bogus'" --uri="ipc://$TMP/nobody" alloc --bogus
# submit's option errors name the command (getopt said "alloc: ...", the
# parsers "strata: ...")
expect 2 "strata alloc: invalid option -- 'Z'" --uri="ipc://$TMP/nobody" alloc -Z
expect 2 "strata alloc: option '-n' requires an argument" --uri="ipc://$TMP/nobody" alloc -n
expect 2 "strata submit: -N: count must be >= 1" --uri="ipc://$TMP/nobody" submit -N 0 true
expect 2 "strata submit: option '--name' requires an argument" --uri="ipc://$TMP/nobody" \
    submit --name
expect 2 "strata submit: --cc: 'x' is not N or A-B (at most 1000000 jobs)" \
    --uri="ipc://$TMP/nobody" submit --cc=x true
# jobs' and the global options' getopt errors too (they said "jobs: ..." and
# the program's path)
expect 2 "strata jobs: unrecognized option '--bogus'" --uri="ipc://$TMP/nobody" jobs --bogus
expect 2 "strata jobs: option '-u' requires an argument" --uri="ipc://$TMP/nobody" jobs -u
expect 2 "strata jobs: invalid option -- 'Z'" --uri="ipc://$TMP/nobody" jobs -Z
expect 2 "strata: unrecognized option '--bogus'" --bogus ping
expect 2 "strata: option '--uri' requires an argument" --uri
# a long option that takes no value, given one (it said "invalid option --
# 'a'", -a being valid, and "unrecognized" for --noexec)
expect 2 "strata jobs: option '--all=1' takes no value" --uri="ipc://$TMP/nobody" jobs --all=1
expect 2 "strata submit: option '--noexec=1' takes no value" --uri="ipc://$TMP/nobody" \
    submit --noexec=1 true
expect 2 "strata: option '--help=1' takes no value" --help=1 ping
# a JSON jobspec with a syntax error is not called YAML only
printf '{"version": 1, "resources": [}\n' >"$TMP/bad.json"
expect 1 "strata submit: $TMP/bad.json:1:30: not valid YAML or JSON: did not find expected node content while parsing a flow node" \
    --uri="ipc://$TMP/nobody" submit --jobspec="$TMP/bad.json"
expect 2 "strata tree: -d: 'abc' is not a depth from 1 to 1000" --uri="ipc://$TMP/nobody" tree -d abc

daemon_start -L "$G"
expect 2 "strata jobs: -u: no user 'no-such-user-qa'" jobs -u no-such-user-qa
expect 2 "strata jobs: -n: 'x' is not a whole number from 0 to 1000000000" jobs -n x
expect 1 'strata jobs: unknown state "bogus"' jobs -s run,bogus
expect 2 "strata events: COUNT: 'abc' is not a whole number from 1 to 1000000000" events abc
expect 2 "strata submit: no command given (or use --jobspec=FILE)" submit
expect 2 "strata run: no command given (or use --jobspec=FILE)" run
expect 1 "strata submit: jobspec[0]: unsatisfiable: this instance's resources can never satisfy it" \
    submit -n 100000 true
expect 1 "strata cancel: job 999: no such job" cancel 999
# A type the instance has none of, in strata's words (the matcher's are
# resource-query's: "... known to fluxion"); one name for the index.
js='{"version":1,"resources":[{"type":"slot","count":1,"label":"t","with":[{"type":"qa_gpu","count":1}]}],"tasks":[{"command":["true"],"slot":"t","count":{"per_slot":1}}],"attributes":{"system":{"duration":1}}}'
printf '%s\n' "$js" >"$TMP/qa_gpu.json"
expect 1 'strata submit: jobspec[0]: unsatisfiable: this instance has no resource of type "qa_gpu"' \
    submit --jobspec="$TMP/qa_gpu.json"
good=${js/qa_gpu/core}
expect 1 'strata call: jobspec[1]: unsatisfiable: this instance has no resource of type "qa_gpu"' \
    call submit "{\"jobspecs\":[$good,$js]}"
expect 1 'strata call: jobspec[0]: must be an object or a string' call submit '{"jobspecs":[7]}'
# call --raw prints the reply and exits 1 when it is not ok
"$STRATA" call --raw '{"version":1,"method":"no.such"}' >"$TMP/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q '"ok":false' "$TMP/out" && ok "call --raw: ok:false exits 1" ||
    fail "call --raw: ok:false: exit $rc, $(cat "$TMP/out")"
"$STRATA" call --raw '{"version":1,"method":"ping"}' >"$TMP/out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '"ok":true' "$TMP/out" && ok "call --raw: ok:true exits 0" ||
    fail "call --raw: ok:true: exit $rc, $(cat "$TMP/out")"
expect 2 "strata: 'abc' is not a job id" job info abc
# A pending job the resources stop satisfying (its property removed) fails
# with the reason in words, not strerror(ENODEV) ("No such device").
"$STRATA" resource property set node0 qa_fast >/dev/null
"$STRATA" resource property set node1 qa_fast >/dev/null
hold=$("$STRATA" submit -N 2 --exclusive --noexec -t 30 true)
wants=$("$STRATA" submit --requires=qa_fast --noexec -t 5 true)
"$STRATA" resource property rm node0 qa_fast >/dev/null
"$STRATA" resource property rm node1 qa_fast >/dev/null
reason() { "$STRATA" job info "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("reason"))'; }
wait_for 50 bash -c "'$STRATA' job info $wants | grep -q '\"result\": \"failed\"'"
[ "$(reason "$wants")" = "unsatisfiable: this instance's resources can never satisfy it" ] &&
    ok "pending job rejected in words" || fail "pending job rejected: $(reason "$wants")"
"$STRATA" cancel "$hold"
# A property no --requires could name is refused, not stored.
expect 1 "strata resource property: properties: \"a|b=1\" is not KEY[=VALUE] (a key without ',', blanks, a leading '^' or any of !&'\"^\`|())" \
    resource property set 0 'a|b=1'
"$STRATA" resource property set 0 fast=1 >/dev/null && ok "a good property is set" ||
    fail "good property"
# A good request still works (events 1 sees it and ends), and -u takes a
# name as well as a uid.
timeout 20 "$STRATA" events 1 >"$TMP/events" 2>&1 &
EV=$!
wait_for 100 grep -q subscribed "$TMP/events"
# right after "subscribed": the events poll from the sequence number taken at
# subscription, so the job's first event is not lost (a SUB socket could miss
# what is published before the daemon takes its pipe in)
id=$("$STRATA" submit --noexec -t 1 true)
wait "$EV" && grep -q '"event"' "$TMP/events" && ok "events 1" || fail "events 1: $(cat "$TMP/events")"
check "jobs -u NAME" bash -c "'$STRATA' jobs -a -u '$(id -un)' | grep -q '^ *$id '"
check "jobs -u UID" bash -c "'$STRATA' jobs -a -u '$(id -u)' -n 1 | grep -q '^ *$id '"
# An instance that goes away during a request: said so, not "request:
# Connection reset".  A fresh instance: no job there makes events.
daemon_stop
daemon_start -L "$G"
last=$("$STRATA" call events.poll '{"timeout":0}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["last"])')
timeout 40 "$STRATA" call events.poll "{\"after\":$last,\"timeout\":30000}" >"$TMP/out" \
    2>"$TMP/err" &
CALL=$!
sleep 1 # the request is parked in the daemon by then
daemon_kill9
wait "$CALL"
rc=$?
got=$(head -1 "$TMP/err")
[ $rc -eq 1 ] && [ "$got" = "strata call: lost the connection to $STRATA_URI (the instance stopped or restarted)" ] &&
    ok "lost connection in words" || fail "lost connection: exit $rc, '$got'"
# A read-only call with no time limit (job wait) whose instance died: said
# so too, not waited on for ever (its retry after a lost connection, meant
# for a reopened listener, queued the request for a daemon that never came)
daemon_start -L "$G"
id=$("$STRATA" submit --noexec -t 60 true)
timeout 25 "$STRATA" job wait "$id" >"$TMP/out" 2>"$TMP/err" &
W=$!
sleep 1 # the wait is parked in the daemon by then
daemon_kill9
t0=$SECONDS
wait "$W"
rc=$?
got=$(head -1 "$TMP/err")
[ $rc -eq 1 ] && [ "$got" = "strata job wait: lost the connection to $STRATA_URI (the instance stopped or restarted)" ] &&
    ok "job wait on a killed instance ends ($((SECONDS - t0)) s)" ||
    fail "job wait on a killed instance: exit $rc, '$got'"
finish
