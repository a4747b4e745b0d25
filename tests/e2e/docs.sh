# docs.sh - docs that cannot drift (issue 12). For every probe built
# (build/bin/probes/*, what `shakedown probes` lists, less the test probes):
#   table    README.md's probe table lists it, and lists no probe that is not built
#   section  probes/METRICS.md has a section "## `NAME`"
#   metric   every metric its --describe declares is in that section (`name`; `<dtype>_best`-style
#            templates match their instances; `a_p50`, `_p90` rows name a_p90)
#   param    every parameter its --describe declares is named in that section
#   help     every parameter and metric in its --describe has help text, every metric a unit
#   runbook  every runbook its section names (a "runbook" table column, "Runbooks by metric") exists
#   test     it has a test: tests/unit/test_NAME.c or tests/e2e/NAME.sh
# and for the command line:
#   command  README's command list ("## The runner") and `shakedown --help` name the same commands with
#            the same options, and every option README gives a command is in that command's --help
# and every shipped plan (suites/*.yaml) and baseline (suites/baselines/*.yaml) validates.
# Then the same lint runs on a doctored copy with one defect of each kind, to show each check can fail.
# Runbook ids named by baselines and the runner are linted by runbooks.sh; the describe schema by probes.sh.
#
# KNOWN lists "KIND PROBE" pairs that fail for a documentation gap someone else owns (not counted, printed);
# once such a pair passes it fails as XPASS until it is removed from the list.
. tests/e2e/_lib.sh
KNOWN=""

# lint DESCRIBE_DIR README METRICS RUNBOOK_DIR TESTS_DIR HELP_DIR: one problem a line, "KIND PROBE: message"
# (PROBE is "-" for the command line). DESCRIBE_DIR holds NAME.json (--describe) per probe; HELP_DIR holds
# main.txt (`shakedown --help`) and CMD.txt (`shakedown CMD --help`).
lint() {
	/usr/bin/python3 - "$@" <<'PY'
import glob, json, os, re, sys

ddir, readme, metrics, rbdir, tdir, hdir = sys.argv[1:7]
problems = []
def bad(kind, probe, msg):
    problems.append("%s %s: %s" % (kind, probe, msg))

probes = {os.path.basename(f)[:-5]: json.load(open(f)) for f in sorted(glob.glob(ddir + "/*.json"))}
rtext = open(readme, encoding="utf-8").read()
mtext = open(metrics, encoding="utf-8").read()

# README's probe table: the rows of the first table after "## Probes"
sec = re.search(r"^## Probes\n(.*?)(?=^## |\Z)", rtext, re.S | re.M)
table = set(re.findall(r"^\| `([a-z0-9_-]+)` \|", sec.group(1), re.M)) if sec else set()
for p in sorted(set(probes) - table):
    bad("table", p, "not in README.md's probe table (## Probes)")
for p in sorted(table - set(probes)):
    bad("table", p, "README.md's probe table lists it, but no such probe is built")

sections = {m.group(1): m.group(2) for m in
            re.finditer(r"^## `([a-z0-9_-]+)`\n(.*?)(?=^## |\Z)", mtext, re.S | re.M)}

def documented(name, text):
    """name is a backticked token of text, an instance of a <template> token, or a `_suffix` shorthand."""
    low = name.lower()
    for line in text.split("\n"):
        toks = [t.strip() for t in re.findall(r"`([^`]+)`", line)]
        for t in toks:
            if t.lower() == low:
                return True
            if "<" in t:
                rx = "".join(".+" if part.startswith("<") else re.escape(part)
                             for part in re.split(r"(<[^>]+>)", t.lower()))
                if re.fullmatch(rx, low):
                    return True
        for t in toks:
            if t.startswith("_"):
                for base in toks:
                    if not base.startswith("_") and "_" in base and base[:base.rfind("_")] + t == name:
                        return True
    return False

def runbooks_named(text):
    names, lines = set(), text.split("\n")
    for i, line in enumerate(lines):  # a table with a "runbook" column
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and "runbook" in [c.lower() for c in cells]:
            col = [c.lower() for c in cells].index("runbook")
            for row in lines[i + 2:]:
                if not row.lstrip().startswith("|"):
                    break
                rc = [c.strip() for c in row.strip().strip("|").split("|")]
                if len(rc) > col and rc[col]:
                    names.add(rc[col].strip("`"))
    for m in re.finditer(r"Runbooks by metric[^:]*:(.*?)(?:\n\n|\Z)", text, re.S):  # "`metric` runbook-id; ..."
        for chunk in m.group(1).split(";"):
            words = re.sub(r"`[^`]*`", " ", chunk).replace(",", " ").split()
            if words and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", words[-1].rstrip(".")):
                names.add(words[-1].rstrip("."))
    names.update(re.findall(r"runbooks/([a-z0-9-]+)\.md", text))
    return names

for p, d in sorted(probes.items()):
    text = sections.get(p)
    if text is None:
        bad("section", p, "probes/METRICS.md has no section '## `%s`'" % p)
        text = ""
    for m in d.get("metrics", []):
        if text and not documented(m["name"], text):
            bad("metric", p, "metric '%s' is not in its METRICS.md section" % m["name"])
        if not m.get("help") or not m.get("unit"):
            bad("help", p, "metric '%s' has no %s in --describe" % (m["name"], "help" if not m.get("help") else "unit"))
    for q in d.get("params", []):
        if text and not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(q["name"]), text):
            bad("param", p, "parameter '%s' is not named in its METRICS.md section" % q["name"])
        if not q.get("help"):
            bad("help", p, "parameter '%s' has no help in --describe" % q["name"])
    for rb in sorted(runbooks_named(text)):
        if not os.path.exists(os.path.join(rbdir, rb + ".md")):
            bad("runbook", p, "its METRICS.md section names runbook '%s': %s/%s.md does not exist" % (rb, rbdir, rb))
    if not (os.path.exists("%s/unit/test_%s.c" % (tdir, p)) or os.path.exists("%s/e2e/%s.sh" % (tdir, p))):
        bad("test", p, "no test: %s/unit/test_%s.c or %s/e2e/%s.sh" % (tdir, p, tdir, p))

