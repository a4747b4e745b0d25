# netns.sh - a multi-node plan across real network namespaces that this test
# creates: a "head" namespace for the runner (mpirun) and three node
# namespaces, each joined to a bridge in the head namespace by a veth pair,
# addresses on a private 10.233.0.0/24 link that exists only inside them.
# Open MPI reaches the nodes through tests/e2e/_netns-rsh.sh (ip netns exec).
# Mid-step the test cuts one node's link: the run must complete, with that
# node reported unreachable or timeout, the others' results kept, and the
# next step run without it. Skips (with the reason) where namespaces cannot
# be created (not root, no iproute2, no CAP_NET_ADMIN).
. tests/e2e/_lib.sh
skip() { echo "  skip: $*"; exit 0; }
command -v ip >/dev/null || skip "ip not found (Debian: apt-get install iproute2)"
command -v mpirun >/dev/null && [ -x "$B/bin/shakedown-node" ] || skip "mpirun or $B/bin/shakedown-node missing"
P=sdt$$
export NETNS_PREFIX=$P NETNS_TMP=$TMP/nodes
NODES="n0 n1 n2"
teardown() {
	local n
	# what still runs in a namespace (the cut node's daemon and agent wait on a dead link forever) goes first
	for n in head $NODES; do ip netns pids "$P-$n" 2>/dev/null | xargs -r kill -9 2>/dev/null; done
	for n in head $NODES; do ip netns del "$P-$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap teardown EXIT
ip netns add "$P-head" 2>"$TMP/ns.err" || skip "cannot create a network namespace: $(cat "$TMP/ns.err")"
ip -n "$P-head" link set lo up
ip -n "$P-head" link add br0 type bridge
ip -n "$P-head" addr add 10.233.0.1/24 dev br0
ip -n "$P-head" link set br0 up
i=10
for n in $NODES; do
	ip netns add "$P-$n"
	ip -n "$P-$n" link set lo up
	ip link add "$P-$n-h" netns "$P-head" type veth peer name eth0 netns "$P-$n" ||
		skip "cannot create a veth pair"
	ip -n "$P-head" link set "$P-$n-h" master br0 up
	ip -n "$P-$n" addr add "10.233.0.$i/24" dev eth0
	ip -n "$P-$n" link set eth0 up
	i=$((i + 1))
done
# reachable: a connection to a closed port is refused (no ping needed)
ip netns exec "$P-n0" /usr/bin/python3 -c 'import socket,sys
try: socket.create_connection(("10.233.0.12", 9), timeout=5)
except ConnectionRefusedError: sys.exit(0)
except OSError: sys.exit(1)' || skip "the namespaces cannot reach each other"
ok "3 node namespaces and a head namespace on a private bridge"

export SHAKEDOWN_PROBE_PATH=$B/tests/probes:$B/bin/probes
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PMIX_MCA_gds=hash
printf 'n0\nn1\nn2\n' >"$TMP/hosts"
cat >"$TMP/cut.yaml" <<PLAN
plan: netns
nodes:
  hostfile: hosts
  launcher_args: [--mca, plm_rsh_agent, $PWD/tests/e2e/_netns-rsh.sh, --mca, btl, 'self,tcp',
                  --mca, btl_tcp_if_include, 10.233.0.0/24, --mca, oob_tcp_if_include, 10.233.0.0/24]
steps:
  - {id: before, probe: nodework, timeout: 60s}
  - {id: cut, probe: misbehave, with: {mode: slow-ok, seconds: 8s}, timeout: 15s}
  - {id: after, probe: nodework, timeout: 60s}
PLAN
start=$SECONDS
ip netns exec "$P-head" timeout 600 "$SD" run "$TMP/cut.yaml" -q --out "$TMP/runs" >"$TMP/out" 2>"$TMP/err" &
runner=$!
# cut n1's link once the 'cut' step's probes are running (bounded wait: 120 s)
for i in $(seq 240); do
	f=$(ls "$TMP"/runs/*/logs/cut.log 2>/dev/null | head -1)
	[ -n "$f" ] && grep -q "^\[n1\] misbehave" "$f" && break
	sleep 0.5
done
ip -n "$P-n1" link set eth0 down
ok "cut n1's link mid-step"
wait "$runner"; code=$?
R=$(cat "$TMP/out")/results.json
expect "the run completes (exit 3) in bounded time ($((SECONDS - start))s)" [ "$code" -eq 3 ] || { cat "$TMP/err"; tail -30 "$(dirname "$R")/logs/cut.log"; }
expect "results.json matches the schema" schema results "$R"
status=$(jget "$R" "[n['status'] for n in d['nodes'] if n['host']=='n1'][0]")
expect "n1 is reported unreachable or timeout ($status)" [ "$status" = unreachable ] || [ "$status" = timeout ]
expect "before: ok on all three" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='before']")" = "['ok', 'ok', 'ok']" ]
expect "cut: n0 and n2 kept their results" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='cut']")" = "['ok', 'error', 'ok']" ]
expect "after: ran without n1" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='after']")" = "['ok', 'not_run', 'ok']" ]
finish
