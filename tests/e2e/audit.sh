# audit.sh - the audit probe on this machine (no GPU: the GPU checks are left
# out with the reason in env, the host checks and the software versions run)
# and on a fake root tree with faults (swap on, an InfiniBand port down, a
# required mount missing, nvidia_peermem not loaded), with the stand-in NVML
# (tests/fakes/fake_nvml.c) playing the GPUs: one GPU on an x8 link, one GPU
# missing, an NVLink link down; and with fake version commands (shell scripts
# on PATH: a container runtime, mpirun, one that hangs).
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

# The inventory block: fixed keys, null when unknown, each known value also inventory_info{key,value}.
KEYS="os kernel module.nvidia module.nvidia_peermem hca_firmware gpu_model nvidia_driver cuda_driver vbios \
cuda_runtime nccl mpi container.docker container.podman container.enroot container.apptainer container.singularity"
expect "env.inventory has exactly the stable keys" [ "$(jget "$TMP/real.json" "' '.join(d['env']['inventory'])")" = "$(echo $KEYS)" ]
expect "inventory kernel is this kernel" [ "$(jget "$TMP/real.json" "d['env']['inventory']['kernel'] == open('/proc/sys/kernel/osrelease').read().strip()")" = True ]
expect "no GPU: the GPU keys are null" [ "$(jget "$TMP/real.json" "[d['env']['inventory'][k] for k in ('gpu_model','nvidia_driver','cuda_driver','vbios')]")" = "[None, None, None, None]" ]
expect "inventory_info for every known key, value in the label" [ "$(jget "$TMP/real.json" \
	"sorted((m['labels']['key'], m['labels']['value']) for m in d['metrics'] if m['name']=='inventory_info') == sorted((k, v) for k, v in d['env']['inventory'].items() if v is not None)")" = True ]
if [ -r /usr/local/cuda/lib64/libcudart.so ] || ldconfig -p 2>/dev/null | grep -q 'libcudart\.so '; then
	expect "cuda runtime version from libcudart (no GPU needed)" [ "$(jget "$TMP/real.json" \
		"d['env']['inventory']['cuda_runtime'] is not None and any(m['name']=='cuda_runtime_version' and m['value'] >= 10000 for m in d['metrics'])")" = True ]
else
	echo "  skip: cuda runtime version: no libcudart on this machine"
fi
if command -v mpirun >/dev/null; then
	v=$(mpirun --version 2>/dev/null | head -1 | awk '{print $NF}')
	expect "mpi version agrees with mpirun --version ($v)" [ "$(jget "$TMP/real.json" "'$v' in (d['env']['inventory']['mpi'] or '')")" = True ]
else
	echo "  skip: mpi version: no mpirun on this machine"
fi
if command -v docker >/dev/null; then
	v=$(docker --version 2>/dev/null | awk '{print $3}' | tr -d ,)
	expect "container.docker is docker --version's ($v)" [ "$(jget "$TMP/real.json" "d['env']['inventory']['container.docker']")" = "$v" ]
else
	expect "no docker: container.docker null" [ "$(jget "$TMP/real.json" "d['env']['inventory']['container.docker']")" = None ]
fi

# A fake root: swap on, mlx5_1 down, /scratch missing; two GPUs from the stand-in (GPU 1 at x8).
R=$TMP/root
mkdir -p "$R/proc/sys/vm" "$R/proc/sys/kernel" "$R/data" "$R/sys/kernel/mm/transparent_hugepage" \
	"$R/sys/class/infiniband/mlx5_0/ports/1" "$R/sys/class/infiniband/mlx5_1/ports/1"
