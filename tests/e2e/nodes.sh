# nodes.sh - a multi-node plan (`nodes:`) on real Open MPI: four "nodes"
# played by this machine (tests/e2e/_fake-rsh.sh is mpirun's remote shell, so
# four real orted daemons start and the node agent's MPI messages are real).
# Checks the per-node results, a planted slow node, a probe that hangs or
# crashes on one node, a per-GPU probe (one instance per GPU on each node), a node that dies mid-step (unreachable, excluded, the
# run completes with the other nodes' results), on_node_failure: abort, a
# collective step placed on the live nodes, and the plan errors of `nodes:`.
# Skips (with the reason) where Open MPI is not installed.
. tests/e2e/_lib.sh
if ! command -v mpirun >/dev/null || [ ! -x "$B/bin/shakedown-node" ]; then
	echo "  skip: mpirun or $B/bin/shakedown-node missing (Debian: apt-get install openmpi-bin libopenmpi-dev)"
	exit 0
fi
export SHAKEDOWN_PROBE_PATH=$B/tests/probes:$B/bin/probes
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PMIX_MCA_gds=hash
export FAKE_RSH_DOWN=$TMP/down FAKE_RSH_TMP=$TMP/nodes
mkdir -p "$FAKE_RSH_DOWN"
printf '# four nodes\nn0 slots=1\nn1\nn2\nn3\n' >"$TMP/hosts"
RSH=$PWD/tests/e2e/_fake-rsh.sh

plan() { # NAME ON_FAILURE STEPS... -> $TMP/NAME.yaml
	local name=$1 fail=$2; shift 2
	{
		echo "plan: $name"
		echo "nodes:"
		echo "  hostfile: hosts"
		echo "  on_node_failure: $fail"
		echo "  launcher_args: [--oversubscribe, --mca, plm_rsh_agent, $RSH, --mca, btl, 'self,tcp',"
		echo "                  --mca, btl_tcp_if_include, lo, --mca, oob_tcp_if_include, lo]"
		echo "steps:"
		for s in "$@"; do echo "  - $s"; done
	} >"$TMP/$name.yaml"
}
run() { # NAME -> $R (results.json), $code
	out=$(timeout 600 "$SD" run "$TMP/$1.yaml" -q --out "$TMP/runs" 2>"$TMP/$1.err"); code=$?
	R=$out/results.json
}
node() { jget "$R" "[n for n in d['nodes'] if n['host']=='$1'][0]$2"; }
nstep() { jget "$R" "[s for n in d['nodes'] if n['host']=='$1' for s in n['steps'] if s['id']=='$2'][0]$3"; }
matches() { [[ "$1" =~ $2 ]]; }

# 1. Every node runs every node-local step; one planted slow node; a hang and a crash on one node each.
plan four exclude \
	"{id: rate, probe: nodework, with: {slow_node: n2}, timeout: 60s}" \
	"{id: hang, probe: nodework, with: {hang_node: n1, seconds: 60s}, timeout: 3s}" \
	"{id: crash, probe: nodework, with: {crash_node: n3}, timeout: 60s}"
