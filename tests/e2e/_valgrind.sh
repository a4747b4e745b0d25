# _valgrind.sh BUILDDIR - `make check-valgrind` (issue 12): the runner under
# valgrind's memcheck, on a build without sanitizers (BUILDDIR, which holds
# bin/shakedown, bin/probes/* and tests/probes/misbehave). It runs
#   - `shakedown run suites/quick.yaml` with the loopback registry
#     (tests/with-registry.sh, as `make run` does),
#   - the fault plan tests/e2e/plans/faults.yaml (crashes, hangs, garbage,
#     timeouts: the runner's error paths) and a run stopped by SIGINT,
#   - `validate` of every shipped plan and baseline, `report` (every format,
#     against a baseline too), `compare` (text and json), `baseline`, `probes`
#     on what those runs wrote.
# Only the runner is checked: the probes it starts are not traced
# (--trace-children=no; --child-silent-after-fork=yes for the moment between
# fork and exec). Every command must end with no memcheck error and no
# definitely lost block (--errors-for-leak-kinds=definite); each valgrind log
# is printed when it does not. Not run by `make check` (the leading '_' keeps
# run-tests.sh from running it), whose build is ASan's.
set -u
B=${1:?usage: tests/e2e/_valgrind.sh BUILDDIR}
cd "$(dirname "$0")/../.."
SD=$B/bin/shakedown
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sd-valgrind.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
checks=0 bad=0 t0=$SECONDS
VG_EXIT=99 # what valgrind exits with when it found an error

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind is not installed: apt-get install valgrind (make deps-check installs it with DEB_CHECK)" >&2
	exit 1
fi
for f in "$SD" "$B/bin/probes/sysinfo" "$B/tests/probes/misbehave"; do
	[ -x "$f" ] || {
		echo "$f is not built (make check-valgrind builds it)" >&2
		exit 1
	}
done

VG=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
	--error-exitcode=$VG_EXIT --trace-children=no --child-silent-after-fork=yes --num-callers=30)
# vg NAME ARGS...: run ARGS under memcheck (logging to $TMP/NAME.vg); returns the command's own status
vg() {
	local name=$1
	shift
	"${VG[@]}" --log-file="$TMP/$name.vg" "$@"
}
# verdict NAME CODE ALLOWED-CODES...: memcheck clean (no error, nothing definitely lost) and CODE allowed
verdict() {
	local name=$1 code=$2 want summary lost
	shift 2
	checks=$((checks + 1))
	summary=$(grep -ho 'ERROR SUMMARY: [0-9]* errors' "$TMP/$name.vg" | sort -u | tr '\n' ' ')
	lost=$(grep -ho 'definitely lost: [0-9,]* bytes' "$TMP/$name.vg" | sort -u | tr '\n' ' ')
	for want in "$@"; do
		if [ "$code" -eq "$want" ] && [ "$code" -ne $VG_EXIT ] && [ "$summary" = "ERROR SUMMARY: 0 errors " ] &&
			{ [ -z "$lost" ] || [ "$lost" = "definitely lost: 0 bytes " ]; }; then
			echo "  ok   $name: exit $code, ${summary}${lost:+, $lost} (at $((SECONDS - t0))s)"
			return 0
		fi
	done
	bad=$((bad + 1))
	echo "  FAIL $name: exit $code (allowed: $*), ${summary:-no ERROR SUMMARY}${lost:+, $lost}; valgrind's log:"
	sed -e '/^--[0-9]*-- /d' -e 's/^/       /' "$TMP/$name.vg" # less valgrind's own warnings
	return 1
}

t0=$SECONDS
# The harness itself: a program that leaks a block and reads uninitialised memory must fail it.
printf '#include <stdlib.h>\nint main(void)\n{\n\tint *p = malloc(64), r = p[3] ? 1 : 0;\n\tp = 0;\n\treturn r;\n}\n' |
	${CC:-cc} -O0 -g -x c -o "$TMP/leak" -
vg leak "$TMP/leak"
code=$?
if verdict leak $code 0 1 >/dev/null; then
	bad=$((bad + 1))
	echo "  FAIL the harness passed a program that leaks and reads uninitialised memory"
else
	bad=$((bad - 1))
	echo "  ok   the harness catches a definite leak and an uninitialised read (exit $code)"
fi
# The quick plan, as `make run` runs it. Its exit code depends on the machine (a warning, a failed check),
# never 2 (it must have run).
out=$(tests/with-registry.sh "${VG[@]}" --log-file="$TMP/run-quick.vg" "$SD" run suites/quick.yaml --out "$TMP/runs" \
	2>"$TMP/quick.err")
verdict run-quick $? 0 1 3
grep -E '^(plan |verdict:)' "$TMP/quick.err" | sed 's/^/       /'
R=$out/results.json
if [ ! -f "$R" ]; then
	echo "  FAIL the quick run wrote no results.json; its stderr:"
	sed 's/^/       /' "$TMP/quick.err"
	exit 1
fi

# The runner's error paths: every fault of the fault plan, then a run interrupted by SIGINT.
out2=$(SHAKEDOWN_PROBE_PATH=$B/tests/probes vg run-faults "$SD" run tests/e2e/plans/faults.yaml -q --out "$TMP/runs")
verdict run-faults $? 3
printf 'plan: slow\nsteps:\n  - {id: a, probe: misbehave, with: {mode: ok}}\n  - {id: b, probe: misbehave, with: {mode: sleep, seconds: 20s}}\n' >"$TMP/slow.yaml"
# valgrind itself in the background (not a function in a subshell, which would ignore SIGINT)
SHAKEDOWN_PROBE_PATH=$B/tests/probes "${VG[@]}" --log-file="$TMP/run-sigint.vg" "$SD" run "$TMP/slow.yaml" -q \
	--out "$TMP/int" >/dev/null &
pid=$!
for i in $(seq 300); do
	ls "$TMP"/int/slow-*/logs/b.log >/dev/null 2>&1 && break # step b started
	sleep 0.1
done
sleep 1
kill -INT $pid
wait $pid
verdict run-sigint $? 130

# The commands that read what the runs wrote.
vg validate "$SD" validate suites/*.yaml suites/baselines/*.yaml >/dev/null
verdict validate $? 0
mkdir -p "$TMP/rep1" "$TMP/rep2"
vg report "$SD" report "$R" --out "$TMP/rep1" --format md,html,json,junit,prom >/dev/null 2>&1
verdict report $? 0 1 3
vg report-baseline "$SD" report "$out2/results.json" --baseline suites/baselines/generic-cpu.yaml --out "$TMP/rep2" >/dev/null 2>&1
verdict report-baseline $? 0 1 3
vg compare "$SD" compare "$R" "$R" >/dev/null
verdict compare $? 0
vg compare-json "$SD" compare "$out2/results.json" "$R" --format json >/dev/null
verdict compare-json $? 0 1
vg baseline "$SD" baseline "$R" >"$TMP/gen.yaml"
verdict baseline $? 0
vg validate-generated "$SD" validate "$TMP/gen.yaml" >/dev/null
verdict validate-generated $? 0
vg probes "$SD" probes sysinfo >/dev/null
verdict probes $? 0
vg validate-bad "$SD" validate tests/data/plans/three-errors.yaml tests/data/plans/include-errors.yaml >/dev/null 2>&1
verdict validate-bad $? 2

echo "  $checks commands under valgrind, $bad failed ($((SECONDS - t0))s)"
[ "$bad" -eq 0 ]
