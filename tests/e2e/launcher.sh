# launcher.sh - steps started through a real `mpirun` (Open MPI) on this
# machine: two ranks give one document (rank 0's) and an ok step; a missing
# mpirun, an unreachable host in the hostfile and a hostfile that does not
# exist become clear errors, in bounded time. Skips (with the reason) where
# Open MPI is not installed.
. tests/e2e/_lib.sh
export SHAKEDOWN_PROBE_PATH=$B/tests/probes
if ! command -v mpirun >/dev/null; then
	echo "  skip: mpirun not found (Debian: apt-get install openmpi-bin)"
	exit 0
fi

out=$("$SD" run tests/e2e/plans/launcher.yaml -q --out "$TMP/runs" 2>"$TMP/err"); code=$?
expect "mpirun -np 2: the run passes" [ "$code" -eq 0 ] || cat "$TMP/err"
R=$out/results.json
expect "results.json matches the schema" schema results "$R"
matches() { [[ "$1" =~ $2 ]]; }
st() { jget "$R" "[s['status'] + ': ' + str(s['reason']) for s in d['steps'] if s['id']=='$1'][0]"; }
expect "mpirun2 is ok with one document" [ "$(st mpirun2)" = "ok: None" ]
expect "the document is rank 0's, from the probe" [ "$(jget "$R" "[s['attempts'][0]['result']['probe'] for s in d['steps'] if s['id']=='mpirun2'][0]")" = misbehave ]
expect "the plan records the launcher" [ "$(jget "$R" "d['plan']['steps'][1]['launcher']")" = "{'kind': 'mpirun', 'np': 2, 'args': ['--oversubscribe']}" ]
expect "a step without one is local" [ "$(jget "$R" "d['plan']['steps'][0]['launcher']")" = "{'kind': 'local'}" ]
expect "the log shows the command line" grep -q "^launch: .*/mpirun .*-np 2 .*--oversubscribe .*/misbehave --mode=ok$" "$out/logs/mpirun2.log"

# Exactly one document also straight from mpirun, and ranks > 0 log with their rank.
docs=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 60 mpirun --oversubscribe -np 2 \
	"$B/bin/probes/sysinfo" 2>"$TMP/ranks.err" | grep -c '"protocol"')
expect "sysinfo under mpirun -np 2 prints one document" [ "$docs" = 1 ]

# A rank that fails (exit 7 on every rank): mpirun's reason, not a hang.
cat >"$TMP/exit.yaml" <<'PLAN'
plan: exit
steps:
  - {id: exit, probe: misbehave, with: {mode: exit, code: 7}, timeout: 60s,
     launcher: {kind: mpirun, np: 2, args: [--oversubscribe]}}
PLAN
out=$("$SD" run "$TMP/exit.yaml" -q --out "$TMP/runs" 2>/dev/null); code=$?
R=$out/results.json
expect "ranks exiting 7 without a document: probe error" [ "$code" -eq 3 ]
got=$(st exit)
echo "       reason: $got"
expect "the reason names mpirun" matches "$got" '^error: mpirun exited with status [0-9]+ without printing a result'

# mpirun not in PATH.
start=$SECONDS
out=$(PATH="$TMP/nothing" "$SD" run tests/e2e/plans/launcher.yaml -q --out "$TMP/runs" 2>/dev/null); code=$?
R=$out/results.json
expect "no mpirun in PATH: probe error" [ "$code" -eq 3 ]
expect "the reason says so" [ "$(st mpirun2)" = "error: launcher 'mpirun' not found in PATH" ]
expect "the local step still ran" [ "$(st local)" = "ok: None" ]

# An unreachable host in the hostfile: mpirun's own message, in bounded time.
echo "no-such-host.invalid slots=2" >"$TMP/hosts.txt"
cat >"$TMP/badhost.yaml" <<'PLAN'
plan: badhost
steps:
  - {id: badhost, probe: misbehave, timeout: 60s, launcher: {kind: mpirun, np: 2, hostfile: hosts.txt}}
PLAN
start=$SECONDS
out=$("$SD" run "$TMP/badhost.yaml" -q --out "$TMP/runs" 2>/dev/null); code=$?
R=$out/results.json
expect "unreachable host: probe error" [ "$code" -eq 3 ]
expect "the unreachable host took less than 60s" [ $((SECONDS - start)) -lt 60 ]
got=$(st badhost)
echo "       reason: $got"
expect "the reason is mpirun's last message" matches "$got" '^error: mpirun exited with status [0-9]+ without printing a result \(last log line: [^-].+\)$'
expect "the hostfile is recorded resolved" [ "$(jget "$R" "d['plan']['steps'][0]['launcher']['hostfile']")" = "$TMP/hosts.txt" ]

# Validation: errors at line:col, exit 2, nothing run.
cat >"$TMP/bad.yaml" <<'PLAN'
plan: bad
steps:
  - {id: a, probe: misbehave, launcher: {kind: mpirun, np: 0, hostfile: nowhere.txt}}
  - {id: b, probe: misbehave, launcher: {kind: srn}}
PLAN
"$SD" validate "$TMP/bad.yaml" >"$TMP/v.out" 2>&1; code=$?
expect "validate refuses a bad launcher" [ "$code" -eq 2 ]
expect "np 0 is located" grep -qF "bad.yaml:3:60: 'np' must be an integer of 1 or more, got '0'" "$TMP/v.out"
expect "a missing hostfile is located" grep -qF "bad.yaml:3:73: cannot read hostfile '$TMP/nowhere.txt': No such file or directory" "$TMP/v.out"
expect "a bad kind is located, with a suggestion" grep -qF "bad.yaml:4:48: launcher kind 'srn' is not one of local, mpirun, srun (did you mean 'srun'?)" "$TMP/v.out" || cat "$TMP/v.out"
finish
