# quick.sh - `shakedown run suites/quick.yaml` as `make run` does it, end to end.
. tests/e2e/_lib.sh

# As `make run` does: through tests/with-registry.sh (a loopback registry for the registry step).
out=$(tests/with-registry.sh "$SD" run suites/quick.yaml --out "$TMP/runs" 2>"$TMP/err"); code=$?
cat "$TMP/err" | sed 's/^/  | /'
expect "quick plan passes" [ "$code" -eq 0 ]
expect "stdout is only the run directory" [ -d "$out" ]
case "$out" in "$TMP/runs/quick-"*) ok "run directory named plan-timestamp";; *) not_ok "run directory '$out'";; esac
R=$out/results.json
expect "results.json matches the schema" schema results "$R"
expect "run complete with exit 0" [ "$(jget "$R" "d['run']['status'], d['run']['exit_code']")" = "complete 0" ]
expect "inventory taken" [ "$(jget "$R" "d['host']['inventory_status']")" = ok ]
threads=$(jget "$R" "[m['value'] for m in d['host']['inventory']['metrics'] if m['name']=='cpu_threads'][0]")
expect "inventory cpu_threads ($threads) equals nproc ($(nproc))" [ "${threads%.*}" = "$(nproc)" ]
expect "every step ok" [ "$(jget "$R" "set(s['status'] for s in d['steps'])")" = "{'ok'}" ]
expect "step log written" [ -f "$out/logs/inventory.log" ]
expect "summary printed" grep -q "plan quick: 8 steps: 8 ok" "$TMP/err"
expect "progress printed" grep -q '^\[1/8\] inventory (sysinfo) ok' "$TMP/err"
expect "host memory bandwidth measured (host-membw.triad checked and passed)" [ "$(jget "$R" \
	"[c['verdict'] for c in d['verdict']['checks'] if c['id'].startswith('host-membw.triad')]")" = "['pass']" ]
expect "CPU GEMM measured and verified (gemm-cpu checks passed)" [ "$(jget "$R" \
	"sorted(c['verdict'] for c in d['verdict']['checks'] if c['id'].startswith('gemm-cpu.'))")" = "['pass', 'pass']" ]
expect "the image was pulled from the loopback registry and verified" [ "$(jget "$R" \
	"[(s['status'], a['result']['env']['loopback']) for s in d['steps'] if s['id']=='registry-pull' for a in s['attempts'][-1:]][0]")" = "('ok', True)" ]
expect "metrics.prom carries the STREAM triad" grep -q '^shakedown_.*triad.*{' "$out/metrics.prom"
expect "no temporary files left" [ -z "$(ls "$out" | grep tmp)" ]
for f in report.md report.html junit.xml metrics.prom; do expect "$f written" [ -s "$out/$f" ]; done
expect "checked against the generic-cpu baseline: READY" [ "$(jget "$R" "d['verdict']['status'] + ' ' + d['verdict']['baseline']['name']")" = "READY generic-cpu" ]
expect "the verdict line is printed" grep -q "^verdict: READY (baseline generic-cpu)" "$TMP/err"
expect "report.md opens with the verdict" grep -q '^\*\*READY\*\*' "$out/report.md"
expect "junit.xml is XML with testcases" /usr/bin/python3 -c "import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); assert r.iter('testcase')" "$out/junit.xml"
expect "metrics.prom carries the inventory" grep -q '^shakedown_.*memory.*bytes{' "$out/metrics.prom"

out=$(tests/with-registry.sh "$SD" run suites/quick.yaml -q --out "$TMP/runs" 2>"$TMP/err")
expect "-q prints nothing on stderr" [ ! -s "$TMP/err" ]
finish
