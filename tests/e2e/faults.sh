# faults.sh - probes that crash, hang, print garbage or nothing, flood stdout,
# break the protocol; and a runner that is interrupted or killed. Each must be
# isolated and reported while the run goes on, and results.json must always
# parse and hold every finished step.
. tests/e2e/_lib.sh
export SHAKEDOWN_PROBE_PATH=$B/tests/probes

start=$SECONDS
out=$("$SD" run tests/e2e/plans/faults.yaml --out "$TMP/runs" 2>"$TMP/err"); code=$?
expect "a run with probe errors exits 3" [ "$code" -eq 3 ]
expect "the fault run took less than 60s" [ $((SECONDS - start)) -lt 60 ]
R=$out/results.json
expect "results.json matches the schema" schema results "$R"
st() { jget "$R" "[s['status'] + ': ' + str(s['reason']) for s in d['steps'] if s['id']=='$1'][0]"; }
check_step() { # ID STATUS REASON-REGEX
	local got; got=$(st "$1")
	if [[ "$got" =~ ^$2:\ $3 ]]; then ok "$1 -> $got"; else not_ok "$1: got '$got', wanted '$2: $3'"; fi
}
check_step first-ok ok None
check_step hang error "timed out after 1s; stopped with SIGTERM"
check_step crash error "probe crashed: killed by signal 11 \(SIGSEGV\)"
check_step abort error "probe crashed: killed by signal 6 \(SIGABRT\)"
check_step garbage error "probe output is not one JSON document"
check_step empty error "probe printed no result"
check_step exit error "probe exited with status 7 without printing a result"
check_step huge error "stdout exceeded 64 MiB"
check_step schema error "probe output violates the protocol: "
check_step fail failed "."
check_step skip skipped "."
check_step error error "."
check_step grandchild error "timed out after 1s"
check_step repeated ok None
check_step last-ok ok None
expect "repeat 5 gives 5 attempts and 5 samples" [ "$(jget "$R" "[(len(s['attempts']), s['metrics'][0]['stats']['n']) for s in d['steps'] if s['id']=='repeated'][0]")" = "(5, 5)" ]
expect "the grandchild of a timed-out probe is gone" [ -z "$(pgrep -f 'misbehave --mode=fork-sleep' || true)" ]
expect "summary counts" [ "$(jget "$R" "(d['summary']['ok'], d['summary']['failed'], d['summary']['error'], d['summary']['skipped'])")" = "(3, 1, 10, 1)" ]
expect "stderr of a crashed probe is in its log" [ -s "$out/logs/crash.log" ]

# SIGINT while a step runs: exit 130, finished steps kept, the rest not run.
cat >"$TMP/slow.yaml" <<'PLAN'
plan: slow
steps:
  - {id: a, probe: misbehave, with: {mode: ok}}
  - {id: b, probe: misbehave, with: {mode: sleep, seconds: 30s}}
  - {id: c, probe: misbehave, with: {mode: ok}}
PLAN
wait_step_a() { # wait until results.json shows step a finished (bounded: 20 s)
	local i
	for i in $(seq 200); do
		r=$(ls "$TMP"/$1/slow-*/results.json 2>/dev/null | head -1)
		[ -n "$r" ] && grep -q '"probe":[[:space:]]*"misbehave"' "$r" 2>/dev/null &&
			[ "$(jget "$r" "d['steps'][0]['status']" 2>/dev/null)" = ok ] && return 0
		sleep 0.1
	done
	return 1
}
for sig in INT TERM; do
	"$SD" run "$TMP/slow.yaml" -q --out "$TMP/int$sig" >/dev/null 2>&1 &
	pid=$!
	expect "SIG$sig: step a finished before the signal" wait_step_a "int$sig"
	sleep 0.3
	kill -$sig $pid
	wait $pid; code=$?
	expect "SIG$sig: runner exits 130" [ "$code" -eq 130 ]
	r=$(ls "$TMP"/int$sig/slow-*/results.json)
	expect "SIG$sig: results.json matches the schema" schema results "$r"
	expect "SIG$sig: statuses a=ok b=interrupted c=not_run" [ "$(jget "$r" "' '.join(s['status'] for s in d['steps'])")" = "ok interrupted not_run" ]
	expect "SIG$sig: run marked interrupted" [ "$(jget "$r" "d['run']['status']")" = interrupted ]
	expect "SIG$sig: the report of what finished says INCOMPLETE" grep -q '^\*\*INCOMPLETE\*\*' "$(dirname "$r")/report.md"
done

# SIGKILL: nothing can be written at the end, yet results.json parses and keeps step a.
"$SD" run "$TMP/slow.yaml" -q --out "$TMP/kill" >/dev/null 2>&1 &
pid=$!
expect "SIGKILL: step a finished before the kill" wait_step_a kill
kill -KILL $pid
wait $pid 2>/dev/null
r=$(ls "$TMP"/kill/slow-*/results.json)
expect "SIGKILL: results.json matches the schema" schema results "$r"
expect "SIGKILL: step a kept, run still marked running" [ "$(jget "$r" "d['steps'][0]['status'] + ' ' + d['run']['status']")" = "ok running" ]
expect "SIGKILL: no temporary file left behind" [ -z "$(ls "$(dirname "$r")" | grep tmp)" ]
gone=0
for i in $(seq 50); do pgrep -f 'misbehave --mode=sleep --seconds=30s' >/dev/null || { gone=1; break; }; sleep 0.1; done
expect "SIGKILL: the runner's probe died with it (parent-death signal)" [ "$gone" -eq 1 ]
finish
