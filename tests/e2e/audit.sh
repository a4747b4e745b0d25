# audit.sh - the audit probe on this machine (no GPU: the GPU checks are left
# out with the reason in env, the host checks run) and on a fake root tree with
# faults (swap on, an InfiniBand port down, a required mount missing), with the
# stand-in NVML (tests/fakes/fake_nvml.c) playing the GPUs: one GPU on an x8
# link, one GPU missing.
. tests/e2e/_lib.sh
P=$B/bin/probes/audit
FAKE=$B/tests/fakes/libnvml.so
m() { jget "$1" "[('%g' % m['value']) for m in d['metrics'] if m['name']=='$2' and m.get('labels',{})==$3][0]"; }
has() { jget "$1" "any(m['name']=='$2' for m in d['metrics'])"; }

SHAKEDOWN_NVML_LIB=/nonexistent/libnvidia-ml.so.1 "$P" >"$TMP/real.json" 2>"$TMP/real.log"
expect "runs with defaults on this machine (exit 0)" [ $? -eq 0 ]
expect "its result matches the schema" schema probe-result "$TMP/real.json"
expect "status ok without a GPU" [ "$(jget "$TMP/real.json" "d['status']")" = ok ]
expect "gpu checks left out, the reason in env.gpus" [ "$(jget "$TMP/real.json" \
	"d['env']['gpus']['available'] is False and 'not found' in d['env']['gpus']['reason']")" = True ]
expect "no gpu metrics without NVML" [ "$(has "$TMP/real.json" gpus)" = False ]
expect "host checks ran: memory_total > 0" [ "$(jget "$TMP/real.json" \
	"[m['value'] > 0 for m in d['metrics'] if m['name']=='memory_total']")" = "[True]" ]
expect "swap_total and swappiness reported" [ "$(has "$TMP/real.json" swap_total)$(has "$TMP/real.json" swappiness)" = TrueTrue ]
expect "the default mount /tmp is ok" [ "$(m "$TMP/real.json" mount_ok "{'mount':'/tmp'}")" = 1 ]
expect "kernel version in env" [ "$(jget "$TMP/real.json" "d['env']['host']['kernel'] == open('/proc/sys/kernel/osrelease').read().strip()")" = True ]

# A fake root: swap on, mlx5_1 down, /scratch missing; two GPUs from the stand-in (GPU 1 at x8).
R=$TMP/root
mkdir -p "$R/proc/sys/vm" "$R/proc/sys/kernel" "$R/data" "$R/sys/kernel/mm/transparent_hugepage" \
	"$R/sys/class/infiniband/mlx5_0/ports/1" "$R/sys/class/infiniband/mlx5_1/ports/1"
printf 'MemTotal: 2113680424 kB\nSwapTotal: 8388604 kB\nSwapFree: 8388604 kB\n' >"$R/proc/meminfo"
echo 60 >"$R/proc/sys/vm/swappiness"
echo 1 >"$R/proc/sys/kernel/numa_balancing"
echo 'always [madvise] never' >"$R/sys/kernel/mm/transparent_hugepage/enabled"
echo 'nvidia 9543680 0 - Live 0x0' >"$R/proc/modules"
echo '4: ACTIVE' >"$R/sys/class/infiniband/mlx5_0/ports/1/state"
echo '400 Gb/sec (4X NDR)' >"$R/sys/class/infiniband/mlx5_0/ports/1/rate"
echo '1: DOWN' >"$R/sys/class/infiniband/mlx5_1/ports/1/state"
echo '10 Gb/sec (4X SDR)' >"$R/sys/class/infiniband/mlx5_1/ports/1/rate"
SHAKEDOWN_NVML_LIB=$FAKE "$P" --root="$R" --mounts=/data,/scratch >"$TMP/fake.json" 2>"$TMP/fake.log"
expect "fake root: exit 0" [ $? -eq 0 ]
expect "fake root: schema" schema probe-result "$TMP/fake.json"
expect "swap on shows: swap_total 8 GiB" [ "$(m "$TMP/fake.json" swap_total "{}")" = "$(python3 -c 'print("%g" % (8388604*1024))')" ]
expect "numa_balancing 1, thp_always 0" [ "$(m "$TMP/fake.json" numa_balancing "{}")$(m "$TMP/fake.json" thp_always "{}")" = 10 ]
expect "one of two IB ports active" [ "$(m "$TMP/fake.json" ib_ports "{}")/$(m "$TMP/fake.json" ib_ports_active "{}")" = 2/1 ]
expect "the down port is flagged" [ "$(m "$TMP/fake.json" ib_port_active "{'device':'mlx5_1','port':'1'}")" = 0 ]
expect "ib_rate_min counts active ports only (400 Gb/s = 5e10 B/s)" [ "$(m "$TMP/fake.json" ib_rate_min "{}")" = 5e+10 ]
expect "mount /data ok, /scratch not" [ "$(m "$TMP/fake.json" mount_ok "{'mount':'/data'}")$(m "$TMP/fake.json" mount_ok "{'mount':'/scratch'}")" = 10 ]
expect "nvidia loaded, nvidia_peermem not" [ "$(m "$TMP/fake.json" module_loaded "{'module':'nvidia'}")$(m "$TMP/fake.json" module_loaded "{'module':'nvidia_peermem'}")" = 10 ]
expect "2 GPUs, one model" [ "$(m "$TMP/fake.json" gpus "{}")$(m "$TMP/fake.json" gpu_models_distinct "{}")" = 21 ]
expect "GPU 1's x8 link is degraded, GPU 0's is not" [ "$(m "$TMP/fake.json" pcie_degraded "{'gpu':'0'}")$(m "$TMP/fake.json" pcie_degraded "{'gpu':'1'}")$(m "$TMP/fake.json" pcie_degraded_gpus "{}")" = 011 ]
expect "driver version in env" [ "$(jget "$TMP/fake.json" "d['env']['gpus']['driver_version']")" = 580.65.06 ]
expect "the GPU x NIC matrix is 2 x 2" [ "$(jget "$TMP/fake.json" "[len(r) for r in d['env']['topology']['matrix']]")" = "[2, 2]" ]

SHAKEDOWN_NVML_LIB=$FAKE FAKE_NVML_GPUS=1 FAKE_NVML_PCIE=5x16 "$P" --root="$R" --mounts=/data >"$TMP/one.json" 2>/dev/null
expect "a GPU missing: gpus 1" [ "$(m "$TMP/one.json" gpus "{}")" = 1 ]
expect "a healthy link: no degraded GPU" [ "$(m "$TMP/one.json" pcie_degraded_gpus "{}")" = 0 ]

"$P" --root="$R" --bogus=1 >/dev/null 2>&1
expect "an unknown parameter is refused (exit 2)" [ $? -eq 2 ]
finish