run four
expect "the run completes (exit 3: probe errors on one node each)" [ "$code" -eq 3 ] || cat "$TMP/four.err"
expect "results.json matches the schema" schema results "$R"
expect "four nodes, named by the hostfile" [ "$(jget "$R" "[n['host'] for n in d['nodes']]")" = "['n0', 'n1', 'n2', 'n3']" ]
expect "every node has its inventory" [ "$(jget "$R" "[n['inventory_status'] for n in d['nodes']]")" = "['ok', 'ok', 'ok', 'ok']" ]
expect "the inventory ran on each node" [ "$(jget "$R" "[n['inventory']['probe'] for n in d['nodes']]")" = "['sysinfo', 'sysinfo', 'sysinfo', 'sysinfo']" ]
expect "rate ran on all four" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='rate']")" = "['ok', 'ok', 'ok', 'ok']" ]
slow=$(nstep n2 rate "['metrics'][0]['value']"); fast=$(nstep n0 rate "['metrics'][0]['value']")
expect "n2 is the slow one (${slow} vs ${fast} B/s)" python3 -c "import sys; sys.exit(not ($slow < 0.7 * $fast))"
expect "the run's entry for rate is scope nodes, ok on 4" [ "$(jget "$R" "[(s['scope'], s['status'], s['nodes']) for s in d['steps'] if s['id']=='rate'][0]")" = "('nodes', 'ok', {'ok': 4})" ]
expect "hang: n1 timed out" matches "$(nstep n1 hang "['reason']")" "^timed out after 3s"
expect "hang: the others are ok" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='hang']")" = "['ok', 'error', 'ok', 'ok']" ]
expect "hang: n1 itself is still ok (the probe hung, not the node)" [ "$(node n1 "['status']")" = ok ]
expect "crash: n3's reason" matches "$(nstep n3 crash "['reason']")" "^probe crashed: killed by signal 11"
expect "crash: the run's entry names the node" matches "$(jget "$R" "[s['reason'] for s in d['steps'] if s['id']=='crash'][0]")" "error on 1 of 4 nodes; first n3: probe crashed"
expect "outliers: n2's rate and nothing else is flagged" [ "$(jget "$R" "sorted({(o['host'], o['step'], o['metric']) for o in d['verdict']['outliers']})")" = "[('n2', 'rate', 'rate')]" ]
expect "the report names the outlier" grep -q "n2" "$(dirname "$R")/report.md"
expect "the step log has every node's lines" grep -q "^\[n2\] nodework: node 'n2' rate" "$(dirname "$R")/logs/rate.log"

# 1b. A probe that measures one GPU (per_gpu): the agent runs one instance per GPU on every node (the
# stand-in NVML plays two GPUs per node), the runner merges each node's into one step.
plan gpus exclude "{id: g, probe: gpuwork, with: {fail_gpu: '1'}, timeout: 60s}"
SHAKEDOWN_NVML_LIB=$B/tests/fakes/libnvml.so FAKE_NVML_GPUS=2 run gpus
expect "per GPU: the run ends NOT READY on the failed GPU (exit 1)" [ "$code" -eq 1 ] || cat "$TMP/gpus.err"
expect "per GPU: results.json matches the schema" schema results "$R"
expect "per GPU: every node has a rate for GPU 0 and GPU 1" [ "$(jget "$R" "sorted({tuple(sorted(m['labels']['gpu'] for m in s['metrics'])) for n in d['nodes'] for s in n['steps'] if s['id']=='g'})")" = "[('0', '1')]" ]
expect "per GPU: each node's step failed on GPU 1" [ "$(jget "$R" "sorted({s['status'] + ': ' + s['reason'] for n in d['nodes'] for s in n['steps'] if s['id']=='g'})")" = "['failed: gpu 1: gpu self-test failed']" ]
expect "per GPU: each instance saw its own GPU" [ "$(jget "$R" "sorted({str(s['attempts'][0]['result']['env']['gpus']) for n in d['nodes'] for s in n['steps'] if s['id']=='g'})")" = "[\"{'0': {'visible': '0', 'gpu': '0'}, '1': {'visible': '1', 'gpu': '1'}}\"]" ]
expect "per GPU: the step log prefixes node and GPU" grep -q "^\[n3 gpu 1\] gpuwork\[gpu 1\]: gpu 1 of '1'" "$(dirname "$R")/logs/g.log"

# 2. A node dies mid-step and stays gone: unreachable, excluded; later steps run on the other three.
plan die exclude \
	"{id: before, probe: nodework, timeout: 60s}" \
	"{id: dies, probe: nodework, with: {die_node: n3, down_file: $FAKE_RSH_DOWN/n3}, timeout: 60s}" \
	"{id: after, probe: nodework, timeout: 60s}"
