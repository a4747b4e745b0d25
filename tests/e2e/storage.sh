# storage.sh - the storage probe on a temporary directory, small and bounded:
# schema-valid positive figures and no mismatch; a directory of pre-existing
# files byte-for-byte untouched and nothing left behind; a corrupted read
# (SHAKEDOWN_FAULT=storage.corrupt) fails the probe; a block device and a
# file refused; SIGTERM mid-run removes the work directory; a stale work
# directory of a dead process is swept while look-alikes are not; and, on an
# 8 MiB tmpfs mounted here, too little space is refused before writing and
# ENOSPC mid-run (free-space check skipped by a fault) is an error naming the
# file, with everything removed. Mounting needs root: skipped with a reason
# otherwise.
. tests/e2e/_lib.sh
P=$B/bin/probes/storage
SMALL=(--size=4MiB --jobs=2 --bs=1MiB --qd=4 --rand_ios=2000 --rand_qd=8 --fsync_ios=20 --meta_files=300
	--reserve=0 --runtime=20s)
D=$TMP/target
mkdir -p "$D/existing/sub"
head -c 100000 /dev/urandom >"$D/existing/a.bin"
echo hello >"$D/existing/sub/b.txt"
ln -s a.bin "$D/existing/link"
mkdir "$D/.shakedown-storage-lookalike" && echo keep >"$D/.shakedown-storage-lookalike/data.0"
snapshot() { (cd "$1" && find . -mindepth 1 -printf '%p %y %m %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }
snapshot "$D" >"$TMP/before"
m() { jget "$1" "[m['value'] for m in d['metrics'] if m['name']=='$2'][0]"; }

timeout 120 "$P" --path="$D" "${SMALL[@]}" >"$TMP/ok.json" 2>"$TMP/ok.log"
expect "storage runs on a temp directory (exit 0)" [ $? -eq 0 ]
expect "its result matches the schema" schema probe-result "$TMP/ok.json"
expect "status ok" [ "$(jget "$TMP/ok.json" "d['status']")" = ok ]
for k in seqwrite_bw seqread_bw randread_iops randread_lat_p50 randread_lat_p99 randread_lat_p999 fsync_iops \
	fsync_lat_p99 meta_create_rate meta_stat_rate meta_read_rate meta_unlink_rate; do
	expect "$k is positive" /usr/bin/python3 -c "import sys; sys.exit(not $(m "$TMP/ok.json" $k) > 0)"
done
expect "percentiles are ordered (p50 <= p90 <= p99 <= p999)" [ "$(jget "$TMP/ok.json" \
	"[v for v in [[m['value'] for m in d['metrics'] if m['name']=='randread_lat_'+p][0] for p in ('p50','p90','p99','p999')]] == sorted([m['value'] for m in d['metrics'] if m['name'].startswith('randread_lat_')])")" = True ]
expect "data_mismatch is 0" [ "$(m "$TMP/ok.json" data_mismatch)" = 0 ]
expect "env says which engine ran" /usr/bin/python3 -c "import json,sys; sys.exit(json.load(open('$TMP/ok.json'))['env']['engine'] not in ('io_uring','psync'))"
# what is timed (METRICS.md, "What is timed"): the I/O alone; the log gives it and the untimed set-up apart,
# and seqwrite_bw and seqread_bw are the bytes over the timed seconds logged (printed to 1 ms)
expect "seq figures are bytes / timed I/O, set-up logged apart" /usr/bin/python3 - "$TMP/ok.json" "$TMP/ok.log" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
m = {x["name"]: x["value"] for x in d["metrics"] if not x.get("labels")}
log = open(sys.argv[2]).read()
for w in ("seqwrite", "seqread"):
    g = re.search(rf"{w}: (\d+) bytes in ([0-9.]+) s \(set-up before the timed I/O ([0-9.]+) s\)", log)
    if not g or abs(float(g[1]) / m[f"{w}_bw"] - float(g[2])) > 0.0006 or float(g[3]) < 0:
        sys.exit(f"{w}: log {g and g[0]!r}, figure {m.get(w + '_bw')}")
PY
snapshot "$D" >"$TMP/after"
expect "pre-existing files byte-for-byte untouched, nothing left behind" cmp -s "$TMP/before" "$TMP/after"

"$P" --path="$D" "${SMALL[@]}" --engine=psync --workloads=seqwrite,randread >"$TMP/psync.json" 2>/dev/null
expect "engine psync runs and says so" [ "$(jget "$TMP/psync.json" "d['status'] + ' ' + d['env']['engine']")" = "ok psync" ]
expect "only the workloads asked for are reported" [ "$(jget "$TMP/psync.json" \
	"sorted(m['name'] for m in d['metrics'] if m['name'].startswith(('seqread','meta')))")" = "[]" ]

SHAKEDOWN_FAULT=storage.corrupt "$P" --path="$D" "${SMALL[@]}" >"$TMP/bad.json" 2>/dev/null
expect "a corrupted read fails the probe" [ "$(jget "$TMP/bad.json" "d['status']")" = failed ]
expect "the reason names the file and offset" grep -q "data mismatch: 1 bad 4 KiB sectors read back, the first in '.shakedown-storage-[^/]*/data\.[0-9]*' at offset [0-9]* (contents damaged (bad crc32))" "$TMP/bad.json"
expect "data_mismatch is 1" [ "$(m "$TMP/bad.json" data_mismatch)" = 1 ]
SHAKEDOWN_FAULT=storage.corrupt "$P" --path="$D" "${SMALL[@]}" --workloads=meta >"$TMP/badmeta.json" 2>/dev/null
expect "a corrupted small file fails the probe too" [ "$(jget "$TMP/badmeta.json" "d['status']")" = failed ]

blk=$(find /dev -maxdepth 1 -type b 2>/dev/null | head -1)
if [ -n "$blk" ]; then
	"$P" --path="$blk" "${SMALL[@]}" >"$TMP/blk.json" 2>/dev/null
	expect "a block device is refused ($blk)" grep -q "refusing block device '$blk'" "$TMP/blk.json"
else
	echo "  skip block device refusal: no block device under /dev"
fi
"$P" --path="$D/existing/a.bin" "${SMALL[@]}" >"$TMP/file.json" 2>/dev/null
expect "a file is refused" grep -q "is not a directory" "$TMP/file.json"
"$P" --path="$D/nonexistent" "${SMALL[@]}" >"$TMP/none.json" 2>/dev/null
expect "a missing path is refused" grep -q "cannot use target path.*No such file or directory" "$TMP/none.json"
"$P" --path="$D" "${SMALL[@]}" --size=1PiB >"$TMP/space.json" 2>/dev/null
expect "too little free space: error before writing" grep -q "not enough free space in.*nothing written" "$TMP/space.json"

# SIGTERM mid-run: a long randread (runtime-bound), stopped after the work directory appears
"$P" --path="$D" --size=4MiB --jobs=1 --rand_ios=100000000 --runtime=60s --workloads=randread --reserve=0 \
	>"$TMP/term.json" 2>"$TMP/term.log" &
pid=$!
for _ in $(seq 100); do grep -q "work directory" "$TMP/term.log" && break; sleep 0.05; done
sleep 0.3
kill -TERM "$pid"
wait "$pid"
expect "SIGTERM: the probe still prints a document" schema probe-result "$TMP/term.json"
expect "SIGTERM: error 'interrupted'" [ "$(jget "$TMP/term.json" "d['status'] + ': ' + d['reason'][:22]")" = "error: interrupted by SIGTERM" ]
snapshot "$D" >"$TMP/after"
expect "SIGTERM: work directory removed, the rest untouched" cmp -s "$TMP/before" "$TMP/after"

# stale directory: a marker of this host and a dead pid (a reaped child's)
sh -c 'exit 0' & dead=$!; wait $dead
mkdir "$D/.shakedown-storage-$(hostname)-$dead-0000beef"
printf 'shakedown-storage-marker 1\nhost %s\npid %s\n' "$(hostname)" "$dead" >"$D/.shakedown-storage-$(hostname)-$dead-0000beef/.shakedown-storage-marker"
echo junk >"$D/.shakedown-storage-$(hostname)-$dead-0000beef/data.0"
"$P" --path="$D" "${SMALL[@]}" --workloads=fsync >"$TMP/stale.json" 2>"$TMP/stale.log"
expect "a stale work directory of a dead process is removed" [ ! -e "$D/.shakedown-storage-$(hostname)-$dead-0000beef" ]
expect "... and the log says so" grep -q "removed (stale" "$TMP/stale.log"
expect "env counts it" [ "$(jget "$TMP/stale.json" "d['env']['stale_removed']")" = 1 ]
snapshot "$D" >"$TMP/after"
expect "a look-alike directory without a marker is untouched" cmp -s "$TMP/before" "$TMP/after"

# Under a real `mpirun --oversubscribe -np 2`: file per process, rank 0 reports the aggregate
# (total bytes / slowest rank's time) and each rank's figures; rank r's stdout in $TMP/mpi.r.json.
if command -v mpirun >/dev/null 2>&1; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	snapshot "$D" >"$TMP/before"
	timeout 120 mpirun --oversubscribe -np 2 sh -c 'exec "$0" "$@" >"'"$TMP"'/mpi.$OMPI_COMM_WORLD_RANK.json"' \
		"$P" --path="$D" "${SMALL[@]}" 2>"$TMP/mpi.log"
	expect "mpirun np 2: exits 0" [ $? -eq 0 ]
	R=$TMP/mpi.0.json
	expect "mpirun np 2: rank 0's result matches the schema, status ok" [ "$(jget "$R" "d['status']")" = ok ]
	expect "mpirun np 2: rank 1 prints nothing" [ ! -s "$TMP/mpi.1.json" ]
	expect "mpirun np 2: env ranks 2" [ "$(jget "$R" "d['env']['ranks']")" = 2 ]
	expect "mpirun np 2: seqwrite_bw and randread_lat_p99 for ranks 0 and 1" [ "$(jget "$R" \
		"sorted(m['labels']['rank'] + m['name'] for m in d['metrics'] if m['name'] in ('seqwrite_bw','randread_lat_p99') and 'rank' in m.get('labels', {}))")" = "['0randread_lat_p99', '0seqwrite_bw', '1randread_lat_p99', '1seqwrite_bw']" ]
	# each rank wrote jobs x size = 8 MiB; its time is 8 MiB / its bw; aggregate = 16 MiB / slowest time
	expect "mpirun np 2: seqwrite_bw == total bytes / slowest rank's time" /usr/bin/python3 -c "
import json, sys
d = json.load(open('$R'))
per = [m['value'] for m in d['metrics'] if m['name'] == 'seqwrite_bw' and 'rank' in m.get('labels', {})]
agg = [m['value'] for m in d['metrics'] if m['name'] == 'seqwrite_bw' and not m.get('labels')][0]
b = 2 * 4 * 2**20
sys.exit(not abs(agg - len(per) * b / max(b / v for v in per)) <= 1e-6 * agg)"
	snapshot "$D" >"$TMP/after"
	expect "mpirun np 2: nothing left behind, the rest untouched" cmp -s "$TMP/before" "$TMP/after"
	timeout 120 mpirun --oversubscribe -np 2 sh -c '[ "$OMPI_COMM_WORLD_RANK" = 1 ] && export SHAKEDOWN_FAULT=storage.corrupt
		exec "$0" "$@" >"'"$TMP"'/mpibad.$OMPI_COMM_WORLD_RANK.json"' "$P" --path="$D" "${SMALL[@]}" 2>/dev/null
	expect "mpirun np 2: a corrupted read on rank 1 fails the probe, naming rank 1" [ "$(jget "$TMP/mpibad.0.json" \
		"d['status'] + ' ' + d['reason'][:34]")" = "failed data mismatch: 1 bad 4 KiB sectors" ]
	expect "... naming rank 1" grep -q "the first in rank 1 " "$TMP/mpibad.0.json"
	cat >"$TMP/mpi.yaml" <<YAML
plan: storage-mpi
steps:
  - id: st
    probe: storage
    launcher: {kind: mpirun, np: 2, args: [--oversubscribe]}
    with: {path: "$D", size: 4MiB, jobs: 1, qd: 4, rand_ios: 500, fsync_ios: 10, meta_files: 100, reserve: 0, runtime: 20s}
    timeout: 120s
YAML
	out=$("$SD" run "$TMP/mpi.yaml" -q --out "$TMP/runs" 2>/dev/null)
	expect "runner + mpirun np 2: the step is ok" [ "$(jget "$out/results.json" "d['steps'][0]['status']")" = ok ]
	snapshot "$D" >"$TMP/after"
	expect "runner + mpirun: nothing left behind" cmp -s "$TMP/before" "$TMP/after"
else
	echo "  skip MPI aggregate checks: mpirun not found (install openmpi-bin)"
fi

# ENOSPC on a real small filesystem
M=$TMP/tiny
mkdir -p "$M"
if mount -t tmpfs -o size=8M tmpfs "$M" 2>/dev/null; then
	"$P" --path="$M" --size=16MiB --jobs=1 --reserve=0 --workloads=seqwrite >"$TMP/nospace.json" 2>/dev/null
	expect "tmpfs 8 MiB, 16 MiB asked: refused before writing" grep -q "not enough free space in '$M'.*nothing written" "$TMP/nospace.json"
	SHAKEDOWN_FAULT=storage.skip_space_check "$P" --path="$M" --size=16MiB --jobs=1 --reserve=0 \
		--workloads=seqwrite,seqread >"$TMP/enospc.json" 2>/dev/null
	expect "ENOSPC mid-run: error naming the file and offset" grep -q "seqwrite: write '.shakedown-storage-[^/]*/data.0' at offset [0-9]*: No space left on device; work directory removed" "$TMP/enospc.json"
	expect "ENOSPC mid-run: status error" [ "$(jget "$TMP/enospc.json" "d['status']")" = error ]
	expect "ENOSPC mid-run: everything removed" [ -z "$(ls -A "$M")" ]
	umount "$M"
else
	echo "  skip ENOSPC checks: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)"
fi
finish
