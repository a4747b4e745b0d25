# faults.sh - probes that crash, hang, print garbage or nothing, flood stdout,
# break the protocol, are not executable or vanish mid-run; a runner that is
# interrupted or killed (SIGINT, SIGTERM, SIGKILL, then at random points); an
# output directory that fills up mid-run, or cannot be written at all; plans
# that are truncated, binary, huge (10,000 steps) or nested 100,000 levels
# deep; a results.json from a newer schema. Each must be isolated and reported
# (exit code and message) while the run goes on, and results.json must always
# parse and hold every finished step.
#
# known_bug marks a check that fails because of a bug not fixed yet (in a file
# someone else owns): it is printed, not counted; once it passes it fails as
# XPASS until the mark is removed.
. tests/e2e/_lib.sh
export SHAKEDOWN_PROBE_PATH=$B/tests/probes

start=$SECONDS
out=$("$SD" run tests/e2e/plans/faults.yaml --out "$TMP/runs" 2>"$TMP/err"); code=$?
expect "a run with probe errors exits 3" [ "$code" -eq 3 ]
expect "the fault run took less than 60s" [ $((SECONDS - start)) -lt 60 ]
R=$out/results.json
expect "results.json matches the schema" schema results "$R"
st() { jget "$R" "[s['status'] + ': ' + str(s['reason']) for s in d['steps'] if s['id']=='$1'][0]"; }
check_step() { # ID STATUS REASON-REGEX
	local got; got=$(st "$1")
	if [[ "$got" =~ ^$2:\ $3 ]]; then ok "$1 -> $got"; else not_ok "$1: got '$got', wanted '$2: $3'"; fi
}
check_step first-ok ok None
check_step hang error "timed out after 1s; stopped with SIGTERM"
check_step crash error "probe crashed: killed by signal 11 \(SIGSEGV\)"
check_step abort error "probe crashed: killed by signal 6 \(SIGABRT\)"
check_step garbage error "probe output is not one JSON document"
check_step empty error "probe printed no result"
check_step exit error "probe exited with status 7 without printing a result"
check_step huge error "stdout exceeded 64 MiB"
check_step schema error "probe output violates the protocol: "
check_step fail failed "."
check_step skip skipped "."
check_step error error "."
check_step grandchild error "timed out after 1s"
check_step repeated ok None
check_step last-ok ok None
expect "repeat 5 gives 5 attempts and 5 samples" [ "$(jget "$R" "[(len(s['attempts']), s['metrics'][0]['stats']['n']) for s in d['steps'] if s['id']=='repeated'][0]")" = "(5, 5)" ]
expect "the grandchild of a timed-out probe is gone" [ -z "$(pgrep -f 'misbehave --mode=fork-sleep' || true)" ]
expect "summary counts" [ "$(jget "$R" "(d['summary']['ok'], d['summary']['failed'], d['summary']['error'], d['summary']['skipped'])")" = "(3, 1, 10, 1)" ]
expect "stderr of a crashed probe is in its log" [ -s "$out/logs/crash.log" ]

# SIGINT while a step runs: exit 130, finished steps kept, the rest not run.
cat >"$TMP/slow.yaml" <<'PLAN'
plan: slow
steps:
  - {id: a, probe: misbehave, with: {mode: ok}}
  - {id: b, probe: misbehave, with: {mode: sleep, seconds: 30s}}
  - {id: c, probe: misbehave, with: {mode: ok}}
