# cli.sh - the command line as a user meets it: help, version, validate, probes,
# probe, --set/--only, requirements, exit codes.
. tests/e2e/_lib.sh
export SHAKEDOWN_PROBE_PATH=$B/tests/probes

expect "--version" [ "$("$SD" --version)" = "shakedown $(sed -n 's/^VERSION := //p' Makefile)" ]
expect_code 0 "--help" "$SD" --help >"$TMP/help"
expect "--help documents the exit codes" grep -q "130  interrupted" "$TMP/help"
for c in run validate probes probe; do
	expect_code 0 "$c --help" "$SD" $c --help >/dev/null
done
expect_code 2 "unknown command" "$SD" frobnicate 2>/dev/null
expect_code 2 "run without a plan" "$SD" run 2>/dev/null

expect_code 0 "validate suites/quick.yaml" "$SD" validate suites/quick.yaml >/dev/null
for f in suites/*.yaml; do expect_code 0 "validate $f" "$SD" validate "$f" >/dev/null; done

cat >"$TMP/bad.yaml" <<'PLAN'
plan: bad
steps:
  - id: one
    probe: misbehave
    with: {mdoe: ok}
  - id: two
    probe: misbehav
  - id: three
    probe: misbehave
    with: {mode: sometimes, seconds: 5}
PLAN
"$SD" validate "$TMP/bad.yaml" >/dev/null 2>"$TMP/err"; code=$?
expect "validate of a bad plan exits 2" [ "$code" -eq 2 ]
expect "unknown parameter, with line:col and suggestion" grep -qF "$TMP/bad.yaml:5:12: unknown parameter 'mdoe' for probe 'misbehave' (did you mean 'mode'?)" "$TMP/err"
expect "unknown probe, with suggestion" grep -qF "$TMP/bad.yaml:7:12: unknown probe 'misbehav' (did you mean 'misbehave'?)" "$TMP/err"
expect "bad enum value" grep -qF "$TMP/bad.yaml:10:18: parameter 'mode': invalid value 'sometimes'" "$TMP/err"
expect "bad duration value" grep -qF "$TMP/bad.yaml:10:38: parameter 'seconds': invalid duration '5': missing unit" "$TMP/err"
expect "all four errors reported" [ "$(wc -l <"$TMP/err")" -eq 4 ]
expect_code 2 "run of a bad plan exits 2" "$SD" run "$TMP/bad.yaml" --out "$TMP/runs-bad" 2>/dev/null
expect "a bad plan creates no run directory" [ ! -e "$TMP/runs-bad" ]
expect_code 2 "validate of a missing file" "$SD" validate "$TMP/nope.yaml" 2>/dev/null

"$SD" probes >"$TMP/probes"
expect "probes lists sysinfo" grep -q '^sysinfo ' "$TMP/probes"
expect "probes lists the test probe from SHAKEDOWN_PROBE_PATH" grep -q '^misbehave ' "$TMP/probes"
"$SD" probes sysinfo >"$TMP/probe-sysinfo"
expect "probes sysinfo shows its metrics" grep -q 'memory_total' "$TMP/probe-sysinfo"
expect_code 2 "probes of an unknown probe" "$SD" probes nosuch 2>/dev/null

"$SD" probe sysinfo >"$TMP/sysinfo.json" 2>/dev/null; code=$?
expect "probe sysinfo exits 0" [ "$code" -eq 0 ]
expect "probe sysinfo prints a valid result" schema probe-result "$TMP/sysinfo.json"
expect_code 1 "probe reporting failed exits 1" "$SD" probe misbehave --mode=fail >/dev/null 2>&1
expect_code 3 "probe crashing exits 3" "$SD" probe misbehave --mode=crash >/dev/null 2>&1
expect_code 3 "probe timing out exits 3" "$SD" probe --timeout 1s misbehave --mode=sleep --seconds=30s >/dev/null 2>&1
"$SD" probe misbehave --mdoe=ok >/dev/null 2>"$TMP/err"; code=$?
expect "probe with a misspelt parameter exits 2" [ "$code" -eq 2 ]
expect "and suggests the right one" grep -qF "(did you mean '--mode'?)" "$TMP/err"
expect_code 2 "probe with a bare argument exits 2" "$SD" probe misbehave x 2>/dev/null
expect_code 2 "probe with a value that does not fit the type" "$SD" probe misbehave --seconds=5 2>/dev/null

cat >"$TMP/two.yaml" <<'PLAN'
plan: two
steps:
  - {id: a, probe: misbehave, with: {mode: "${SD_E2E_MODE:-ok}"}}
  - {id: b, probe: misbehave, with: {mode: ok}}
PLAN
expect_code 0 "two ok steps" "$SD" run "$TMP/two.yaml" -q --out "$TMP/r" >/dev/null
expect_code 1 "--set turns a step into a failure" "$SD" run "$TMP/two.yaml" -q --out "$TMP/r" --set a.mode=fail >/dev/null
SD_E2E_MODE=fail "$SD" run "$TMP/two.yaml" -q --out "$TMP/r" >/dev/null; code=$?
expect "\${VAR:-default} is taken from the environment" [ "$code" -eq 1 ]
out=$("$SD" run "$TMP/two.yaml" -q --out "$TMP/r" --only b)
expect "--only runs only the named step" [ "$(jget "$out/results.json" "[s['id'] for s in d['steps']]")" = "['b']" ]
expect_code 2 "--set of an unknown step" "$SD" run "$TMP/two.yaml" -q --out "$TMP/r" --set c.mode=ok 2>/dev/null
expect_code 2 "--set of a bad value" "$SD" run "$TMP/two.yaml" -q --out "$TMP/r" --set a.mode=bogus 2>/dev/null
expect_code 2 "an output directory that cannot be created" "$SD" run "$TMP/two.yaml" -q --out /proc/shakedown-nope 2>/dev/null

cat >"$TMP/big.yaml" <<'PLAN'
plan: big
requires: {gpus_per_node: 8, min_memory: 64PiB}
steps:
  - {id: a, probe: misbehave, with: {mode: ok}}
PLAN
out=$("$SD" run "$TMP/big.yaml" --out "$TMP/r" 2>"$TMP/err"); code=$?
expect "unmet requirements exit 1" [ "$code" -eq 1 ]
expect "the unmet requirement is named" grep -q "requirement not met: gpus_per_node 8 required, this node has 0" "$TMP/err"
expect "no step ran" [ "$(jget "$out/results.json" "d['steps'][0]['status']")" = not_run ]
expect "results.json matches the schema" schema results "$out/results.json"

# Baselines, reports, baseline generation and compare, end to end on the test probe.
cat >"$TMP/bl.yaml" <<BL
baseline: e2e
checks:
  - metric: a.value
    equals: 2
    runbook: probe-failed
BL
out=$("$SD" run "$TMP/two.yaml" --out "$TMP/r" --baseline "$TMP/bl.yaml" 2>"$TMP/err"); code=$?
expect "a failing baseline check exits 1" [ "$code" -eq 1 ]
expect "the verdict is NOT READY" grep -q "^verdict: NOT READY (baseline e2e)" "$TMP/err"
expect "the failed check names its runbook file" grep -qE "FAIL .*a.value.* -> .*runbooks/probe-failed.md" "$TMP/err"
expect "the runbook path printed exists" [ -f "$(grep -o '[^ ]*runbooks/probe-failed.md' "$TMP/err" | head -1)" ]
expect "junit.xml has the failure" grep -q "<failure" "$out/junit.xml"
mkdir -p "$TMP/rerender"
"$SD" report "$out/results.json" --baseline "$TMP/r-none.yaml" >/dev/null 2>&1; code=$?
expect "report with a missing baseline exits 2" [ "$code" -eq 2 ]
cat >"$TMP/bl-ok.yaml" <<BL
baseline: e2e-ok
checks:
  - metric: a.value
    equals: 1
    runbook: probe-failed
BL
"$SD" report "$out/results.json" --baseline "$TMP/bl-ok.yaml" --out "$TMP/rerender" --format md,json >/dev/null 2>"$TMP/err"; code=$?
expect "report against a baseline that passes exits 0" [ "$code" -eq 0 ]
expect "report --format md,json writes just those" [ "$(ls "$TMP/rerender" | tr '\n' ' ')" = "report.md results.json " ]
expect "the re-rendered verdict is READY" [ "$(jget "$TMP/rerender/results.json" "d['verdict']['status']")" = READY ]
expect_code 2 "report of a file that is not results.json" "$SD" report "$TMP/bl.yaml" 2>/dev/null

cat >"$TMP/rep.yaml" <<'PLAN'
plan: rep
steps:
  - {id: a, probe: misbehave, with: {mode: ok}, repeat: 5}
PLAN
old=$("$SD" run "$TMP/rep.yaml" -q --out "$TMP/c")
new=$("$SD" run "$TMP/rep.yaml" -q --out "$TMP/c")
expect_code 0 "compare of two equal runs" "$SD" compare "$old/results.json" "$new/results.json" >/dev/null
/usr/bin/python3 - "$old/results.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
m = d['steps'][0]['metrics'][0]
m['samples'] = [v * 10 for v in m['samples']]; m['value'] *= 10
json.dump(d, open(p, 'w'))
PY
expect_code 1 "compare finds a real regression (10x fewer, 5 samples a side)" "$SD" compare "$old/results.json" "$new/results.json" >/dev/null
"$SD" baseline "$new/results.json" >"$TMP/gen.yaml"; code=$?
expect "baseline from a golden run" [ "$code" -eq 0 ]
expect_code 0 "the generated baseline validates" "$SD" validate "$TMP/gen.yaml" >/dev/null
expect_code 0 "the golden run passes its own baseline" "$SD" report "$new/results.json" --baseline "$TMP/gen.yaml" --out "$TMP/rerender" --format json >/dev/null 2>&1
finish
