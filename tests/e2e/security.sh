# security.sh - what issue 12 asks of shakedown's security, checked:
#   1. no shell: no C file calls system() or popen(), or execs a shell
#      (execl/execlp/execv... of sh/bash, or with "-c"), and no product code
#      names a shell's path; the scan is run on planted samples to show that
#      it catches each form (and not look-alikes: comments, strings, members);
#   2. the files of a run directory, and of `shakedown report --out`, are
#      neither world-writable nor executable, even under umask 000;
#   3. secrets: a run pulling from a loopback registry with credentials (from
#      an environment variable, from a docker config.json, wrong ones, and in
#      the URL) leaves the password, plain or base64 "user:password", in no
#      file the run wrote and nowhere on its stdout or stderr.
# (Hostile strings in report.html are checked in headless Chromium by html.sh.)
. tests/e2e/_lib.sh
. tests/e2e/_registry-fixture.sh
trap 'reg_stop_all; [ -n "${KEEP:-}" ] && cp -r "$TMP" "$KEEP"; rm -rf "$TMP"' EXIT
export SHAKEDOWN_PROBE_PATH=$B/tests/probes

# ---- 1. no shell ----
# scan DIR...: one finding a line, "FILE:LINE: what"; tests/unit/ may call
# system() (fixed clean-up commands in test fixtures) and name /bin/sh as data.
scan() {
	/usr/bin/python3 - "$@" <<'PY'
import os, re, sys

SHELL = re.compile(r"^(/usr)?(/s?bin/)?(ba|da|k|z|c|tc|fi)?sh$")
EXEC = re.compile(r"(?<![\w.>$])(execl|execlp|execle|execv|execvp|execve|execvpe|fexecve|posix_spawnp?)\s*\(")
CALL = re.compile(r"(?<![\w.>$])(system|popen)\s*\(")
TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)

def split(text):
    """code without comments (strings blanked) and the list of (offset, string literal)."""
    code, strings, pos = [], [], 0
    for m in TOKEN.finditer(text):
        code.append(text[pos:m.start()])
        t = m.group(0)
        if t.startswith("/"):
            code.append(re.sub(r"[^\n]", " ", t))
        else:
            strings.append((m.start(), t[1:-1]))
            code.append(t[0] + " " * (len(t) - 2) + t[-1])
        pos = m.end()
    code.append(text[pos:])
    return "".join(code), strings

def close_paren(code, i):
    depth = 0
    for j in range(i, len(code)):
        if code[j] == "(":
            depth += 1
        elif code[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(code)

for root in sys.argv[1:]:
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith((".c", ".h", ".cu")):
                continue
            path = os.path.join(dirpath, f)
            text = open(path, encoding="utf-8", errors="replace").read()
            code, strings = split(text)
            line = lambda off: text.count("\n", 0, off) + 1
            unit = "/tests/unit/" in "/" + os.path.normpath(path)
            for m in CALL.finditer(code):
                if not unit:
                    print("%s:%d: calls %s(): run programs with an argv array" % (path, line(m.start()), m.group(1)))
            for m in EXEC.finditer(code):
                end = close_paren(code, m.end() - 1)
                args = [s for off, s in strings if m.end() <= off < end]
                if any(SHELL.match(s) or s == "-c" for s in args):
                    print("%s:%d: %s() of a shell (%s)" % (path, line(m.start()), m.group(1), ", ".join('"%s"' % s for s in args)))
            for off, s in strings:
                if not unit and SHELL.match(s) and "/" in s:
                    print("%s:%d: names the shell \"%s\": run programs with an argv array, never a shell" % (path, line(off), s))
PY
}
dirs=()
for d in probes runner reports tests; do [ -d "$d" ] && dirs+=("$d"); done
scan "${dirs[@]}" >"$TMP/scan.all"
cp "$TMP/scan.all" "$TMP/scan.out"
if [ -s "$TMP/scan.out" ]; then
	not_ok "no C file calls system()/popen() or execs a shell:"
	sed 's/^/       /' "$TMP/scan.out"
else
	ok "no C file calls system()/popen() or execs a shell ($(find "${dirs[@]}" -name '*.[ch]' -o -name '*.cu' | wc -l) files)"
fi

