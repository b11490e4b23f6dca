#!/bin/bash
# nested-netns: a parent and a child instance in two network namespaces
# joined by a veth pair, linked over tls+tcp:// (the addresses exist only
# inside the namespaces).  The instance job is submitted over TLS from the
# child's namespace; its child stratad runs in that namespace (instance
# "prefix": ip netns exec) and registers its TLS URI; the parent's side
# reaches it across the veth with strata proxy.  Skipped (77) without root,
# ip netns or openssl.
. "$(dirname "$0")/daemon-lib.sh"
. "$(dirname "$0")/nested-lib.sh"
command -v openssl >/dev/null && command -v ip >/dev/null || { echo "skip: needs ip, openssl"; exit 77; }
N1=stn1-$$ N2=stn2-$$ VA=sva$$ VB=svb$$
ip netns add "$N1" 2>/dev/null || { echo "skip: cannot create network namespaces"; exit 77; }
netns_cleanup() {
    nested_cleanup
    ip netns del "$N1" 2>/dev/null
    ip netns del "$N2" 2>/dev/null
}
trap netns_cleanup EXIT
ip netns add "$N2" && ip link add "$VA" type veth peer name "$VB" &&
    ip link set "$VA" netns "$N1" && ip link set "$VB" netns "$N2" || { fail "veth setup"; finish; }
NET=10.$((RANDOM % 200 + 20)).$((RANDOM % 250))
A1=$NET.1 A2=$NET.2
ip -n "$N1" addr add "$A1/24" dev "$VA" && ip -n "$N1" link set "$VA" up && ip -n "$N1" link set lo up
ip -n "$N2" addr add "$A2/24" dev "$VB" && ip -n "$N2" link set "$VB" up && ip -n "$N2" link set lo up
check "the addresses are not on the host" bash -c "! ip -o addr | grep -q '$A1'"

cd "$TMP"
# One self-signed certificate per instance, named by its address (CN: the
# TLS library matches the host of the URI against it); the clients trust both.
cert() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 \
             -subj "/CN=$2" 2>/dev/null && cat "$1.pem" "$1.key" >"$1.both" && chmod 600 "$1.both"; }
cert parent "$A1" && cert child "$A2" && cat parent.pem child.pem >ca.pem || { fail "openssl"; finish; }
head -c 32 /dev/urandom | base64 >secret; chmod 600 secret
export STRATA_TLS_CA=$TMP/ca.pem STRATA_SECRET_FILE=$TMP/secret
P1=$((20000 + RANDOM % 20000)) P2=$((20000 + RANDOM % 20000))
U1=tls+tcp://$A1:$P1 U2=tls+tcp://$A2:$P2

# The parent, in N1 (ip netns exec execs: $! is stratad).
D_DIR=$TMP/parent
ip netns exec "$N1" "$STRATAD" --rundir "$D_DIR" --load "$SHARED/bench/bench1000.graphml" \
    --noexec --listen-tls "$U1" --tls-cert parent.both --secret-file secret >parent.out 2>parent.err &
D_PID=$!
PIDS+=("$D_PID")
export STRATA_URI=ipc://$D_DIR/rpc
wait_for 100 "$STRATA" ping || { cat parent.err; fail "parent started"; finish; }
in2() { ip netns exec "$N2" "$@"; }
quiet() { "$@" >/dev/null; }
check "N2 reaches the parent over TLS" quiet in2 "$STRATA" --uri "$U1" --timeout 5000 ping

printf '#!/bin/bash\nfor _ in $(seq 600); do sleep 0.2; done\n' >"$TMP/hold.sh"
chmod +x "$TMP/hold.sh"
attr="system.instance={\"prefix\": [\"ip\", \"netns\", \"exec\", \"$N2\"], \"options\": [\"--listen-tls=$U2\", \"--tls-cert=$TMP/child.both\", \"--secret-file=$TMP/secret\"]}"
id=$(in2 "$STRATA" --uri "$U1" --timeout 5000 submit -N2 --exclusive --setattr "$attr" "$TMP/hold.sh")
check "instance job submitted from N2 over TLS ($id)" test -n "$id"
uri=$(wait_uri "$STRATA_URI" "$id")
check "the child registered its TLS URI" test "$uri" = "$U2"
CPID=$(info_field "$STRATA_URI" "$id" child_pid)
check "the child stratad runs in N2" test "$(readlink /proc/$CPID/ns/net)" = "$(ip netns exec "$N2" readlink /proc/self/ns/net)"
check "N1 reaches the child across the veth (proxy)" \
    quiet ip netns exec "$N1" "$STRATA" --timeout 5000 proxy "$id" "$STRATA" --timeout 5000 ping
check "the child has the job's 2 nodes" test "$(ip netns exec "$N1" "$STRATA" --uri "$U2" --timeout 5000 \
    call resource.list | python3 -c 'import json,sys; print(json.load(sys.stdin)["free"]["nnodes"])')" = 2
j=$(ip netns exec "$N1" "$STRATA" --uri "$U2" --timeout 5000 submit -c 4 -t 1m true)
check "a job submitted to the child over TLS runs" \
    wait_for 50 bash -c "ip netns exec $N1 '$STRATA' --uri '$U2' --timeout 5000 job info $j | grep -q '\"state\": \"run\"'"
"$STRATA" cancel "$id" >/dev/null
check "cancel: the instance job ends" wait_state "$id" inactive 100
check "the child in N2 exited" wait_gone "$CPID" 100
"$STRATA" shutdown >/dev/null
check "parent exited" wait_gone "$D_PID" 100
check "nothing left" no_procs_but
finish
