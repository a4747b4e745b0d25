# pergpu.sh - a probe that measures one GPU ("per_gpu": true in its
# --describe; tests/probes/gpuwork.c) run by `shakedown run` on this machine:
# one instance per GPU at once, each seeing only its own GPU, merged into one
# step (runner/pergpu.h). The stand-in NVML library (tests/fakes/fake_nvml.c)
# plays two GPUs; CUDA_VISIBLE_DEVICES narrows them; a failed and a crashed
# instance name their GPU; without NVML one ordinary instance runs. The same
# over the node agent on four nodes is in nodes.sh.
. tests/e2e/_lib.sh
export SHAKEDOWN_PROBE_PATH=$B/tests/probes:$B/bin/probes
export SHAKEDOWN_NVML_LIB=$B/tests/fakes/libnvml.so FAKE_NVML_GPUS=2
unset CUDA_VISIBLE_DEVICES

run() { # NAME WITH -> $R (results.json), $code; the rest of the arguments: env for the run
	local name=$1 with=$2; shift 2
	printf 'plan: %s\nsteps:\n  - {id: g, probe: gpuwork, with: {%s}, timeout: 60s}\n' "$name" "$with" >"$TMP/$name.yaml"
	out=$(env "$@" timeout 120 "$SD" run "$TMP/$name.yaml" -q --out "$TMP/runs" 2>"$TMP/$name.err"); code=$?
	R=$out/results.json
}
step() { jget "$R" "[s for s in d['steps'] if s['id']=='g'][0]$1"; }
prefix() { [[ "$1" == "$2"* ]]; }
rates() { jget "$R" "sorted((m['labels']['gpu'], '%g' % m['value']) for s in d['steps'] if s['id']=='g' for m in s['metrics'])"; }

expect "gpuwork says per_gpu in its description" [ "$("$B/tests/probes/gpuwork" --describe | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("per_gpu"))')" = True ]
expect "its description matches the schema" sh -c "'$B/tests/probes/gpuwork' --describe >'$TMP/describe.json' && /usr/bin/python3 tests/schema-check.py probe-describe '$TMP/describe.json' >/dev/null"

run two ""
expect "two GPUs: the run passes (exit $code)" [ "$code" -eq 0 ]
expect "results.json matches the schema" schema results "$R"
expect "one step, ok" [ "$(step "['status']")" = ok ]
expect "a rate per GPU, labelled with the GPU (not the probe's own 0)" [ "$(rates)" = "[('0', '1e+12'), ('1', '1.01e+12')]" ]
expect "each instance saw only its GPU" [ "$(step "['attempts'][0]['result']['env']['gpus']")" = "{'0': {'visible': '0', 'gpu': '0'}, '1': {'visible': '1', 'gpu': '1'}}" ]
expect "one attempt, one merged result of the protocol" [ "$(jget "$R" "(lambda s: [len(s['attempts']), s['attempts'][0]['result']['probe']])([s for s in d['steps'] if s['id']=='g'][0])")" = "[1, 'gpuwork']" ]
expect "the log has both instances' lines, each prefixed with its GPU" [ "$(grep -c "^gpuwork\[gpu \([01]\)\]: gpu \1 of '\1'" "$(dirname "$R")/logs/g.log")" -eq 2 ]

run visible "" CUDA_VISIBLE_DEVICES=1
expect "CUDA_VISIBLE_DEVICES=1: only GPU 1" [ "$(rates)" = "[('1', '1.01e+12')]" ]

run fail "fail_gpu: '1'"
expect "a failed GPU fails the run (exit $code)" [ "$code" -eq 1 ]
expect "the step is failed, the reason names the GPU" [ "$(step "['status']"): $(step "['reason']")" = "failed: gpu 1: gpu self-test failed" ]
expect "the other GPU's rate is kept" [ "$(rates)" = "[('0', '1e+12'), ('1', '1.01e+12')]" ]

run crash "crash_gpu: '0'"
expect "a crashed instance is a probe error (exit $code)" [ "$code" -eq 3 ]
r=$(step "['reason']")
expect "the reason names the GPU and the crash ($r)" prefix "$r" "gpu 0: probe crashed: killed by signal 11"
expect "GPU 1's rate is kept" [ "$(rates)" = "[('1', '1.01e+12')]" ]

run nonvml "" SHAKEDOWN_NVML_LIB=/nonexistent/libnvidia-ml.so.1
expect "no NVML: one ordinary instance (which errors: it wants one GPU)" prefix "$(step "['reason']")" "expected one GPU in CUDA_VISIBLE_DEVICES"
finish