# The command line: README's list against `shakedown --help` and each command's own --help.
def flags(s):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-z])\b", s)) - {"--help", "-h"}
sec = re.search(r"^## The runner\n(.*?)(?=^## |\Z)", rtext, re.S | re.M)
rcmds = {}
for line in (sec.group(1) if sec else "").split("\n"):
    m = re.match(r"\s+\S*shakedown (\S+)(.*)", line)
    if m:
        rcmds[m.group(1)] = flags(m.group(2).split("#")[0].split(">")[0])
main = open(os.path.join(hdir, "main.txt")).read()
hcmds, block = {}, re.search(r"^Commands:\n(.*?)(?:\n\n|\Z)", main, re.S | re.M)
for line in (block.group(1) if block else "").split("\n"):
    m = re.match(r"  (\S+)(.*)", line)
    if m:
        hcmds[m.group(1)] = flags(re.split(r"\s{2,}", m.group(2).strip())[0] if m.group(2).strip() else "")
for c in sorted(set(rcmds) - set(hcmds)):
    bad("command", "-", "README lists '%s', `shakedown --help` does not" % c)
for c in sorted(set(hcmds) - set(rcmds)):
    bad("command", "-", "`shakedown --help` lists '%s', README does not" % c)
for c in sorted(set(rcmds) & set(hcmds)):
    if rcmds[c] != hcmds[c]:
        bad("command", "-", "'%s': README gives %s, `shakedown --help` gives %s" % (c, sorted(rcmds[c]), sorted(hcmds[c])))
    own = os.path.join(hdir, c + ".txt")
    if os.path.exists(own):
        missing = sorted(rcmds[c] - flags(open(own).read()) - {"--PARAM"})
        if missing:
            bad("command", "-", "'%s': README gives %s, `shakedown %s --help` does not" % (c, ", ".join(missing), c))
print("\n".join(problems))
PY
}