printf 'MemTotal: 2113680424 kB\nSwapTotal: 8388604 kB\nSwapFree: 8388604 kB\n' >"$R/proc/meminfo"
echo 60 >"$R/proc/sys/vm/swappiness"
echo 1 >"$R/proc/sys/kernel/numa_balancing"
echo 'always [madvise] never' >"$R/sys/kernel/mm/transparent_hugepage/enabled"
echo 'nvidia 9543680 0 - Live 0x0' >"$R/proc/modules"
mkdir -p "$R/sys/module/nvidia" "$R/etc"
echo 580.65.06 >"$R/sys/module/nvidia/version"
echo 'PRETTY_NAME="Ubuntu 22.04.4 LTS"' >"$R/etc/os-release"
echo 28.39.1002 >"$R/sys/class/infiniband/mlx5_0/fw_ver"
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
expect "18 of 18 NVLink links up on each GPU" [ "$(m "$TMP/fake.json" nvlink_up "{'gpu':'0'}")$(m "$TMP/fake.json" nvlink_up "{'gpu':'1'}")$(m "$TMP/fake.json" nvlink_down_gpus "{}")" = 18180 ]
expect "inventory: driver, CUDA driver, VBIOS, module versions, OS, HCA firmware" [ "$(jget "$TMP/fake.json" \
	"'|'.join(d['env']['inventory'][k] for k in ('nvidia_driver','cuda_driver','vbios','module.nvidia','module.nvidia_peermem','os','hca_firmware','gpu_model'))")" = \
	"580.65.06|13.0|96.00.99.00.01|580.65.06|not loaded|Ubuntu 22.04.4 LTS|28.39.1002|NVIDIA H100 80GB HBM3" ]
expect "driver_branch 580, cuda_driver_version 13000" [ "$(m "$TMP/fake.json" driver_branch "{}")/$(m "$TMP/fake.json" cuda_driver_version "{}")" = 580/13000 ]

SHAKEDOWN_NVML_LIB=$FAKE FAKE_NVML_NVLINK=18,17 "$P" --root="$R" --mounts=/data >"$TMP/nvl.json" 2>/dev/null
expect "an NVLink link down: GPU 1 has 17 of 18 up" [ "$(m "$TMP/nvl.json" nvlink_links "{'gpu':'1'}")/$(m "$TMP/nvl.json" nvlink_up "{'gpu':'1'}")" = 18/17 ]
expect "an NVLink link down: nvlink_down_gpus 1" [ "$(m "$TMP/nvl.json" nvlink_down_gpus "{}")" = 1 ]
SHAKEDOWN_NVML_LIB=$FAKE FAKE_NVML_NVLINK=none "$P" --root="$R" --mounts=/data >"$TMP/pcie.json" 2>/dev/null
expect "no NVLink (PCIe cards): 0 links, none down" [ "$(m "$TMP/pcie.json" nvlink_links "{'gpu':'0'}")$(m "$TMP/pcie.json" nvlink_down_gpus "{}")" = 00 ]

# Fake version commands on a PATH of their own; no CUDA, NCCL or MPI library.
mkdir -p "$TMP/bin"
printf '#!/bin/sh\necho "podman version 4.9.3"\n' >"$TMP/bin/podman"
printf '#!/bin/sh\necho "mpirun (Open MPI) 5.0.3"\n' >"$TMP/bin/mpirun"
printf '#!/bin/sh\nexec /bin/sleep 30\n' >"$TMP/bin/enroot"
chmod +x "$TMP/bin/podman" "$TMP/bin/mpirun" "$TMP/bin/enroot"
start=$SECONDS
PATH=$TMP/bin SHAKEDOWN_CUDART_LIB=/nonexistent/libcudart.so SHAKEDOWN_NCCL_LIB=/nonexistent/libnccl.so \
	SHAKEDOWN_MPI_LIB=/nonexistent/libmpi.so "$P" --root="$R" --gpus=false --command_timeout=500ms \
	>"$TMP/sw.json" 2>"$TMP/sw.log"
expect "fake commands: exit 0 and schema" schema probe-result "$TMP/sw.json"
expect "a hanging version command is killed at the timeout" [ $((SECONDS - start)) -lt 10 ]
expect "container versions from the commands; absent ones null" [ "$(jget "$TMP/sw.json" \
	"'|'.join(str(d['env']['inventory']['container.' + k]) for k in ('docker','podman','enroot','apptainer'))")" = "None|4.9.3|None|None" ]
expect "the hang's reason is in env.software.containers" [ "$(jget "$TMP/sw.json" \
	"[c['reason'] for c in d['env']['software']['containers'] if c['name']=='enroot'][0]")" = "'$TMP/bin/enroot' did not answer within 0.5s" ]