run die
expect "the run completes (exit 3)" [ "$code" -eq 3 ] || cat "$TMP/die.err"
expect "n3 is unreachable" [ "$(node n3 "['status']")" = unreachable ]
expect "n3's reason says why" matches "$(node n3 "['reason']")" "cannot be started"
expect "before: all four ok" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='before']")" = "['ok', 'ok', 'ok', 'ok']" ]
expect "dies: the three others' results are kept" [ "$(jget "$R" "[s['status'] for n in d['nodes'][:3] for s in n['steps'] if s['id']=='dies']")" = "['ok', 'ok', 'ok']" ]
expect "after: ran on the three live nodes" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='after']")" = "['ok', 'ok', 'ok', 'not_run']" ]
expect "after on n3: not_run, the node's reason" matches "$(nstep n3 after "['reason']")" "^node unreachable: "
expect "after: the run's entry is ok" [ "$(jget "$R" "[s['status'] for s in d['steps'] if s['id']=='after'][0]")" = ok ]
expect "cluster: 3 live of 4" [ "$(jget "$R" "(d['cluster']['nodes'], d['cluster']['live'])")" = "(4, 3)" ]
expect "the verdict lists n3 as NOT READY" [ "$(jget "$R" "[n['host'] for n in d['verdict']['not_ready_nodes']]")" = "['n3']" ]
expect "n3's check names the node-lost runbook" [ "$(jget "$R" "[c['runbook'] for c in d['verdict']['checks'] if c['host']=='n3' and c['kind']=='node'][0]")" = node-lost ]
expect "the runner said so" grep -q "node n3 unreachable: .*later steps run without it" "$TMP/die.err"
rm -f "$FAKE_RSH_DOWN"/*

# 3. A node already down when the run starts: the inventory finds it, the rest run.
touch "$FAKE_RSH_DOWN/n1"
plan down exclude "{id: only, probe: nodework, timeout: 60s}"
run down
expect "n1 unreachable from the start" [ "$(node n1 "['status']")" = unreachable ]
expect "the other three ran" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps'] if s['id']=='only']")" = "['ok', 'not_run', 'ok', 'ok']" ]
rm -f "$FAKE_RSH_DOWN"/*

# 4. on_node_failure: abort stops the run after the failed step.
plan abort abort \
	"{id: dies, probe: nodework, with: {die_node: n2, down_file: $FAKE_RSH_DOWN/n2}, timeout: 60s}" \
	"{id: after, probe: nodework, timeout: 60s}"
run abort
expect "abort: exit 3" [ "$code" -eq 3 ]
expect "abort: the next step is not run, with the reason" [ "$(jget "$R" "[(s['status'], s['reason']) for s in d['steps'] if s['id']=='after'][0]")" = "('not_run', 'node n2 unreachable and on_node_failure is abort')" ]
rm -f "$FAKE_RSH_DOWN"/*

# 5. A collective step (its own launcher) runs once across the live nodes.
plan coll exclude "{id: coll, probe: misbehave, timeout: 120s, launcher: {kind: mpirun}}"
run coll
expect "collective: ok" [ "$(jget "$R" "[(s['scope'], s['status']) for s in d['steps'] if s['id']=='coll'][0]")" = "('cluster', 'ok')" ] || cat "$TMP/coll.err"
expect "collective: placed on the nodes' hostfile, one rank per node" grep -q "^launch: .*-np 4 --hostfile .*/nodes.hosts .*--map-by ppr:1:node" "$(dirname "$R")/logs/coll.log"
expect "collective: not in the nodes' own steps" [ "$(jget "$R" "len(d['nodes'][0]['steps'])")" = 0 ]

# 6. The locator: a collective busbw over four nodes, one of them slow (fault busbw.slow@n2: its rank waits
# 50 ms before each operation), fails an unreachable floor; the step is run again on the ring's pairs.
cat >"$TMP/floor.yaml" <<'BL'
baseline: nodes-test
description: an unreachable busbw floor, so that the collective fails and the locator runs
checks:
  - metric: coll.all_reduce_busbw
    min: 1e15
    runbook: busbw-low