PLAN
wait_step_a() { # wait until results.json shows step a finished (bounded: 20 s)
	local i
	for i in $(seq 200); do
		r=$(ls "$TMP"/$1/slow-*/results.json 2>/dev/null | head -1)
		[ -n "$r" ] && grep -q '"probe":[[:space:]]*"misbehave"' "$r" 2>/dev/null &&
			[ "$(jget "$r" "d['steps'][0]['status']" 2>/dev/null)" = ok ] && return 0
		sleep 0.1
	done
	return 1
}
for sig in INT TERM; do
	"$SD" run "$TMP/slow.yaml" -q --out "$TMP/int$sig" >/dev/null 2>&1 &
	pid=$!
	expect "SIG$sig: step a finished before the signal" wait_step_a "int$sig"
	# step b started (its log exists), however loaded the machine is (bounded: 10 s)
	for i in $(seq 100); do
		ls "$TMP"/int$sig/slow-*/logs/b.log >/dev/null 2>&1 && break
		sleep 0.1
	done
	sleep 0.3
	kill -$sig $pid
	wait $pid; code=$?
	expect "SIG$sig: runner exits 130" [ "$code" -eq 130 ]
	r=$(ls "$TMP"/int$sig/slow-*/results.json)
	expect "SIG$sig: results.json matches the schema" schema results "$r"
	expect "SIG$sig: statuses a=ok b=interrupted c=not_run" [ "$(jget "$r" "' '.join(s['status'] for s in d['steps'])")" = "ok interrupted not_run" ]
	expect "SIG$sig: run marked interrupted" [ "$(jget "$r" "d['run']['status']")" = interrupted ]
	expect "SIG$sig: the report of what finished says INCOMPLETE" grep -q '^\*\*INCOMPLETE\*\*' "$(dirname "$r")/report.md"
done

# SIGKILL: nothing can be written at the end, yet results.json parses and keeps step a.
"$SD" run "$TMP/slow.yaml" -q --out "$TMP/kill" >/dev/null 2>&1 &
pid=$!
expect "SIGKILL: step a finished before the kill" wait_step_a kill
kill -KILL $pid
wait $pid 2>/dev/null
r=$(ls "$TMP"/kill/slow-*/results.json)
expect "SIGKILL: results.json matches the schema" schema results "$r"
expect "SIGKILL: step a kept, run still marked running" [ "$(jget "$r" "d['steps'][0]['status'] + ' ' + d['run']['status']")" = "ok running" ]
expect "SIGKILL: no temporary file left behind" [ -z "$(ls "$(dirname "$r")" | grep tmp)" ]
gone=0
for i in $(seq 50); do pgrep -f 'misbehave --mode=sleep --seconds=30s' >/dev/null || { gone=1; break; }; sleep 0.1; done
expect "SIGKILL: the runner's probe died with it (parent-death signal)" [ "$gone" -eq 1 ]