# The real tree: every built probe's --describe, the help texts.
D=$TMP/describe H=$TMP/help
mkdir -p "$D" "$H"
n=0
for p in "$B"/bin/probes/*; do
	[ -x "$p" ] || continue
	"$p" --describe >"$D/$(basename "$p").json" && n=$((n + 1))
done
expect "found the built probes ($n)" [ "$n" -ge 8 ]
env -u SHAKEDOWN_PROBE_PATH "$SD" probes | awk '{print $1}' | sort >"$TMP/listed"
expect "\`shakedown probes\` lists exactly the built probes" \
	[ "$(cat "$TMP/listed")" = "$(ls "$D" | sed 's/\.json$//' | sort)" ]
"$SD" --help >"$H/main.txt"
for c in run validate report baseline compare probes probe; do "$SD" $c --help >"$H/$c.txt" 2>&1; done
lint "$D" README.md probes/METRICS.md runbooks tests "$H" >"$TMP/problems" || not_ok "the lint itself ran"

declare -A what=(
	[table]="README.md's probe table lists every built probe and no other"
	[section]="probes/METRICS.md has a section for every probe"
	[metric]="every metric a probe declares is in its METRICS.md section"
	[param]="every parameter a probe declares is named in its METRICS.md section"
	[help]="every parameter and metric in --describe has help (and a unit)"
	[runbook]="every runbook a probe's METRICS.md section names exists"
	[test]="every probe has a test file"
	[command]="README's command list and \`shakedown --help\` agree"
)
report() { # report PROBLEMS-FILE
	local k p lines
	for k in table section metric param help runbook test command; do
		lines=$(grep "^$k " "$1")
		for p in $(echo "$KNOWN" | tr '|' '\n' | sed -n "s/^$k //p"); do
			if echo "$lines" | grep -q "^$k $p: "; then
				echo "  KNOWN-GAP (not counted) $k $p:"
				echo "$lines" | grep "^$k $p: " | sed "s/^$k /       /"
				lines=$(echo "$lines" | grep -v "^$k $p: ")
			else
				not_ok "XPASS ($k $p is fixed? remove it from KNOWN in tests/e2e/docs.sh)"
			fi
		done
		if [ -n "$lines" ]; then
			not_ok "${what[$k]}"
			echo "$lines" | sed "s/^$k /       /"
		else
			ok "${what[$k]}"
		fi
	done
}
echo "# this tree"
report "$TMP/problems"

# Every shipped plan and baseline validates (the plan's baseline included).
# (one command: the probes describe themselves once)
env -u SHAKEDOWN_PROBE_PATH "$SD" validate suites/*.yaml suites/baselines/*.yaml >"$TMP/vout" 2>"$TMP/verr"
code=$?
expect "validate of every shipped plan and baseline exits 0 (exit $code)$(head -3 "$TMP/verr" | tr '\n' ' ')" [ "$code" -eq 0 ]
for f in suites/*.yaml suites/baselines/*.yaml; do
	expect "$f validates" grep -q "^$f: ok (" "$TMP/vout"
done

# A doctored copy: one defect of each kind.
echo "# a doctored copy with one defect of each kind"
F=$TMP/fixture
mkdir -p "$F/describe" "$F/help" "$F/runbooks" "$F/tests/unit" "$F/tests/e2e"
cp "$D"/*.json "$F/describe/"
for f in "$F"/describe/*.json; do touch "$F/tests/unit/test_$(basename "$f" .json).c"; done
cp runbooks/*.md "$F/runbooks/"
/usr/bin/python3 - "$F" <<'PY'
import json, sys
F = sys.argv[1]
# a probe no table, section or test knows of, with an undocumented metric and parameter and no help
json.dump({"probe": "newprobe", "metrics": [{"name": "new_metric", "unit": "", "help": ""}],
           "params": [{"name": "new_param", "help": ""}]}, open(F + "/describe/newprobe.json", "w"))
d = json.load(open(F + "/describe/registry.json"))  # a metric and a parameter the docs do not have
d["metrics"].append({"name": "herd_pull_time_p42", "unit": "s", "help": "x"})
d["params"].append({"name": "zzz_undocumented", "type": "string", "help": "x"})
json.dump(d, open(F + "/describe/registry.json", "w"))
PY
rm "$F/tests/unit/test_storage.c"
touch "$F/tests/e2e/storage.sh"                         # an e2e script is a test too
rm "$F/tests/unit/test_registry.c"                      # registry: no test at all
rm "$F/runbooks/registry-digest-mismatch.md"            # a runbook the registry section names
sed 's/^| `sysinfo` |/| `sysinfoo` |/' README.md >"$F/README.md" # a table row for a probe that is not built
sed -i 's|shakedown compare OLD.json NEW.json \[--threshold 5%\]|shakedown compare OLD.json NEW.json [--threshold 5%] [--bogus]|' "$F/README.md"
sed 's/^## `storage`$/## `storage-renamed`/' probes/METRICS.md >"$F/METRICS.md"
grep -v '^  probes \[NAME\]' "$H/main.txt" | sed 's/^  report RESULTS.json \[--baseline F\] /  report RESULTS.json /' \
	>"$F/help/main.txt"
printf '  version-two         not a command README has\n' | sed -i "/^  --version/r /dev/stdin" "$F/help/main.txt"
cp "$H"/[a-ln-z]*.txt "$F/help/"
lint "$F/describe" "$F/README.md" "$F/METRICS.md" "$F/runbooks" "$F/tests" "$F/help" >"$TMP/fx" ||
	not_ok "the lint ran on the doctored copy"
caught() { if grep -q "^$1 $2" "$TMP/fx"; then ok "caught: $3"; else not_ok "not caught: $3"; fi; }
caught table "newprobe: not in README.md's probe table" "a probe missing from README's table"
caught table "sysinfoo: README.md's probe table lists it, but no such probe is built" "a table row for no probe"
caught section "storage: probes/METRICS.md has no section" "a probe without a METRICS.md section"
caught section "newprobe: " "a new probe without a section"
caught metric "registry: metric 'herd_pull_time_p42' is not in" "an undocumented metric (near a documented family)"
caught param "registry: parameter 'zzz_undocumented' is not named" "an undocumented parameter"
caught help "newprobe: metric 'new_metric' has no help" "a metric without help"
caught help "newprobe: parameter 'new_param' has no help" "a parameter without help"
caught runbook "registry: its METRICS.md section names runbook 'registry-digest-mismatch'" "a runbook a probe's section names, missing"
caught test "registry: no test" "a probe without a test file"
caught test "newprobe: no test" "a new probe without a test file"
caught command "-: README lists 'probes', \`shakedown --help\` does not" "a command --help lost"
caught command "-: \`shakedown --help\` lists 'version-two', README does not" "a command README lacks"
caught command "-: 'report': README gives .*--baseline.*\`shakedown --help\` gives" "an option --help lost"
caught command "-: 'compare': README gives --bogus, \`shakedown compare --help\` does not" "an option the command does not have"
caught command "-: 'compare': README gives \['--bogus', '--threshold'\], \`shakedown --help\` gives" "... nor --help's synopsis"
caught table "sysinfo: not in README.md's probe table" "the renamed row's probe, now missing from the table"
grep -vE "^($KNOWN): " "$TMP/fx" >"$TMP/fx2"
if [ "$(grep -c . "$TMP/fx2")" -eq 17 ]; then
	ok "nothing else was reported (storage's e2e script counts as its test; the rest are clean)"
else
	not_ok "the doctored copy gave $(grep -c . "$TMP/fx2") problems (less KNOWN), wanted the 17 above:"
	sed 's/^/       /' "$TMP/fx2"
fi
cp suites/baselines/generic-cpu.yaml "$TMP/bl-typo.yaml"
sed -i '0,/runbook: /s/runbook: /runbok: /' "$TMP/bl-typo.yaml"
"$SD" validate "$TMP/bl-typo.yaml" >/dev/null 2>&1
code=$?
expect "caught: a shipped baseline with a misspelt key does not validate (exit $code)" [ "$code" -eq 2 ]
finish