BL
plan loc exclude "{id: coll, probe: busbw, timeout: 120s, launcher: {kind: mpirun},
     with: {backend: mpi, ops: all_reduce, min_bytes: 4KiB, max_bytes: 4KiB, busbw_min_bytes: 4KiB, iters: 20, warmup: 2}}"
sed -i 's/^nodes:/baseline: floor.yaml\nnodes:\n  locate: true/; s/oob_tcp_if_include, lo\]/oob_tcp_if_include, lo, --mca, mpi_yield_when_idle, "1"]/' "$TMP/loc.yaml"
SHAKEDOWN_FAULT=busbw.slow@n2 run loc
expect "locate: one entry for the step" [ "$(jget "$R" "[(l['step'], l['metric'], len(l['pairs'])) for l in d['locate']]")" = "[('coll', 'all_reduce_busbw', 4)]" ] || cat "$TMP/loc.err"
expect "locate: the ring's pairs in two rounds" [ "$(jget "$R" "[(p['a'], p['b'], p['round']) for p in d['locate'][0]['pairs']]")" = "[('n0', 'n1', 0), ('n1', 'n2', 1), ('n2', 'n3', 0), ('n3', 'n0', 1)]" ]
expect "locate: n2's two pairs are the slow ones" [ "$(jget "$R" "[p['slow'] for p in d['locate'][0]['pairs']]")" = "[False, True, True, False]" ]
expect "locate: n2 and no other node is named" [ "$(jget "$R" "[s['host'] for s in d['locate'][0]['suspect_nodes']]")" = "['n2']" ]
expect "locate: no link is blamed" [ "$(jget "$R" "d['locate'][0]['suspect_links']")" = "[]" ]
expect "locate: results.json matches the schema" schema results "$R"
expect "locate: the runner says so" grep -q "locate coll: suspect node n2 (slow in 2 of 2 pairs)" "$TMP/loc.err"

# 7. Plan errors in `nodes:`, as file:line:col, exit 2.
bad() { # DESCRIPTION REGEX YAML-LINES...
	local d=$1 re=$2; shift 2
	printf 'plan: bad\n%s\nsteps:\n  - {id: a, probe: nodework}\n' "$*" >"$TMP/bad.yaml"
	"$SD" validate "$TMP/bad.yaml" >"$TMP/bad.out" 2>&1; local c=$?
	if [ $c -eq 2 ] && grep -Eq "$re" "$TMP/bad.out"; then ok "$d"; else not_ok "$d (exit $c): $(cat "$TMP/bad.out")"; fi
}
bad "two sources" "bad.yaml:4:3: 'nodes' has both 'hostfile' and 'hosts'" "nodes:
  hostfile: $TMP/hosts
  hosts: [a, b]"
bad "no source" "bad.yaml:3:3: 'nodes' needs one of hostfile, hosts, slurm" "nodes:
  on_node_failure: exclude"
bad "on_node_failure" "bad.yaml:4:20: 'on_node_failure' must be exclude or abort, got 'ignore'" "nodes:
  hosts: [a]
  on_node_failure: ignore"
bad "a hostile host name" "bad.yaml:3:14: a host must be a host name" "nodes:
  hosts: [a, 'b;rm -rf /']"
printf '# nothing\n\n' >"$TMP/empty-hosts"
bad "an empty hostfile" "hostfile '.*empty-hosts' names no hosts" "nodes:
  hostfile: $TMP/empty-hosts"
bad "a missing hostfile" "cannot read|No such file" "nodes:
  hostfile: $TMP/nope"
bad "a slurm typo" "unknown key 'partiton' \(did you mean 'partition'\?\)" "nodes:
  slurm: {partiton: gpu}"
finish
