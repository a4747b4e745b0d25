# gemm.sh - the gemm probe on the CPU with a tiny sweep: a schema-valid,
# verified result with the documented metric names and roofline series; an
# injected corrupt element (SHAKEDOWN_FAULT=gemm.corrupt) fails the probe;
# bad shapes are refused; target gpu without a GPU is skipped.
. tests/e2e/_lib.sh
P=$B/bin/probes/gemm
if [ ! -x "$P" ]; then not_ok "gemm probe not built ($P)"; finish; exit; fi
SMALL=(--target=cpu --cpu_shapes=64x64x64,96x80x128 --reps=2 --bandwidth=1e10)

"$P" "${SMALL[@]}" >"$TMP/ok.json" 2>"$TMP/ok.log"; code=$?
expect "cpu sweep exits 0" [ "$code" -eq 0 ]
expect "cpu sweep matches the schema" schema probe-result "$TMP/ok.json"
expect "cpu sweep status ok" [ "$(jget "$TMP/ok.json" "d['status']")" = ok ]
names=$(jget "$TMP/ok.json" "' '.join(sorted(m['name'] for m in d['metrics']))")
for want in fp64_64x64x64 fp64_96x80x128 fp32_64x64x64 fp32_96x80x128 fp64_64x64x64_of_roof fp64_best fp32_best \
	bandwidth wrong_elements; do
	expect "metric $want present" grep -qw "$want" <<<"$names"
done
expect "no gpu-only dtype measured on the cpu" [ -z "$(grep -oE '(bf16|fp16|tf32|int8|fp8)[^ ]*' <<<"$names")" ]
expect "fp64_64x64x64 in FLOP/s, 2 samples, > 0" [ "$(jget "$TMP/ok.json" "[(m['unit'], len(m['samples']), m['value'] > 0) for m in d['metrics'] if m['name']=='fp64_64x64x64'][0]")" = "('FLOP/s', 2, True)" ]
expect "wrong_elements is 0" [ "$(jget "$TMP/ok.json" "[m['value'] for m in d['metrics'] if m['name']=='wrong_elements'][0]")" = 0 ]
expect "bandwidth is the given 1e10 B/s" [ "$(jget "$TMP/ok.json" "[m['value'] for m in d['metrics'] if m['name']=='bandwidth'][0]")" = 10000000000 ]
expect "roofline_fp64 series: FLOP/B x, 2 points, log, points" [ "$(jget "$TMP/ok.json" "[(s['x_unit'], len(s['x']), s.get('scale'), s.get('style')) for s in d['series'] if s['name']=='roofline_fp64'][0]")" = "('FLOP/B', 2, 'log', 'points')" ]
expect "roofline_fp64 x is 2MNK / 8(MK+KN+MN)" [ "$(jget "$TMP/ok.json" "[round(s['x'][0], 6) for s in d['series'] if s['name']=='roofline_fp64'][0]")" = "$(python3 -c 'print(round(2*64**3/(8*3*64*64), 6))')" ]
expect "roofline_fp32 carries its ceilings for the chart (compute = best fp32, bandwidth = the given 1e10)" [ "$(jget "$TMP/ok.json" \
	"[(abs(float(s['labels']['ceiling_compute']) / [m['value'] for m in d['metrics'] if m['name']=='fp32_best'][0] - 1) < 1e-5, float(s['labels']['ceiling_bandwidth'])) for s in d['series'] if s['name']=='roofline_fp32'][0]")" = "(True, 10000000000.0)" ]
expect "env has the ridge point" [ "$(jget "$TMP/ok.json" "d['env']['roofline']['cpu']['fp64']['ridge'] > 0")" = True ]
expect "the log says every result was verified" [ "$(grep -c 'verified (every element)' "$TMP/ok.log")" -eq 4 ]

SHAKEDOWN_FAULT=gemm.corrupt "$P" "${SMALL[@]}" >"$TMP/bad.json" 2>"$TMP/bad.log"; code=$?
expect "corrupt: exits 0" [ "$code" -eq 0 ]
expect "corrupt: matches the schema" schema probe-result "$TMP/bad.json"
expect "corrupt: status failed" [ "$(jget "$TMP/bad.json" "d['status']")" = failed ]
expect "corrupt: reason names the wrong elements" grep -q "wrong result elements" <<<"$(jget "$TMP/bad.json" "d['reason']")"
expect "corrupt: wrong_elements > 0" [ "$(jget "$TMP/bad.json" "[m['value'] > 0 for m in d['metrics'] if m['name']=='wrong_elements'][0]")" = True ]
expect "corrupt: listed in env.faults_injected" [ "$(jget "$TMP/bad.json" "d['env']['faults_injected']")" = "['corrupt']" ]

SHAKEDOWN_FAULT=gemm.corrupt "$P" "${SMALL[@]}" --verify=false >"$TMP/rep.json" 2>/dev/null
expect "corrupt without verify: the repeat check fails it" [ "$(jget "$TMP/rep.json" "d['status']")" = failed ]

"$P" --target=cpu --cpu_shapes=64x64 >"$TMP/shape.json" 2>/dev/null; code=$?
expect "a bad shape gives an error document, exit 0" [ "$code" -eq 0 ]
expect "bad shape: status error, reason quotes it" [ "$(jget "$TMP/shape.json" "d['status'] + ': ' + d['reason']")" = "error: cpu_shapes: invalid shape '64x64': expected MxNxK, three whole numbers 1..1048576 (e.g. 4096x4096x4096)" ]
"$P" --target=cpu --dtypes=bf16 >"$TMP/none.json" 2>/dev/null
expect "cpu with only gpu dtypes: skipped" [ "$(jget "$TMP/none.json" "d['status']")" = skipped ]
expect_code 2 "reps is typed" "$P" --reps=many 2>/dev/null
expect_code 2 "an unknown dtype is refused" "$P" --dtypes=fp4 2>/dev/null

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
	"$P" --target=gpu --shapes=1024x1024x1024 --reps=2 >"$TMP/gpu.json" 2>"$TMP/gpu.log"
	expect "gpu: matches the schema" schema probe-result "$TMP/gpu.json"
	expect "gpu: status ok" [ "$(jget "$TMP/gpu.json" "d['status']")" = ok ]
	expect "gpu: bf16 labelled gpu 0" [ "$(jget "$TMP/gpu.json" "[m['labels']['gpu'] for m in d['metrics'] if m['name']=='bf16_1024x1024x1024'][0]")" = 0 ]
else
	"$P" --target=gpu >"$TMP/gpu.json" 2>/dev/null
	expect "target gpu without a gpu: skipped, no CUDA device" [ "$(jget "$TMP/gpu.json" "d['status'] + ': ' + d['reason'][:14]")" = "skipped: no CUDA device" ]
fi
finish