# The scan on planted samples: every bad form caught, with its line; no look-alike reported.
S=$TMP/scan-sample
mkdir -p "$S/src" "$S/tests/unit"
printf '#include <stdlib.h>\nint f(const char *c)\n{\n\treturn system(c);\n}\n' >"$S/src/bad_system.c"
printf '#include <stdio.h>\nFILE *f(const char *c) { return popen (c, "r"); }\n' >"$S/src/bad_popen.c"
printf '#include <unistd.h>\nvoid f(const char *c)\n{\n\texecl("/bin/sh", "sh", "-c", c, (char *)NULL);\n}\n' >"$S/src/bad_execl.c"
printf '#include <unistd.h>\nvoid f(const char *c) { execlp("bash", "bash", "-c", c, NULL); }\n' >"$S/src/bad_execlp.c"
printf '#include <unistd.h>\nvoid f(char *c)\n{\n\tchar *const v[] = { "/bin/sh", "-c", c, NULL };\n\texecv(v[0], v);\n}\n' >"$S/src/bad_argv.c"
printf '#include <unistd.h>\nvoid f(char *c)\n{\n\texecle(\n\t\t"/usr/bin/dash",\n\t\t"dash", c, NULL, NULL);\n}\n' >"$S/src/bad_multiline.cu"
printf 'int f(const char *c) { return system(c); }\nconst char *sh = "/bin/sh";\n' >"$S/tests/unit/test_allowed.c"
printf 'void g(const char *c) { execl("/bin/sh", "sh", "-c", c, (char *)0); }\n' >"$S/tests/unit/test_exec.c"
cat >"$S/src/clean.c" <<'C'
/* system() and popen() are banned; execl("/bin/sh", "sh", "-c") too */
#include <unistd.h>
struct ops { int (*system)(void); int (*popen)(void); };
int my_system(int x);
const char *doc = "never call system(cmd) or popen(cmd)";
int f(struct ops *o, struct ops p, char *const *argv)
{
	// popen(x) in a comment
	execv(argv[0], argv); /* an argv array: fine */
	return o->system() + p.popen() + my_system(1) + (int)sizeof("sh -c");
}
C
scan "$S" >"$TMP/sample.out"
caught() { if grep -q "^$S/$1: $2" "$TMP/sample.out"; then ok "scan catches $3"; else not_ok "scan misses $3"; fi; }
caught "src/bad_system.c:4" "calls system()" "system()"
caught "src/bad_popen.c:2" "calls popen()" "popen()"
caught "src/bad_execl.c:4" 'execl() of a shell' 'execl("/bin/sh", "sh", "-c", ...)'
caught "src/bad_execlp.c:2" 'execlp() of a shell' 'execlp("bash", "bash", "-c", ...)'
caught "src/bad_argv.c:4" 'names the shell "/bin/sh"' 'an argv array naming /bin/sh'
caught "src/bad_multiline.cu:4" 'execle() of a shell' "an exec of a shell over several lines (.cu)"
caught "tests/unit/test_exec.c:1" 'execl() of a shell' "an exec of a shell in a unit test"
expect "scan reports nothing in clean.c (look-alikes in comments, strings, members, other names)" \
	sh -c "! grep -q '/clean.c:' '$TMP/sample.out'"
expect "scan allows system() and a shell's name as data in tests/unit/" \
	sh -c "! grep -q '/test_allowed.c:' '$TMP/sample.out'"

# ---- 2. permissions of what a run writes ----
cat >"$TMP/perm.yaml" <<'PLAN'
plan: perm
steps:
  - {id: a, probe: misbehave, with: {mode: ok}, repeat: 2}
  - {id: b, probe: misbehave, with: {mode: fail}}
PLAN
out=$(umask 000 && "$SD" run "$TMP/perm.yaml" -q --out "$TMP/runs/deeper")
mkdir -p "$TMP/rerender/new"
(umask 000 && "$SD" report "$out/results.json" --out "$TMP/rerender/new" >/dev/null 2>&1)
for d in "$out" "$TMP/rerender/new"; do
	expect "$(basename "$d"): files were written" [ -s "$d/report.md" ]
	find "$d" "$TMP/runs" -perm -0002 >"$TMP/ww"
	expect "$(basename "$d") (umask 000): nothing world-writable$(head -3 "$TMP/ww" | tr '\n' ' ')" [ ! -s "$TMP/ww" ]
	find "$d" -type f -perm /0111 >"$TMP/xx"
	expect "$(basename "$d") (umask 000): no file is executable$(head -3 "$TMP/xx" | tr '\n' ' ')" [ ! -s "$TMP/xx" ]
	find "$d" -type f ! -perm -0400 >"$TMP/nr"
	expect "$(basename "$d"): every file is readable by its owner" [ ! -s "$TMP/nr" ]
done
# ... and the checks can fail: a planted world-writable file and an executable one are found
cp -r "$out" "$TMP/planted"
chmod o+w "$TMP/planted/report.md"
chmod u+x "$TMP/planted/results.json"
expect "the permission checks find a planted world-writable and a planted executable file" \
	[ "$(find "$TMP/planted" -perm -0002)" = "$TMP/planted/report.md" ] &&
	[ "$(find "$TMP/planted" -type f -perm /0111)" = "$TMP/planted/results.json" ]