known_bug() { # known_bug DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then
		not_ok "XPASS (fixed? remove the known_bug mark in tests/e2e/faults.sh): $d"
	else
		echo "  KNOWN-BUG (not counted) $d"
	fi
}
# runs_of DIR: the run directories under DIR, one a line
runs_of() { ls -d "$1"/*/ 2>/dev/null | sed 's,/$,,'; }
no_tmp_left() { [ -z "$(find "$1" -name '*.tmp*' 2>/dev/null)" ]; }
statuses() { jget "$1" "' '.join(s['id'] + '=' + s['status'] for s in d['steps'])"; }

# ---- a probe binary that is not executable, or goes missing during the run ----
mkdir -p "$TMP/pp"
cp "$B/tests/probes/misbehave" "$TMP/pp/misbehave"
chmod 0644 "$TMP/pp/misbehave"
printf 'plan: ne\nsteps:\n  - {id: a, probe: misbehave, with: {mode: ok}}\n' >"$TMP/ne.yaml"
SHAKEDOWN_PROBE_PATH=$TMP/pp "$SD" run "$TMP/ne.yaml" --out "$TMP/ne" >/dev/null 2>"$TMP/err"
code=$?
expect "probe not executable: run exits 2" [ "$code" -eq 2 ]
expect "probe not executable: the message names the file ($(head -1 "$TMP/err"))" \
	grep -qF "ne.yaml:3:20: probe 'misbehave' is not an executable file: '$TMP/pp/misbehave'" "$TMP/err"
expect "probe not executable: nothing ran, no run directory" [ ! -e "$TMP/ne" ]
cat >"$TMP/gone.yaml" <<'PLAN'
plan: gone
steps:
  - {id: a, probe: misbehave, with: {mode: slow-ok, seconds: 1s}}
  - {id: b, probe: misbehave, with: {mode: ok}}
PLAN
for how in rm chmod; do
	rm -f "$TMP/pp/misbehave"
	cp "$B/tests/probes/misbehave" "$TMP/pp/misbehave"
	SHAKEDOWN_PROBE_PATH=$TMP/pp "$SD" run "$TMP/gone.yaml" --out "$TMP/gone-$how" -q >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 300); do # until step a's probe runs (it logs "still working")
		grep -qs "still working" "$(runs_of "$TMP/gone-$how")/logs/a.log" && break
		sleep 0.05
	done
	case $how in
	rm)
		rm -f "$TMP/pp/misbehave"
		why="No such file or directory"
		;;
	chmod)
		chmod 0644 "$TMP/pp/misbehave"
		why="Permission denied"
		;;
	esac
	wait $pid
	code=$?
	r=$(runs_of "$TMP/gone-$how")/results.json
	expect "probe binary ${how}'d during the run: exit 3 (probe error)" [ "$code" -eq 3 ]
	got=$(statuses "$r")
	expect "probe binary ${how}'d during the run: a ran, b is an error ($got)" [ "$got" = "a=ok b=error" ]
	expect "probe binary ${how}'d during the run: b's reason says why" \
		[ "$(jget "$r" "d['steps'][1]['reason']")" = "cannot execute '$TMP/pp/misbehave': $why" ]
done

# ---- SIGINT, SIGTERM or SIGKILL at random points ----
# Every step the runner reported finished (its progress line) must be in
# results.json with that status; results.json must match the schema whenever
# it exists. SD_SEED=N repeats a sequence.
seed=${SD_SEED:-$(($(date +%s) % 100000))}
RANDOM=$seed
echo "  random kills: SD_SEED=$seed"
cat >"$TMP/rnd.yaml" <<'PLAN'
plan: rnd
steps:
  - {id: s1, probe: misbehave, with: {mode: ok}}
  - {id: s2, probe: misbehave, with: {mode: sleep, seconds: 300ms}}
  - {id: s3, probe: misbehave, with: {mode: fail}}
  - {id: s4, probe: misbehave, with: {mode: slow-ok, seconds: 400ms}}
  - {id: s5, probe: misbehave, with: {mode: ok}, repeat: 3}
  - {id: s6, probe: misbehave, with: {mode: sleep, seconds: 300ms}}
PLAN
for k in 1 2 3 4 5 6; do
	sig=$(echo INT TERM KILL | cut -d' ' -f$((RANDOM % 3 + 1)))
	delay=$(printf '%d.%02d' $((RANDOM % 3)) $((RANDOM % 100)))
	"$SD" run "$TMP/rnd.yaml" --out "$TMP/rnd$k" >/dev/null 2>"$TMP/rnd$k.err" &
	pid=$!
	sleep "$delay"
	kill -"$sig" $pid 2>/dev/null
	wait $pid 2>/dev/null
	code=$?
	r=$(runs_of "$TMP/rnd$k")/results.json
	# the steps the runner said were finished, as id=status
	done_steps=$(sed -n 's/^\[[0-9]*\/[0-9]*\] \(s[0-9]\) (misbehave) \(ok\|failed\|error\|skipped\) .*/\1=\2/p' \
		"$TMP/rnd$k.err" | tr '\n' ' ')
	what="kill $k (SIG$sig after ${delay}s, exit $code, finished: ${done_steps:-none})"
	if [ ! -f "$r" ]; then
		expect "$what: no results.json only when no step finished" [ -z "$done_steps" ]
		continue
	fi
	expect "$what: results.json matches the schema" schema results "$r"
	all=" $(statuses "$r") "
	lost=""
	for s in $done_steps; do
		case $all in *" $s "*) ;; *) lost="$lost $s" ;; esac
	done
	expect "$what: every finished step is in results.json${lost:+ (lost:$lost)}" [ -z "$lost" ]
	case $sig:$code in
	INT:130 | TERM:130 | KILL:137 | *:1) ok "$what: the exit code fits the signal (1: the run ended first)" ;;
	*) not_ok "$what: exit $code does not fit SIG$sig" ;;
	esac
	# (SIGKILL during an atomic write may leave its temporary file: nothing can remove it)
	[ "$sig" = KILL ] || expect "$what: no temporary file left" no_tmp_left "$(dirname "$r")"
done

