#!/bin/bash
# The tls+tcp:// endpoint: TLS with a server certificate plus a shared
# secret in every request; no unauthenticated TCP access.
. "$(dirname "$0")/daemon-lib.sh"
command -v openssl >/dev/null || { echo "skip: needs openssl"; exit 77; }
GRUG=$SHARED/conformance/data/resource/grugs/tiny.graphml
cd "$TMP"
cert() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 \
             -subj /CN=localhost 2>/dev/null && cat "$1.pem" "$1.key" >"$1.both" && chmod 600 "$1.both"; }
cert server && cert other || { echo "openssl failed"; exit 1; }
head -c 32 /dev/urandom | base64 >secret; chmod 600 secret
echo "a-wrong-secret-of-enough-length" >wrong; chmod 600 wrong
PORT=$((20000 + RANDOM % 20000))
U=tls+tcp://localhost:$PORT

# plain_bytes MARKER N LINE: send LINE N times as plain TCP to the TLS port
# (no handshake); true if nothing that comes back holds MARKER.
plain_bytes() {
    python3 - "$PORT" "$1" "$2" "$3" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall((sys.argv[4] + "\n").encode() * int(sys.argv[3]))
try:
    data = s.recv(100)
except OSError:
    data = b""
assert sys.argv[2].encode() not in data, data
PY
}

"$STRATAD" --listen-tls "tcp://127.0.0.1:$PORT" --tls-cert server.both --secret-file secret 2>err
check "plain tcp:// refused" grep -q "not tls+tcp://" err
"$STRATAD" --listen-tls "$U" --secret-file secret 2>err
check "TLS without a certificate refused" grep -q "needs --tls-cert and --secret-file" err
chmod 644 secret
"$STRATAD" -L "$GRUG" --rundir "$TMP/r0" --listen-tls "$U" --tls-cert server.both --secret-file secret 2>err
check "a secret readable by others refused" grep -q "mode 0600" err
chmod 600 secret

daemon_start -L "$GRUG" --noexec --listen-tls "tls+tcp://127.0.0.1:$PORT" --tls-cert server.both \
    --secret-file secret
export STRATA_TLS_CA=server.pem STRATA_SECRET_FILE=secret
id=$("$STRATA" --uri "$U" --timeout 5000 submit -t 10 true)
check "submit over TLS with the secret ($id)" test -n "$id"
check "the remote caller acts as the owner" test "$(job_field "$id" uid)" = "$(id -u)"
# events over TLS: the same sequence-numbered events, only with the secret
"$STRATA" --uri "$U" --timeout 5000 events 5 >tlsev 2>tlsev.err &
evp=$!
PIDS+=("$evp")
wait_for 50 grep -q subscribed tlsev
eid=$("$STRATA" --uri "$U" --timeout 5000 submit -t 0 true)
for _ in $(seq 100); do ours "$evp" || break; sleep 0.1; done
check "events over TLS: five events of job $eid, in sequence" python3 - "$eid" <<'PY'
import json, sys
evs = [json.loads(l) for l in open('tlsev') if l.startswith('{')]
assert len(evs) == 5, evs
assert evs[0]['event'] == 'job.submit' and evs[0]['id'] == int(sys.argv[1]), evs
assert [e['seq'] for e in evs] == list(range(evs[0]["seq"], evs[0]["seq"] + 5)), evs
assert evs[-1]['event'] == 'job.state' and evs[-1]['state'] == 'inactive', evs
PY
STRATA_SECRET_FILE=wrong "$STRATA" --uri "$U" --timeout 5000 events 1 >tlsev2 2>err; rc=$?
check "events over TLS: a wrong secret gets none (rc $rc)" sh -c "test $rc -ne 0 && ! grep -q '{' tlsev2"
check "events over TLS: and is told why" grep -q "needs the instance's shared secret" err
check "events over TLS: plain bytes asking for events get none" \
    plain_bytes job 1 '{"version":1,"method":"events.poll","params":{"after":0}}'
STRATA_SECRET_FILE=wrong "$STRATA" --uri "$U" --timeout 5000 ping 2>err
check "wrong secret refused" grep -q "needs the instance's shared secret" err
STRATA_SECRET_FILE= "$STRATA" --uri "$U" --timeout 5000 ping 2>err
check "no secret: the client says what to set" grep -q STRATA_SECRET_FILE err
STRATA_TLS_CA=other.pem "$STRATA" --uri "$U" --timeout 2000 ping 2>err && fail "untrusted certificate accepted" \
    || ok "a certificate the client does not trust: no connection"
# raw bytes to the TCP port (no TLS) get nothing, and the daemon stays up
check "plain bytes on the TLS port get no reply" plain_bytes ok 4 '{"version":1,"method":"shutdown"}'
check "daemon still up" "$STRATA" ping
check "shutdown over TLS" "$STRATA" --uri "$U" --timeout 5000 shutdown
for _ in $(seq 50); do ours "$D_PID" || break; sleep 0.1; done
check "daemon exited" gone "$D_PID"
finish
