# _lib.sh - helpers for the end-to-end scripts (sourced, not run).
# Each script gets BUILDDIR as $1, runs from the repository root, and counts
# its own checks; any failed check makes the script exit 1 at the end.
set -u
B=${1:?usage: $0 BUILDDIR}
SD=$B/bin/shakedown
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sd-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
checks=0 bad=0

ok() { checks=$((checks + 1)); echo "  ok   $*"; }
not_ok() { checks=$((checks + 1)); bad=$((bad + 1)); echo "  FAIL $*"; }
# expect DESCRIPTION COMMAND... : the command must succeed
expect() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# expect_code CODE DESCRIPTION COMMAND...
expect_code() {
	local want=$1 d=$2; shift 2
	"$@"; local got=$?
	if [ "$got" -eq "$want" ]; then ok "$d (exit $got)"; else not_ok "$d: exit $got, wanted $want"; fi
}
# jq-free JSON queries with Debian's python3: jget FILE EXPR (EXPR uses `d`)
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
schema() { /usr/bin/python3 tests/schema-check.py "$@" >"$TMP/schema.out" 2>&1 || { cat "$TMP/schema.out"; return 1; }; }
finish() { echo "  $checks checks, $bad failed"; [ "$bad" -eq 0 ]; }
