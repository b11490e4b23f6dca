#!/bin/bash
# A stratad that was stopped (SIGSTOP) while clients gave up on it answers
# again once continued, and does not spin.  nng 1.5.2 stops accepting on a
# listener once a client leaves during its handshake, and its epoll thread
# then spins on the stuck connections; the endpoint watch (daemon/server.c)
# restarts such a listener.  Also: a healthy instance is left alone.
. "$(dirname "$0")/daemon-lib.sh"
GRUG=$SHARED/conformance/data/resource/grugs/tiny.graphml
ticks() { awk '{print $14 + $15}' "/proc/$D_PID/stat"; } # user + system, 1/100 s
restarts() { "$STRATA" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["listener_restarts"])'; }

daemon_start -L "$GRUG" --noexec
for i in $(seq 20); do "$STRATA" submit -q -t 0 true; done
sleep 2.5 # a few rounds of the watch
check "a healthy instance: no listener restarted ($(restarts))" test "$(restarts)" = 0
# a stop that no client noticed: nothing to restart once continued (the
# watch counts its own waiting, not the time it was stopped)
kill -STOP "$D_PID"
sleep 3
kill -CONT "$D_PID"
sleep 2.5
check "a quiet stop: no listener restarted ($(restarts))" test "$(restarts)" = 0

"$STRATA" events >"$TMP/events" 2>/dev/null &
PIDS+=("$!")
wait_for 50 grep -q subscribed "$TMP/events"
kill -STOP "$D_PID"
# clients that give up while it is stopped: each leaves a connection that
# the stopped daemon has not yet answered the handshake of
# (in parallel: a connect to a stopped daemon waits for its handshake)
gave_up=()
for i in $(seq 8); do timeout 1 "$STRATA" --timeout=200 ping >/dev/null 2>&1 & gave_up+=("$!"); done
wait "${gave_up[@]}"
# --timeout bounds the connection too (nng's own dial waits 10 s for the
# stopped daemon's half of the handshake)
t0=$(date +%s%N)
"$STRATA" --timeout=300 ping >/dev/null 2>"$TMP/err"; rc=$?
t=$((($(date +%s%N) - t0) / 1000000))
check "a stopped daemon: --timeout=300 gives up in time ($t ms, rc $rc)" test "$rc" = 1 -a "$t" -lt 3000
check "... saying it timed out" grep -q "Timed out" "$TMP/err"
sleep 0.2
kill -CONT "$D_PID"
t0=$(date +%s%N)
answered=0
for _ in $(seq 30); do "$STRATA" --timeout=500 ping >/dev/null 2>&1 && { answered=1; break; }; done
t=$((($(date +%s%N) - t0) / 1000000))
check "continued: answers again (after $t ms)" test "$answered" = 1
a=$(ticks); sleep 2; b=$(ticks)
check "continued: no spin (CPU $((b - a))/100 s over 2 s)" test $((b - a)) -le 30
check "the listener was restarted ($(restarts))" test "$(restarts)" -ge 1
check "... and said so" grep -q "stopped accepting (nng 1.5" "$TMP/stratad.err"
id=$("$STRATA" submit -t 0 true)
check "jobs run after it" wait_state "$id" inactive 50
check "events still arrive" wait_for 50 grep -q "\"id\":$id," "$TMP/events"

# clients that hang up before the handshake (made sure of by stopping the
# daemon meanwhile): the listener is stuck until the watch reopens it,
# closing the connections it holds; a request that only reads, sent right
# after and caught among them, is asked again and answered
r0=$(restarts)
hang_up() {
    kill -STOP "$D_PID"
    python3 - "$D_DIR/rpc" <<'PY'
import socket, sys
for _ in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.close()
PY
    kill -CONT "$D_PID"
}
hang_up
t0=$(date +%s%N)
check "a ping among hung-up clients is answered" sh -c "'$STRATA' ping >/dev/null"
t=$((($(date +%s%N) - t0) / 1000000))
check "... within the watch's time ($t ms)" test "$t" -lt 15000
check "... by a reopened listener ($(restarts) restarts, $r0 before)" test "$(restarts)" -gt "$r0"
hang_up
check "strata jobs too" sh -c "'$STRATA' jobs -a --json | grep -q '\"id\": $id'"
daemon_stop
finish