# ---- the output directory's disk fills up during the run ----
# The run must say so and exit non-zero; results.json must still parse and
# hold what was saved before. (Turning it read-only mid-run cannot be done:
# a remount fails while the runner has files open for writing.)
mnt=$TMP/mnt
mkdir -p "$mnt"
cat >"$TMP/disk.yaml" <<'PLAN'
plan: disk
steps:
  - {id: a, probe: misbehave, with: {mode: ok}}
  - {id: b, probe: misbehave, with: {mode: sleep, seconds: 1s}}
  - {id: c, probe: misbehave, with: {mode: ok}}
PLAN
wait_a_saved() { # DIR: wait until DIR's results.json shows step a ok (bounded: 20 s)
	local i r
	for i in $(seq 200); do
		r=$(runs_of "$1")/results.json
		[ -f "$r" ] && [ "$(jget "$r" "d['steps'][0]['status']" 2>/dev/null)" = ok ] && return 0
		sleep 0.1
	done
	return 1
}
if ! mount -t tmpfs -o size=2m tmpfs "$mnt" 2>"$TMP/mount.err"; then
	echo "  skip full-disk case: cannot mount a tmpfs ($(cat "$TMP/mount.err"))"
else
	trap 'umount "$mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
	how=full
	"$SD" run "$TMP/disk.yaml" --out "$mnt/$how" >/dev/null 2>"$TMP/$how.err" &
	pid=$!
	expect "$how: step a saved before the disk fills up" wait_a_saved "$mnt/$how"
	dd if=/dev/zero of="$mnt/filler" bs=64k status=none 2>/dev/null
	want="No space left on device"
	wait $pid
	code=$?
	r=$(runs_of "$mnt/$how")/results.json
	expect "$how: the error is on stderr ('$want')" grep -q "^shakedown: cannot .*$want" "$TMP/$how.err"
	expect "$how: the run exits 3 when results cannot be written (exit $code)" [ "$code" -eq 3 ]
	expect "$how: the summary says RESULTS NOT WRITTEN, not PASSED" \
		sh -c "grep -q 'RESULTS NOT WRITTEN' '$TMP/$how.err' && ! grep -q PASSED '$TMP/$how.err'"
	expect "$how: results.json matches the schema (not corrupt)" schema results "$r"
	expect "$how: results.json keeps step a" [ "$(jget "$r" "d['steps'][0]['status']")" = ok ]
	expect "$how: no temporary file left" no_tmp_left "$(dirname "$r")"
	rm -f "$mnt/filler"
	umount "$mnt"
fi

# ---- an output directory that cannot be written at all ----
if mount -t tmpfs -o ro,size=1m tmpfs "$mnt" 2>/dev/null; then
	"$SD" run "$TMP/disk.yaml" --out "$mnt" -q >/dev/null 2>"$TMP/err"
	code=$?
	expect "read-only --out: exit 2" [ "$code" -eq 2 ]
	expect "read-only --out: says so" \
		grep -q "^shakedown: cannot create run directory '$mnt/disk-[0-9TZ]*': Read-only file system" "$TMP/err"
	"$SD" run "$TMP/disk.yaml" --out "$mnt/sub" -q >/dev/null 2>"$TMP/err"
	code=$?
	expect "read-only --out DIR/sub: exit 2, says so" [ "$code" -eq 2 ] && grep -q "Read-only file system" "$TMP/err"
	umount "$mnt"
else
	echo "  skip read-only output directory: cannot mount a tmpfs"
fi
: >"$TMP/plainfile"
"$SD" run "$TMP/disk.yaml" --out "$TMP/plainfile/sub" -q >/dev/null 2>"$TMP/err"
code=$?
expect "--out under a regular file: exit 2" [ "$code" -eq 2 ]
expect "--out under a regular file: says so" \
	grep -qF "cannot create output directory '$TMP/plainfile/sub': Not a directory" "$TMP/err"
"$SD" run "$TMP/disk.yaml" --out "$TMP/plainfile" -q >/dev/null 2>"$TMP/err"
code=$?
expect "--out is a regular file: exit 2, says so" [ "$code" -eq 2 ] && grep -q "Not a directory" "$TMP/err"

