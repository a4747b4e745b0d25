# slurm.sh - steps started through `srun` on a real single-node Slurm cluster
# that this test starts and tears down: munged, slurmctld and slurmd from
# Debian, every file (munge key, sockets, slurm.conf, state, spool, logs) in a
# temporary directory, the daemons on free ports of 127.0.0.1. Two tasks give
# one document (rank 0's) and an ok step; an allocation Slurm cannot give
# (two nodes of one) is an error with srun's message. Skips, saying what
# failed, where the packages are missing or the daemons cannot start.
. tests/e2e/_lib.sh
export SHAKEDOWN_PROBE_PATH=$B/tests/probes
skip() { echo "  skip: $*"; exit 0; }
for t in munged slurmctld slurmd srun sinfo; do
	command -v $t >/dev/null || skip "$t not found (Debian: apt-get install slurm-wlm munge)"
done

S=$TMP/slurm
pids=()
teardown() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -f "$S/munged.pid" ] && kill "$(cat "$S/munged.pid")" 2>/dev/null
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap teardown EXIT
# what a daemon said before it died, for the skip reason
said() { tail -n 3 "$1" 2>/dev/null | tr '\n' ' '; }

mkdir -p "$S/state" "$S/spool" && chmod 700 "$S"
head -c 1024 /dev/urandom >"$S/munge.key" && chmod 400 "$S/munge.key"
munged --force --key-file="$S/munge.key" --socket="$S/munge.sock" --pid-file="$S/munged.pid" \
	--log-file="$S/munged.log" --seed-file="$S/munged.seed" >"$S/munged.out" 2>&1 ||
	skip "munged did not start: $(said "$S/munged.out") $(said "$S/munged.log")"

read -r ctld_port slurmd_port < <(/usr/bin/python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
node=$(hostname -s)
cat >"$S/slurm.conf" <<CONF
ClusterName=sdtest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$S/munge.sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=100 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$S/slurm.conf
slurmctld -D -c -f "$SLURM_CONF" >"$S/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$S/slurmd.out" 2>&1 &
pids+=($!)
state=
for i in $(seq 60); do # bounded: 30 s
	state=$(sinfo -h -o %t 2>/dev/null)
	[ "$state" = idle ] && break
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null || skip "a Slurm daemon exited: $(said "$S/slurmctld.log") $(said "$S/slurmd.log") $(said "$S/slurmctld.out") $(said "$S/slurmd.out")"
	done
	sleep 0.5
done
[ "$state" = idle ] || skip "node '$node' not idle after 30s (sinfo: '${state}'): $(said "$S/slurmctld.log") $(said "$S/slurmd.log")"
ok "single-node Slurm cluster up (node $node idle)"

start=$SECONDS
out=$("$SD" run tests/e2e/plans/slurm.yaml -q --out "$TMP/runs" 2>"$TMP/err"); code=$?
R=$out/results.json
expect "the run ends with a probe error (the 2-node step) only" [ "$code" -eq 3 ] || cat "$TMP/err"
expect "the run took less than 90s" [ $((SECONDS - start)) -lt 90 ]
expect "results.json matches the schema" schema results "$R"
matches() { [[ "$1" =~ $2 ]]; }
st() { jget "$R" "[s['status'] + ': ' + str(s['reason']) for s in d['steps'] if s['id']=='$1'][0]"; }
expect "srun2 is ok with one document" [ "$(st srun2)" = "ok: None" ]
expect "the plan records the launcher from the defaults" [ "$(jget "$R" "d['plan']['steps'][0]['launcher']")" = "{'kind': 'srun', 'nodes': 1, 'ntasks_per_node': 2, 'args': []}" ]
expect "the log shows the command line" grep -q "^launch: .*/srun --nodes=1 --ntasks-per-node=2 --export=ALL .*/misbehave$" "$out/logs/srun2.log"
got=$(st too-many-nodes)
echo "       reason: $got"
expect "two nodes of one: srun's message" matches "$got" '^error: srun exited with status [0-9]+ without printing a result \(last log line: srun: .+\)$'

# A multi-node plan on Slurm (nodes: {slurm: ...}): srun allocates the node, the node agent runs each
# node-local step there under srun (PMIx for its MPI), the node's name is what it reports.
if [ -x "$B/bin/shakedown-node" ]; then
	cat >"$TMP/nodes.yaml" <<'PLAN'
plan: slurm-nodes
nodes:
  slurm: {partition: test, nodes: 1}
  launcher_args: [--mpi=pmix]
steps:
  - {id: work, probe: nodework, timeout: 60s}
PLAN
	out=$(SHAKEDOWN_PROBE_PATH=$B/tests/probes:$B/bin/probes "$SD" run "$TMP/nodes.yaml" -q --out "$TMP/runs" 2>"$TMP/nodes.err"); code=$?
	R=$out/results.json
	expect "nodes on slurm: the run passes" [ "$code" -eq 0 ] || { cat "$TMP/nodes.err"; tail -20 "$out/logs/_inventory.log"; }
	expect "nodes on slurm: one node, named as it reports itself" [ "$(jget "$R" "[(n['host'], n['status'], n['inventory_status']) for n in d['nodes']]")" = "[('$(hostname)', 'ok', 'ok')]" ]
	expect "nodes on slurm: the step ran there" [ "$(jget "$R" "[s['status'] for n in d['nodes'] for s in n['steps']]")" = "['ok']" ]
	expect "nodes on slurm: srun started the agent, one task per node" grep -q "^launch: .*/srun --nodes=1 --ntasks-per-node=1 --export=ALL --partition=test --mpi=pmix .*/shakedown-node --timeout-ms=60000 -- .*/nodework$" "$out/logs/work.log"
else
	echo "  skip: no $B/bin/shakedown-node (built where MPI is)"
fi

# the same through srun directly: two tasks, one document
docs=$(timeout 60 srun --nodes=1 --ntasks-per-node=2 "$B/tests/probes/misbehave" 2>/dev/null | grep -c '"protocol"')
expect "srun -n 2 of the probe prints one document" [ "$docs" = 1 ]
finish