expect "mpi from mpirun --version when no MPI library loads" [ "$(jget "$TMP/sw.json" "d['env']['inventory']['mpi']")" = "mpirun (Open MPI) 5.0.3" ]
expect "no libcudart, no libnccl: null, and no version metrics" [ "$(jget "$TMP/sw.json" \
	"(d['env']['inventory']['cuda_runtime'], d['env']['inventory']['nccl'], any(m['name'] in ('cuda_runtime_version','nccl_version') for m in d['metrics']))")" = "(None, None, False)" ]

SHAKEDOWN_NVML_LIB=$FAKE FAKE_NVML_GPUS=1 FAKE_NVML_PCIE=5x16 "$P" --root="$R" --mounts=/data >"$TMP/one.json" 2>/dev/null
expect "a GPU missing: gpus 1" [ "$(m "$TMP/one.json" gpus "{}")" = 1 ]
expect "a healthy link: no degraded GPU" [ "$(m "$TMP/one.json" pcie_degraded_gpus "{}")" = 0 ]

# The verdict: the audit step alone against the H100 baseline, an NVLink link down and nvidia_peermem not loaded.
cat >"$TMP/audit-plan.yaml" <<EOF
plan: audit-only
description: the audit step of the acceptance plan, on the fake root
steps:
  - id: audit
    probe: audit
    with: {root: "$R", mounts: /data}
EOF
SHAKEDOWN_NVML_LIB=$FAKE FAKE_NVML_NVLINK=18,17 "$SD" run "$TMP/audit-plan.yaml" --baseline suites/baselines/h100-sxm-80gb.yaml \
	--out "$TMP/runs" -q >"$TMP/run.out" 2>"$TMP/run.err"
expect "h100 baseline: NOT READY (exit 1)" [ $? -eq 1 ]
RJ=$(cat "$TMP/run.out")/results.json
v() { jget "$RJ" "' '.join(c['verdict'] + ':' + c['runbook'] for c in d['verdict']['checks'] if c['id'].startswith('$1'))"; }
expect "GPU 1's missing link fails nvlink_up (nvlink-down)" [ "$(v 'audit.nvlink_up{gpu=1}')" = fail:nvlink-down ]
expect "GPU 0's 18 links pass" [ "$(v 'audit.nvlink_up{gpu=0}')" = pass:nvlink-down ]
expect "nvlink_down_gpus fails (nvlink-down)" [ "$(v 'audit.nvlink_down_gpus')" = fail:nvlink-down ]
expect "nvidia_peermem not loaded fails (kernel-module-missing)" [ "$(v 'audit.module_loaded{module=nvidia_peermem}')" = fail:kernel-module-missing ]
expect "nvidia loaded passes" [ "$(v 'audit.module_loaded{module=nvidia}')" = pass:kernel-module-missing ]
expect "NUMA balancing on warns (host-tuning-mismatch)" [ "$(v 'audit.numa_balancing')" = warn:host-tuning-mismatch ]
expect "CUDA 13.0 driver passes the CUDA 12 floor" [ "$(v 'audit.cuda_driver_version')" = pass:software-version-mismatch ]

"$P" --describe >"$TMP/describe.json"
documented() {
	/usr/bin/python3 - "$TMP/describe.json" <<'PY'
import json, re, sys
text = open("probes/METRICS.md", encoding="utf-8").read()
section = text[text.index("## `audit`"):]
section = section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section
missing = [m["name"] for m in json.load(open(sys.argv[1]))["metrics"] if "`%s`" % m["name"] not in section]
print("undocumented: " + ", ".join(missing) if missing else "", end="")
sys.exit(1 if missing else 0)
PY
}
expect "every metric of --describe is in METRICS.md's audit section" documented
expect "command_timeout is a parameter" [ "$(jget "$TMP/describe.json" "[p['default'] for p in d['params'] if p['name']=='command_timeout']")" = "['3s']" ]

"$P" --root="$R" --bogus=1 >/dev/null 2>&1
expect "an unknown parameter is refused (exit 2)" [ $? -eq 2 ]
finish
