# membw.sh - the membw probe on this machine's CPUs: STREAM figures that are
# positive and consistent, validation that catches a corrupted array (fault
# injection: SHAKEDOWN_FAULT=membw.corrupt), the NUMA pair figures, bad
# parameters refused, and the GPU target skipped cleanly where there is none.
. tests/e2e/_lib.sh
P=$B/bin/probes/membw
SMALL=(--target=cpu --size=16MiB --reps=3)

"$P" "${SMALL[@]}" >"$TMP/ok.json" 2>"$TMP/ok.log"
expect "membw runs on the CPUs (exit 0)" [ $? -eq 0 ]
expect "its result matches the schema" schema probe-result "$TMP/ok.json"
expect "status ok" [ "$(jget "$TMP/ok.json" "d['status']")" = ok ]
m() { jget "$1" "[('%g' % m['value']) for m in d['metrics'] if m['name']=='$2' and not m.get('labels')][0]"; }
for k in copy scale add triad; do
	expect "$k is a positive bandwidth" /usr/bin/python3 -c "import sys; sys.exit(not 0 < $(m "$TMP/ok.json" $k) < 1e14)"
done
expect "each STREAM figure is the best of the counted repetitions (reps - 1 samples)" [ "$(jget "$TMP/ok.json" \
	"all(len(m['samples'])==2 and m['value']==max(m['samples']) for m in d['metrics'] if m['name'] in ('copy','triad'))")" = True ]
expect "no wrong elements" [ "$(m "$TMP/ok.json" wrong_elements)" = 0 ]
expect "a numa_triad for each cpu/mem node pair" [ "$(jget "$TMP/ok.json" \
	"len([m for m in d['metrics'] if m['name']=='numa_triad' and set(m['labels'])=={'cpu','mem'}]) >= 1")" = True ]
expect "env says whether non-temporal stores were used" [ "$(jget "$TMP/ok.json" \
	"type(d['env']['membw_host']['nt_stores']).__name__")" = bool ]
expect "env records the array size asked for" [ "$(jget "$TMP/ok.json" "d['env']['membw_host']['array_bytes']")" = 16777216 ]
expect "the log says whether non-temporal stores were used" grep -q "non-temporal stores" "$TMP/ok.log"

SHAKEDOWN_FAULT=membw.corrupt "$P" "${SMALL[@]}" --paths=stream >"$TMP/bad.json" 2>"$TMP/bad.log"
expect "a corrupted array fails the probe" [ "$(jget "$TMP/bad.json" "d['status']")" = failed ]
expect "the reason counts the wrong elements" grep -q "1 array elements held wrong values" "$TMP/bad.json"
expect "wrong_elements is 1" [ "$(m "$TMP/bad.json" wrong_elements)" = 1 ]
expect "the injected fault is on record" [ "$(jget "$TMP/bad.json" "d['env']['faults_injected']")" = "['corrupt']" ]

"$P" --target=cpu --size=16MiB --reps=3 --nt_stores=false --paths=stream >"$TMP/plain.json" 2>/dev/null
expect "nt_stores=false runs with plain stores" [ "$(jget "$TMP/plain.json" "d['env']['membw_host']['nt_stores']")" = False ]

expect_code 2 "an unknown path is refused" "$P" --paths=stream,disk 2>/dev/null >/dev/null
"$P" --target=cpu --reps=1 >"$TMP/reps.json" 2>/dev/null
expect "reps=1 is an error that says why" grep -q "reps must be 2..200" "$TMP/reps.json"

if [ -e /dev/nvidiactl ]; then
	echo "  (a GPU driver is present: the no-GPU checks below do not apply here)"
else
	"$P" --target=gpu >"$TMP/gpu.json" 2>/dev/null
	expect "target gpu without a GPU exits 0" [ $? -eq 0 ]
	expect "target gpu without a GPU: skipped, no CUDA device" [ "$(jget "$TMP/gpu.json" \
		"d['status'] + ': ' + d['reason']")" = "skipped: no CUDA device" ]
	"$P" --target=auto --size=16MiB --reps=2 >"$TMP/auto.json" 2>"$TMP/auto.log"
	expect "target auto without a GPU measures the host and says why not the GPU" \
		[ "$(jget "$TMP/auto.json" "d['status']")" = ok ]
	expect "... in its log" grep -q "gpu paths not measured: no CUDA device" "$TMP/auto.log"
fi
finish
