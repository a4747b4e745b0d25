# probes.sh - every built probe, without being told about it: its --describe
# and its result (with default parameters) match the protocol's JSON Schemas,
# its parameters are documented, and METRICS.md has a section for it.
. tests/e2e/_lib.sh

# Default parameters, except where a default means minutes of work: those
# probes get a small run here (their own e2e script covers the defaults' logic).
small() {
	case $1 in
	membw) echo --size=8MiB --reps=3 ;;
	gemm) echo --cpu_shapes=128x128x128 --reps=2 ;;
	soak) echo --target=cpu --duration=1s --interval=250ms ;;
	storage) echo --path="$TMP" --size=4MiB --jobs=2 --rand_ios=2000 --fsync_ios=20 --meta_files=200 --reserve=0 ;;
	esac
}

n=0
for p in "$B"/bin/probes/* "$B"/tests/probes/*; do
	[ -x "$p" ] || continue
	name=$(basename "$p"); n=$((n + 1))
	"$p" --describe >"$TMP/$name.describe.json"
	expect "$name --describe matches the schema" schema probe-describe "$TMP/$name.describe.json"
	expect_code 0 "$name --help" "$p" --help >/dev/null
	expect_code 2 "$name rejects an unknown parameter" "$p" --no-such-parameter=1 2>/dev/null
	# shellcheck disable=SC2046
	"$p" $(small "$name") >"$TMP/$name.json" 2>"$TMP/$name.log"
	expect "$name result matches the schema" schema probe-result "$TMP/$name.json"
	case "$p" in "$B"/bin/probes/*)
		expect "probes/METRICS.md has a section for $name" grep -q "^## \`$name\`" probes/METRICS.md ;;
	esac
done
expect "found probes to check" [ "$n" -ge 2 ]
finish
