# busbw.sh - the busbw probe's MPI backend under a real `mpirun --oversubscribe`
# with 2 and 4 ranks on this machine, and alone (a singleton MPI job): valid
# results, exact collectives, busbw recomputed from the recorded times, a
# corrupted result that fails the probe (SHAKEDOWN_FAULT=busbw.corrupt), and a
# rank that stops taking part (busbw.stall) ending in `timeout` well within
# the limit. Each rank writes its own stdout file; rank 0's is the result.
. tests/e2e/_lib.sh
P=$B/bin/probes/busbw
if ! command -v mpirun >/dev/null 2>&1; then
	echo "  skip: mpirun not found (install openmpi-bin)"
	finish
	exit
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
SMALL=(--min_bytes=4 --max_bytes=256KiB --step_factor=8 --warmup=1 --iters=3)
# mpi NP NAME ARGS... : run the probe on NP ranks; rank r's stdout in $TMP/NAME.r.json
mpi() {
	local np=$1 name=$2; shift 2
	mpirun --oversubscribe -np "$np" sh -c 'exec "$0" "$@" >"'"$TMP/$name"'.$OMPI_COMM_WORLD_RANK.json"' "$P" "$@" \
		2>"$TMP/$name.log"
}
arith="all(abs(b['value'] - s / t['value'] * {'all_reduce': 2*(n-1)/n, 'all_gather': (n-1)/n,
	'reduce_scatter': (n-1)/n, 'alltoall': (n-1)/n}.get(b['labels']['op'], 1)) <= 1e-9 * max(1, b['value'])
	for b in d['metrics'] if b['name'] == 'busbw'
	for t in d['metrics'] if t['name'] == 'time' and t['labels'] == b['labels']
	for s in [int(b['labels']['size'])] for n in [d['env']['ranks']])"

for np in 2 4; do
	mpi $np ok$np "${SMALL[@]}"
	expect "np $np: mpirun exits 0" [ $? -eq 0 ]
	R=$TMP/ok$np.0.json
	expect "np $np: rank 0's result matches the schema" schema probe-result "$R"
	expect "np $np: status ok" [ "$(jget "$R" "d['status']")" = ok ]
	expect "np $np: env counts $np ranks on 1 node" [ "$(jget "$R" "(d['env']['ranks'], d['env']['nodes'])")" = "($np, 1)" ]
	expect "np $np: every collective measured" [ "$(jget "$R" \
		"sorted({m['labels']['op'] for m in d['metrics'] if m['name']=='busbw'})")" = \
		"['all_gather', 'all_reduce', 'alltoall', 'broadcast', 'reduce', 'reduce_scatter', 'sendrecv']" ]
	expect "np $np: exact results (wrong_elements 0)" [ "$(jget "$R" \
		"[m['value'] for m in d['metrics'] if m['name']=='wrong_elements'][0]")" = 0 ]
	expect "np $np: busbw = size / time x the nccl-tests factor" [ "$(jget "$R" "$arith")" = True ]
	expect "np $np: a busbw-vs-size series per collective" [ "$(jget "$R" \
		"len([s for s in d['series'] if s['name']=='busbw' and s['x_unit']=='B'])")" = 7 ]
done

"$P" --ops=all_reduce,sendrecv "${SMALL[@]}" >"$TMP/one.json" 2>/dev/null
expect "alone (singleton MPI): status ok with 1 rank" [ "$(jget "$TMP/one.json" "(d['status'], d['env']['ranks'])")" = "('ok', 1)" ]
expect "alone: the result matches the schema" schema probe-result "$TMP/one.json"

SHAKEDOWN_FAULT=busbw.corrupt mpi 2 bad --ops=all_reduce "${SMALL[@]}"
expect "a corrupted element fails the probe" [ "$(jget "$TMP/bad.0.json" "d['status']")" = failed ]
expect "... and is counted once" [ "$(jget "$TMP/bad.0.json" \
	"[m['value'] for m in d['metrics'] if m['name']=='wrong_elements'][0]")" = 1 ]

t0=$(date +%s)
SHAKEDOWN_FAULT=busbw.stall timeout 60 mpirun --oversubscribe -np 4 sh -c \
	'exec "$0" "$@" >"'"$TMP"'/stall.$OMPI_COMM_WORLD_RANK.json"' "$P" --ops=all_reduce --op_timeout=3s "${SMALL[@]}" \
	2>"$TMP/stall.log"
el=$(($(date +%s) - t0))
expect "a stalled rank ends the job within op_timeout + 15 s (took ${el}s)" [ "$el" -lt 18 ]
expect "... with a schema-valid document from rank 0" schema probe-result "$TMP/stall.0.json"
expect "... status error, reason timeout naming the late rank" [ "$(jget "$TMP/stall.0.json" \
	"d['status'] + ': ' + d['reason']")" = "error: timeout: all_reduce at 4 B did not complete within 3s; ranks late: 3" ]

# Through the runner with `launcher: mpirun`: the stalled job's own reason reaches
# the step, although mpirun exits non-zero after MPI_Abort.
cat >"$TMP/stall.yaml" <<YAML
plan: stall
steps:
  - id: ar
    probe: busbw
    launcher: {kind: mpirun, np: 3, args: [--oversubscribe]}
    with: {ops: [all_reduce], op_timeout: 3s, min_bytes: 8B, max_bytes: 64B}
    timeout: 60s
YAML
out=$(SHAKEDOWN_FAULT=busbw.stall "$SD" run "$TMP/stall.yaml" -q --out "$TMP/runs" 2>/dev/null)
expect "runner + mpirun: the step is an error with the probe's timeout reason" [ "$(jget "$out/results.json" \
	"d['steps'][0]['status'] + ': ' + d['steps'][0]['reason'].split(';')[0]")" = "error: timeout: all_reduce at 8 B did not complete within 3s" ]
expect "... naming the late rank and mpirun's exit" grep -q "ranks late: 2; mpirun exited with status" "$out/results.json"

expect_code 2 "an unknown collective is refused" "$P" --ops=allreduce 2>/dev/null >/dev/null
"$P" --dtype=half >"$TMP/half.json" 2>/dev/null
expect "half on the MPI backend is an error that says why" grep -q "dtype half needs backend nccl" "$TMP/half.json"
"$P" --backend=nccl >"$TMP/nccl.json" 2>/dev/null
expect "backend nccl without a device: skipped" [ "$(jget "$TMP/nccl.json" "d['status']")" = skipped ]
finish
