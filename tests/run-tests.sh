#!/usr/bin/env bash
# run-tests.sh BUILDDIR - run every unit test binary and every end-to-end script.
# Each binary or script is one suite; the last line is "N passed, N failed".
set -u
B=${1:?usage: run-tests.sh BUILDDIR}
cd "$(dirname "$0")/.."
export SD_BUILD=$B
# detect_leaks is left at its default (on), so the MPI probes' own default
# (off: probes/lib/sanitize.h) holds for them alone.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 failed=()

run_one() {
	local name=$1; shift
	local start=$SECONDS
	echo "=== $name"
	if "$@"; then
		pass=$((pass + 1)); echo "--- PASS $name ($((SECONDS - start))s)"
	else
		fail=$((fail + 1)); failed+=("$name"); echo "--- FAIL $name ($((SECONDS - start))s)"
	fi
}

for t in "$B"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in tests/e2e/*.sh; do
	case $(basename "$t") in _*) continue ;; esac # sourced helpers
	run_one "e2e/$(basename "$t" .sh)" bash "$t" "$B"
done

echo
[ ${#failed[@]} -eq 0 ] || printf 'failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