# ---- truncated and binary plans: exit 0 or 2, every error as file:line:col ----
# validate_bad FILE DESCRIPTION: exit 2, at least one message, every stderr line "FILE:L:C: ..."
validate_bad() {
	"$SD" validate "$1" >/dev/null 2>"$TMP/verr"
	local code=$?
	if [ "$code" -eq 2 ] && [ -s "$TMP/verr" ] && ! grep -qvE "^$1:[0-9]+:[0-9]+: " "$TMP/verr"; then
		ok "$2 (exit 2: $(head -1 "$TMP/verr" | cut -c1-110))"
	else
		not_ok "$2: exit $code, stderr: $(head -3 "$TMP/verr" | cut -c1-200)"
	fi
}
P=tests/e2e/plans/faults.yaml
size=$(stat -c %s "$P")
badcut=""
for cut in $(seq 7 53 "$size"); do
	head -c "$cut" "$P" >"$TMP/trunc.yaml"
	"$SD" validate "$TMP/trunc.yaml" >/dev/null 2>"$TMP/verr"
	code=$?
	case $code in
	0) ;;
	2) grep -qvE "^$TMP/trunc.yaml:[0-9]+:[0-9]+: " "$TMP/verr" && badcut="$badcut $cut(message)" ;;
	*) badcut="$badcut $cut(exit $code)" ;;
	esac
done
expect "$P cut at every 53rd byte: exit 0 or 2, messages file:line:col${badcut:+ (bad:$badcut)}" [ -z "$badcut" ]
printf 'plan: t\ndescription: "caf\xc3' >"$TMP/utf8cut.yaml"
validate_bad "$TMP/utf8cut.yaml" "a plan cut inside a UTF-8 character"
printf 'plan: t\nsteps:\n  - {id: a, probe: misbehave, with: {mode: "ok' >"$TMP/quotecut.yaml"
validate_bad "$TMP/quotecut.yaml" "a plan cut inside a quoted string"
/usr/bin/python3 -c "import random,sys; r=random.Random(12); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(65536)))" \
	>"$TMP/random.yaml"
validate_bad "$TMP/random.yaml" "64 KiB of random bytes"
cp /bin/true "$TMP/elf.yaml"
validate_bad "$TMP/elf.yaml" "an ELF executable as a plan"
head -c 5M /dev/zero >"$TMP/big.yaml"
"$SD" validate "$TMP/big.yaml" >/dev/null 2>"$TMP/err"
code=$?
expect "a 5 MiB plan: exit 2, refused by size" [ "$code" -eq 2 ] &&
	grep -qFx "cannot read plan '$TMP/big.yaml': larger than 4 MiB" "$TMP/err"
printf 'plan: nul\x00\x00\nsteps: []\n' >"$TMP/nul.yaml"
validate_bad "$TMP/nul.yaml" "a plan with NUL bytes"
"$SD" run "$TMP/elf.yaml" --out "$TMP/elfrun" -q >/dev/null 2>&1
code=$?
expect "run of a binary plan: exit 2, no run directory" [ "$code" -eq 2 ] && [ ! -e "$TMP/elfrun" ]

# ---- a huge plan: 10,000 steps ----
/usr/bin/python3 - "$TMP/huge.yaml" "$TMP/huge-bad.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("plan: huge\ndescription: 10,000 steps\nsteps:\n")
    for i in range(10000):
        f.write("  - {id: s%d, probe: misbehave, with: {mode: ok}}\n" % i)
with open(sys.argv[2], "w") as f:
    f.write("plan: hugebad\nsteps:\n")
    for i in range(10000):
        f.write("  - {id: s%d, probe: misbehave, with: {mdoe: ok}}\n" % i)
PY
t0=$SECONDS
"$SD" validate "$TMP/huge.yaml" >"$TMP/out" 2>&1
code=$?
expect "10,000-step plan validates (exit $code, $((SECONDS - t0))s)" [ "$code" -eq 0 ] &&
	grep -qF "ok (plan 'huge', 10000 steps)" "$TMP/out"
expect "10,000-step plan validates in under 30s" [ $((SECONDS - t0)) -lt 30 ]
t0=$SECONDS
"$SD" validate "$TMP/huge-bad.yaml" >/dev/null 2>"$TMP/err"
code=$?
expect "10,000 errors: exit 2, all 10,000 reported, in under 30s ($((SECONDS - t0))s)" \
	[ "$code" -eq 2 ] && [ "$(grep -c "unknown parameter 'mdoe'" "$TMP/err")" -eq 10000 ] && [ $((SECONDS - t0)) -lt 30 ]
