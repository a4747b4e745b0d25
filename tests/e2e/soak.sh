# soak.sh - the soak probe on this machine's CPUs for a few seconds: one
# throughput sample per interval, metrics present and sane, a silent data
# corruption (fault injection: SHAKEDOWN_FAULT=soak.sdc) fails it, GPU
# telemetry from the stand-in NVML (tests/fakes/fake_nvml.c, scripted mode)
# matches the script, sensors that are absent are listed as missing, and the
# GPU target is skipped cleanly where there is no GPU.
. tests/e2e/_lib.sh
P=$B/bin/probes/soak
FAKE=$B/tests/fakes/libnvml.so
RUN=(--target=cpu --duration=3s --interval=250ms)
m() { jget "$1" "[('%g' % m['value']) for m in d['metrics'] if m['name']=='$2' and m.get('labels',{})==$3][0]"; }
py() { /usr/bin/python3 -c "import sys; sys.exit(not ($1))"; }

SHAKEDOWN_NVML_LIB=/nonexistent/libnvidia-ml.so.1 "$P" "${RUN[@]}" --sysfs_root="$TMP/nosys" \
	>"$TMP/ok.json" 2>"$TMP/ok.log"
expect "soak runs on the CPUs (exit 0)" [ $? -eq 0 ]
expect "its result matches the schema" schema probe-result "$TMP/ok.json"
expect "status ok" [ "$(jget "$TMP/ok.json" "d['status']")" = ok ]
expect "the cpu throughput series has duration/interval (12 +- 1) points" [ "$(jget "$TMP/ok.json" \
	"[abs(len(s['t'])-12)<=1 and len(s['v'])==len(s['t']) for s in d['series'] if s['name']=='throughput' and s['labels']=={'device':'cpu'}]")" = "[True]" ]
expect "one throughput series per core, same length" [ "$(jget "$TMP/ok.json" \
	"len({len(s['t']) for s in d['series'] if s['name']=='throughput'})==1 and len([s for s in d['series'] if s['name']=='throughput' and 'cpu' in s['labels']])==d['env']['soak']['units']")" = True ]
expect "series times increase, within the run" [ "$(jget "$TMP/ok.json" \
	"all(all(0 < b - a for a, b in zip(s['t'], s['t'][1:])) and s['t'][-1] < 3.5 for s in d['series'])")" = True ]
thr=$(m "$TMP/ok.json" throughput "{'device':'cpu'}")
expect "steady throughput is a positive FLOP/s figure ($thr)" py "1e6 < $thr < 1e14"
drift=$(m "$TMP/ok.json" throughput_drift "{'device':'cpu'}")
expect "throughput drift is a small ratio ($drift)" py "-0.9 < $drift < 0.9"
expect "sdc_errors is 0" [ "$(m "$TMP/ok.json" sdc_errors "{'device':'cpu'}")" = 0 ]
expect "comparisons were made" py "$(jget "$TMP/ok.json" "d['env']['soak']['comparisons']") > 0"
expect "absent sensors are listed as missing, not reported as zero" [ "$(jget "$TMP/ok.json" \
	"len(d['env']['soak']['missing'])==4 and not [m for m in d['metrics'] if m['name'] in ('temp_max','power_avg','energy')]")" = True ]

# A fake sysfs tree: a thermal zone and a RAPL package, and the stand-in NVML playing one scripted GPU (P = 3 s).
mkdir -p "$TMP/sys/class/thermal/thermal_zone0" "$TMP/sys/class/powercap/intel-rapl:0"
echo 47000 >"$TMP/sys/class/thermal/thermal_zone0/temp"
echo x86_pkg_temp >"$TMP/sys/class/thermal/thermal_zone0/type"
echo 1000 >"$TMP/sys/class/powercap/intel-rapl:0/energy_uj"
SHAKEDOWN_NVML_LIB=$FAKE FAKE_NVML_GPUS=1 FAKE_NVML_SCRIPT=3 "$P" "${RUN[@]}" --sysfs_root="$TMP/sys" \
	>"$TMP/tel.json" 2>"$TMP/tel.log"
expect "with sensors and a scripted GPU: schema" schema probe-result "$TMP/tel.json"
expect "cpu temp_max from the thermal zone is 47 C" [ "$(m "$TMP/tel.json" temp_max "{'device':'cpu'}")" = 47 ]
expect "gpu temp_max is the script's 80 C" [ "$(m "$TMP/tel.json" temp_max "{'gpu':'0'}")" = 80 ]
pl=$(m "$TMP/tel.json" thermal_plateau_time "{'gpu':'0'}")
expect "gpu thermal plateau near the script's 1.2 s ($pl)" py "0.9 <= $pl <= 1.6"
th=$(m "$TMP/tel.json" throttled "{'gpu':'0','reason':'hw_thermal'}")
expect "hw_thermal throttled near the script's 0.2 ($th)" py "0.1 <= $th <= 0.3"
pc=$(m "$TMP/tel.json" throttled "{'gpu':'0','reason':'sw_power_cap'}")
expect "sw_power_cap throttled near the script's 0.6 ($pc)" py "0.5 <= $pc <= 0.7"
pm=$(m "$TMP/tel.json" power_max "{'gpu':'0'}")
expect "gpu power_max is the script's 700 W cap ($pm)" py "699 <= $pm <= 701"
en=$(m "$TMP/tel.json" energy "{'gpu':'0'}")
expect "gpu energy matches the script's integral over the run ($en J)" py "1400 <= $en <= 2100"
expect "rapl energy that never moves is 0 J, not missing" [ "$(m "$TMP/tel.json" energy "{'device':'cpu'}")" = 0 ]
expect "gpu temperature and throttle series are emitted" [ "$(jget "$TMP/tel.json" \
	"sorted({s['name'] for s in d['series'] if s['name'].startswith('gpu_')})")" = \
	"['gpu_mem_clock', 'gpu_mem_temp', 'gpu_power', 'gpu_power_limit', 'gpu_sm_clock', 'gpu_temp', 'gpu_throttled']" ]

SHAKEDOWN_FAULT=soak.sdc SHAKEDOWN_NVML_LIB=/nonexistent "$P" --target=cpu --duration=1s --interval=250ms \
	>"$TMP/bad.json" 2>/dev/null
expect "an injected silent data corruption fails the probe" [ "$(jget "$TMP/bad.json" "d['status']")" = failed ]
expect "sdc_errors is 1" [ "$(m "$TMP/bad.json" sdc_errors "{'device':'cpu'}")" = 1 ]
expect "the reason says so" grep -q "differed from the first result" "$TMP/bad.json"
expect "the injected fault is on record" [ "$(jget "$TMP/bad.json" "d['env']['faults_injected']")" = "['sdc']" ]

expect_code 2 "an unknown cpu_load is refused" "$P" --cpu_load=fma,disk 2>/dev/null >/dev/null
"$P" --target=cpu --duration=1s --interval=1ms >"$TMP/iv.json" 2>/dev/null
expect "an interval under 10ms is an error that says why" grep -q "interval must be at least 10ms" "$TMP/iv.json"

if [ -e /dev/nvidiactl ]; then
	echo "  (a GPU driver is present: the no-GPU checks below do not apply here)"
else
	"$P" --target=gpu --duration=1s >"$TMP/gpu.json" 2>/dev/null
	expect "target gpu without a GPU exits 0" [ $? -eq 0 ]
	expect "target gpu without a GPU: skipped, no CUDA device" [ "$(jget "$TMP/gpu.json" \
		"d['status'] + ': ' + d['reason']")" = "skipped: no CUDA device" ]
fi
finish
