#!/usr/bin/env bash
# run-fuzz.sh [--fresh] FUZZDIR SECONDS NAME... - replay and run the libFuzzer harnesses (tests/fuzz/README.md).
#
# For each NAME: replay every file in tests/fuzz/regress/NAME/ once, then fuzz for SECONDS seconds from the
# seeds in tests/fuzz/corpus/NAME/ (new inputs go to FUZZDIR/corpus/NAME, which later runs start from too;
# with --fresh, as `make check` runs it, to an emptied FUZZDIR/corpus-fresh/NAME instead, so that the time
# libFuzzer spends first running a grown corpus cannot stretch the check).
# FUZZ_JOBS harnesses run at a time (default 2). A crash, leak, sanitizer report or timeout fails the run and
# prints the reproducer's path and the command that replays it. Exit status: 0 when every harness passed.
set -u
fresh=0
if [ "${1:-}" = --fresh ]; then
	fresh=1
	shift
fi
D=${1:?usage: run-fuzz.sh [--fresh] FUZZDIR SECONDS NAME...}
T=${2:?usage: run-fuzz.sh [--fresh] FUZZDIR SECONDS NAME...}
shift 2
cd "$(dirname "$0")/../.." || exit 2
JOBS=${FUZZ_JOBS:-2}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TMPDIR=$D/tmp
mkdir -p "$TMPDIR"

# Longest input each harness is given (bytes): documents are a few KiB, so this bounds the time per input.
max_len() {
	case $1 in
	results) echo 65536 ;;
	plan | baseline | yamltree | probe) echo 16384 ;;
	registry) echo 8192 ;;
	units) echo 256 ;;
	*) echo 4096 ;;
	esac
}

# One harness; its output goes to FUZZDIR/logs/NAME.log. Prints one line; returns non-zero on a finding.
run_one() {
	local name=$1 bin=$D/tests/fuzz/fuzz_$1 log=$D/logs/$1.log art=$D/artifacts/$1/ work=$D/corpus/$1
	local regress=tests/fuzz/regress/$1 seeds=tests/fuzz/corpus/$1 dict=tests/fuzz/dict/$1.dict files=()
	local start=$SECONDS rc=0
	if [ $fresh -eq 1 ]; then
		work=$D/corpus-fresh/$1
		rm -rf "$work"
	fi
	mkdir -p "$art" "$work" "$(dirname "$log")"
	: >"$log"
	if [ -d "$regress" ]; then
		mapfile -t files < <(find "$regress" -type f ! -name '*.md' | sort)
	fi
	if [ ${#files[@]} -gt 0 ] && ! "$bin" -artifact_prefix="$art" "${files[@]}" >>"$log" 2>&1 </dev/null; then
		echo "fuzz $name: FAIL: a reproducer in tests/fuzz/regress/$name crashes (see the notes there)"
		sed -n '/ERROR: \|runtime error\|Running: /p' "$log" | head -5 | sed 's/^/  /'
		echo "  log: $log"
		return 1
	fi
	local opts=(-max_total_time="$T" -max_len="$(max_len "$name")" -timeout=10 -rss_limit_mb=2048
		-artifact_prefix="$art" -print_final_stats=1)
	[ -f "$dict" ] && opts+=(-dict="$dict")
	"$bin" "${opts[@]}" "$work" "$seeds" >>"$log" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 0 ]; then
		local unit
		unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "fuzz $name: FAIL (exit $rc) after $((SECONDS - start))s"
		grep -m3 'ERROR: \|runtime error\|SUMMARY' "$log" | sed 's/^/  /'
		echo "  reproducer: ${unit:-none written (see the log)}"
		[ -n "$unit" ] && echo "  replay: $bin $unit"
		echo "  log: $log"
		echo "  once fixed: cp $unit tests/fuzz/regress/$name/ (see tests/fuzz/README.md)"
		return 1
	fi
	echo "fuzz $name: ok, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in $((SECONDS - start))s," \
		"$(grep -o 'cov: [0-9]*' "$log" | tail -1), ${#files[@]} regressions replayed"
}

fail=0
rm -rf "$D/status" && mkdir -p "$D/status"
for name in "$@"; do
	if [ ! -x "$D/tests/fuzz/fuzz_$name" ]; then
		echo "fuzz $name: FAIL: $D/tests/fuzz/fuzz_$name not built"
		fail=1
		continue
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	{
		run_one "$name"
		echo $? >"$D/status/$name"
	} &
done
wait
for name in "$@"; do
	[ "$(cat "$D/status/$name" 2>/dev/null)" = 0 ] || fail=1
done
[ $fail -eq 0 ] || echo "fuzz: FAILED (reproducers above; tests/fuzz/README.md says how to keep one as a regression)"
exit $fail