# A full run takes ~0.1 s a step here (17 minutes): run the last step, which plans all 10,000.
out=$("$SD" run "$TMP/huge.yaml" -q --out "$TMP/huge" --only s9999)
code=$?
expect "10,000-step plan: --only s9999 runs (exit $code)" [ "$code" -eq 0 ] && [ "$(statuses "$out/results.json")" = "s9999=ok" ]

# ---- deeply nested YAML (and JSON): a clear error, not a stack overflow ----
/usr/bin/python3 - "$TMP" <<'PY'
import sys
d, n = sys.argv[1], 100000
open(d + "/deep-seq.yaml", "w").write("plan: deep\nsteps: " + "[" * n + "]" * n + "\n")
open(d + "/deep-map.yaml", "w").write("plan: deep\nsteps:\n  - {id: a, probe: misbehave, with: " + "{a: " * n + "1" + "}" * n + "}\n")
open(d + "/deep-block.yaml", "w").write("plan: deep\ndescription:\n" + "".join(" " * (i + 1) + "k%d:\n" % i for i in range(1000)))
open(d + "/deep-baseline.yaml", "w").write("baseline: deep\nchecks: " + "[" * n + "]" * n + "\n")
open(d + "/deep.json", "w").write('{"schema_version": 1, "steps": [], "x": ' + "[" * n + "]" * n + "}\n")
PY
for f in deep-seq deep-map deep-block deep-baseline; do
	validate_bad "$TMP/$f.yaml" "$f: nested 100,000 (block: 1,000) levels deep"
	expect "$f: says it is nested too deep" grep -q "nesting deeper than [0-9]* levels" "$TMP/verr"
done
"$SD" run "$TMP/deep-seq.yaml" -q --out "$TMP/deeprun" >/dev/null 2>&1
code=$?
expect "run of a deeply nested plan: exit 2" [ "$code" -eq 2 ]
"$SD" report "$TMP/deep.json" --out "$TMP/deeprep" >/dev/null 2>"$TMP/err"
code=$?
expect "report of a results.json nested 100,000 deep: exit 2, says it is not JSON" \
	[ "$code" -eq 2 ] && grep -q "is not JSON" "$TMP/err"
"$SD" compare "$TMP/deep.json" "$TMP/deep.json" >/dev/null 2>"$TMP/err"
code=$?
expect "compare of a results.json nested 100,000 deep: exit 2, says it is not JSON" \
	[ "$code" -eq 2 ] && grep -q "is not JSON" "$TMP/err"

# ---- a results.json from a newer schema version ----
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['schema_version']=2; json.dump(d,open(sys.argv[2],'w'))" \
	"$R" "$TMP/v2.json"
want="'$TMP/v2.json': results schema version 2 is not supported (this shakedown reads version 1)"
"$SD" report "$TMP/v2.json" --out "$TMP/v2rep" >/dev/null 2>"$TMP/err"
code=$?
expect "report of a schema version 2 results.json: exit 2" [ "$code" -eq 2 ]
expect "report: says the version is not supported" grep -qF "$want" "$TMP/err"
expect "report: writes nothing" [ ! -e "$TMP/v2rep" ]
"$SD" compare "$R" "$TMP/v2.json" >/dev/null 2>"$TMP/err"
code=$?
expect "compare OLD v2.json: exit 2, says the version is not supported" [ "$code" -eq 2 ] && grep -qF "$want" "$TMP/err"
"$SD" compare "$TMP/v2.json" "$R" >/dev/null 2>"$TMP/err"
code=$?
expect "compare v2.json NEW: exit 2, says the version is not supported" [ "$code" -eq 2 ] && grep -qF "$want" "$TMP/err"
"$SD" baseline "$TMP/v2.json" >/dev/null 2>"$TMP/err"
code=$?
expect "baseline from a schema version 2 results.json: exit 2, says why" [ "$code" -eq 2 ] && grep -qF "$want" "$TMP/err"
finish