expect "the run wrote results.json, the reports and logs" \
	[ -f "$out/results.json" ] && [ -f "$out/report.html" ] && [ -f "$out/junit.xml" ] && [ -f "$out/logs/a.log" ]

# ---- 3. secrets ----
if ! why=$(reg_have_tools); then
	echo "  skip secrets: $why"
	finish
	exit
fi
PW="pw-$RANDOM-S3cr3t-$RANDOM$RANDOM"
b64=$(printf 'alice:%s' "$PW" | base64)
expect "fixture image built" reg_build_image "$TMP/img" 64 32
expect "registry with Basic auth (alice) on 127.0.0.1" reg_start "$TMP/reg" alice "$PW"
expect "image pushed with credentials" reg_push "$TMP/img" test/app:v1
/usr/bin/python3 -c 'import json,sys; print(json.dumps({"auths": {"127.0.0.1:"+sys.argv[1]: {"auth": sys.argv[2]}}}))' \
	"$REG_PORT" "$b64" >"$TMP/regauth.conf"
cat >"$TMP/secret.yaml" <<PLAN
plan: secret
description: registry pulls with credentials; none may be written anywhere
steps:
  - id: env
    probe: registry
    with: {url: "\${SD_E2E_URL}", repository: test/app, reference: v1, username: alice, password_env: SD_E2E_PW, repeat: 2, herd: 2}
  - id: file
    probe: registry
    with: {url: "\${SD_E2E_URL}", repository: test/app, reference: v1, auth_file: "$TMP/regauth.conf"}
  - id: wrong
    probe: registry
    with: {url: "\${SD_E2E_URL}", repository: test/app, reference: v1, username: alice, password_env: SD_E2E_WRONG}
  - id: inurl
    probe: registry
    with: {url: "http://alice:\${SD_E2E_PW_IN_URL}@127.0.0.1:$REG_PORT", repository: test/app, reference: v1}
PLAN
# The URL step is given a second secret of its own: a URL is plan text (recorded in results.json), so this
# checks only that the probe refuses it without echoing it in its reason; PW itself is never in the plan.
PW2="pw2-$RANDOM-url-$RANDOM"
out=$(SD_E2E_URL=$REG_URL SD_E2E_PW=$PW SD_E2E_WRONG="$PW-not" SD_E2E_PW_IN_URL=$PW2 \
	"$SD" run "$TMP/secret.yaml" --out "$TMP/sruns" 2>"$TMP/secret.err")
code=$?
echo "$out" >"$TMP/secret.out"
r=$out/results.json
expect "the run ran (exit $code: 3, the wrong password and the URL credentials are errors)" [ "$code" -eq 3 ]
expect "credentials from an environment variable: ok" [ "$(jget "$r" "d['steps'][0]['status']")" = ok ]
expect "credentials from a docker config.json: ok" [ "$(jget "$r" "d['steps'][1]['status']")" = ok ]
expect "a wrong password: auth failure" [ "$(jget "$r" "d['steps'][2]['reason'][:13]")" = "auth failure:" ]
expect "credentials in the URL: refused" [ "$(jget "$r" "d['steps'][3]['status']")" = error ]
expect "the refusal does not echo the URL's password" [ "$(jget "$r" "'$PW2' in (d['steps'][3]['reason'] or '')")" = False ]
n=$(find "$out" -type f | wc -l)
expect "the run wrote its files ($n)" [ "$n" -ge 8 ]
grep -rlF -e "$PW" -e "$b64" "$out" "$TMP/secret.out" "$TMP/secret.err" >"$TMP/leaks"
expect "the password (plain or base64 user:password) is in none of the $n files the run wrote, nor on stdout/stderr$(head -3 "$TMP/leaks" | tr '\n' ' ')" \
	[ ! -s "$TMP/leaks" ]
grep -rlF -e "$PW-not" "$out" "$TMP/secret.err" >"$TMP/leaks"
expect "the wrong password is nowhere either" [ ! -s "$TMP/leaks" ]
grep -rlF "$PW2" "$out" "$TMP/secret.out" "$TMP/secret.err" >"$TMP/leaks"
[ -s "$TMP/leaks" ] && xargs grep -nF "$PW2" <"$TMP/leaks" | head -3 | cut -c1-300; expect "the URL's password is in no file the run wrote (results.json's plan as run says REDACTED), nor in any message" [ ! -s "$TMP/leaks" ]
expect "the plan as run keeps the URL with its password redacted" grep -q "REDACTED@" "$out/results.json"
# ... and the scan above can fail: the same grep finds the secret once it is there
printf 'x %s y\n' "$b64" >>"$out/logs/env.log"
expect "the secret grep finds a planted base64 secret" grep -rqF -e "$PW" -e "$b64" "$out"
finish
