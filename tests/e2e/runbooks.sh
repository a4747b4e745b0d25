# runbooks.sh - lint of runbooks/: every failure id a baseline or the runner can
# emit has a runbook, every runbook has the fixed header and sections, is indexed
# in runbooks/README.md, is referenced by something, and links only to files
# that exist. Then the lint is run on a fixture tree with one defect of each
# kind, to show that each check can fail.
#
# Overrides (for the fixture run, or to lint another tree):
#   RUNBOOK_DIR        default runbooks
#   BASELINE_GLOB      default suites/baselines/*.yaml  (lines `runbook: ID`)
#   RUNNER_TABLE_FILE  default runner/verdict.c (string literals between the
#                      `runbooks-emitted-by-the-runner: begin` and `: end` comments)
. tests/e2e/_lib.sh

# lint RUNBOOK_DIR BASELINE_GLOB RUNNER_TABLE_FILE: prints one problem a line,
# "KIND FILE: message"; KIND is one of the keys of what[] below.
lint() {
	/usr/bin/python3 - "$@" <<'PY'
import glob, os, re, sys

rbdir, bglob, table = sys.argv[1:4]
SECTIONS = ["What it means", "Likely causes", "Diagnose", "Fix", "Escalate", "Related"]
ID = r"[a-z0-9][a-z0-9-]*"
problems = []

def bad(kind, where, msg):
    problems.append("%s %s: %s" % (kind, where, msg))

def prose(text):
    """The text with fenced code blocks and inline code blanked out, lines kept."""
    out, fence = [], None
    for line in text.split("\n"):
        m = re.match(r"\s*(```+|~~~+)", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append("")
        elif m:
            fence = m.group(1)
            out.append("")
        else:
            out.append(re.sub(r"`[^`]*`", "``", line))
    return out

def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]

def check_links(path, lines):
    for n, line in enumerate(lines, 1):
        for target in re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", line):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # absolute URL, mailto:, anchor in this file
            f = target.split("#", 1)[0]
            if f and not os.path.exists(os.path.join(os.path.dirname(path), f)):
                bad("link", "%s:%d" % (path, n), "link to missing file '%s'" % target)

runbooks = {}  # id -> (title, severity)
for path in sorted(glob.glob(os.path.join(rbdir, "*.md"))):
    name = os.path.basename(path)[:-3]
    if name == "README":
        continue
    text = open(path, encoding="utf-8").read()
    raw, lines = text.split("\n"), prose(text)
    body = [(i, l) for i, l in enumerate(lines) if l.strip()]
    title = sev = None
    # The header: "# Title", then the three-column table with one row.
    if len(body) < 4 or not re.match(r"# \S", body[0][1]):
        bad("header", path, "does not start with '# Title'")
    else:
        title = raw[body[0][0]][2:].strip()
        i0 = body[1][0]
        head, sep, row = (raw[i0 + k] if i0 + k < len(raw) else "" for k in range(3))
        if cells(head) != ["id", "severity", "applies to"] or \
           not all(re.fullmatch(r":?-{3,}:?", c) for c in cells(sep)) or len(cells(sep)) != 3:
            bad("header", "%s:%d" % (path, i0 + 1), "no header table '| id | severity | applies to |' after the title")
        elif len(cells(row)) != 3 or not all(cells(row)):
            bad("header", "%s:%d" % (path, i0 + 3), "the header table needs one row: | `id` | severity | applies to |")
        else:
            rid, sev, _ = cells(row)
            if not re.fullmatch(r"`%s`" % ID, rid):
                bad("header", "%s:%d" % (path, i0 + 3), "id cell must be the id in backticks, got '%s'" % rid)
            elif rid.strip("`") != name:
                bad("id", "%s:%d" % (path, i0 + 3), "header id '%s' is not the file name '%s'" % (rid.strip("`"), name))
            if sev not in ("critical", "warning"):
                bad("header", "%s:%d" % (path, i0 + 3), "severity must be critical or warning, got '%s'" % sev)
                sev = None
    if not re.fullmatch(ID, name):
        bad("id", path, "file name is not a valid id (lower-case letters, digits, '-')")
    # The sections: exactly these, in this order, none empty.
    heads = [(i, l[3:].strip()) for i, l in enumerate(lines) if l.startswith("## ")]
    if [h for _, h in heads] != SECTIONS:
        missing = [s for s in SECTIONS if s not in [h for _, h in heads]]
        extra = [h for _, h in heads if h not in SECTIONS]
        why = ("missing %s" % ", ".join("'%s'" % s for s in missing) if missing else
               "unexpected %s" % ", ".join("'%s'" % s for s in extra) if extra else "out of order or repeated")
        bad("sections", path, "sections must be %s: %s" % (" / ".join(SECTIONS), why))
    else:
        ends = [i for i, _ in heads[1:]] + [len(lines)]
        for (i, h), end in zip(heads, ends):
            if not any(l.strip() for l in lines[i + 1:end]) and not any(l.strip() for l in raw[i + 1:end]):
                bad("sections", "%s:%d" % (path, i + 1), "section '%s' is empty" % h)
    check_links(path, lines)
    runbooks[name] = (title, sev)

# The index: a row per runbook, linking to it, with the same title and severity.
readme = os.path.join(rbdir, "README.md")
if not os.path.exists(readme):
    bad("index", readme, "missing")
else:
    lines = open(readme, encoding="utf-8").read().split("\n")
    check_links(readme, prose("\n".join(lines)))
    rows = {}
    for n, line in enumerate(lines, 1):
        m = re.match(r"\s*\|\s*\[`?(%s)`?\]\(\1\.md\)\s*\|" % ID, line)
        if m:
            rows[m.group(1)] = (n, cells(line))
    for rid, (title, sev) in sorted(runbooks.items()):
        if rid not in rows:
            bad("index", readme, "runbook '%s' is not listed (a row '| [`%s`](%s.md) | title | severity |')" % (rid, rid, rid))
            continue
        n, c = rows[rid]
        if title and (len(c) < 2 or c[1] != title):
            bad("index", "%s:%d" % (readme, n), "title of '%s' differs from its runbook's '%s'" % (rid, title))
        if sev and (len(c) < 3 or c[2] != sev):
            bad("index", "%s:%d" % (readme, n), "severity of '%s' differs from its runbook's '%s'" % (rid, sev))

# References: `runbook: ID` in baselines, string literals in the runner's table.
refs = set()
for path in sorted(glob.glob(bglob)):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = re.sub(r"(^|\s)#.*", "", line)
        for rid in re.findall(r"(?:^|[\s{,])runbook:\s*[\"']?([^\s\"',}]+)", line):
            refs.add(rid)
            if rid not in runbooks:
                bad("baseline-ref", "%s:%d" % (path, n), "runbook '%s' does not exist (%s)" % (rid, os.path.join(rbdir, rid + ".md")))
begin, end = "runbooks-emitted-by-the-runner: begin", "runbooks-emitted-by-the-runner: end"
text = open(table, encoding="utf-8").read() if os.path.exists(table) else None
if text is None:
    bad("runner-ref", table, "missing: cannot read the runner's table of runbooks")
elif begin not in text or end not in text or text.index(begin) > text.index(end):
    bad("runner-ref", table, "no '/* %s */' ... '/* %s */' block" % (begin, end))
else:
    start = text[:text.index(begin)].count("\n") + 1
    block = text[text.index(begin):text.index(end)]
    block = re.sub(r"/\*.*?(\*/|$)|//[^\n]*", lambda m: "\n" * m.group(0).count("\n"), block, flags=re.S)
    for k, line in enumerate(block.split("\n")):
        for rid in re.findall(r'"([^"\\]*)"', line):
            refs.add(rid)
            if rid not in runbooks:
                bad("runner-ref", "%s:%d" % (table, start + k), "runbook '%s' does not exist (%s)" % (rid, os.path.join(rbdir, rid + ".md")))
for rid in sorted(set(runbooks) - refs):
    bad("unreferenced", os.path.join(rbdir, rid + ".md"),
        "no baseline names it (runbook: %s) and it is not in the runner's table" % rid)

print("\n".join(problems))
PY
}

# One check per kind of problem, in this order, each printing its problems.
declare -A what=(
	[header]="every runbook starts with the title and the id | severity | applies to table"
	[sections]="every runbook has the six sections in order, none empty"
	[id]="every runbook's id is its file name"
	[link]="every relative link in runbooks/ points to a file that exists"
	[index]="runbooks/README.md lists every runbook with its title and severity"
	[baseline-ref]="every runbook a baseline names exists"
	[runner-ref]="every runbook in the runner's table exists"
	[unreferenced]="every runbook is named by a baseline or the runner's table"
)
report() { # report PROBLEMS-FILE
	local k
	for k in header sections id link index baseline-ref runner-ref unreferenced; do
		if grep -q "^$k " "$1"; then
			not_ok "${what[$k]}"
			grep "^$k " "$1" | sed "s/^$k /       /"
		else
			ok "${what[$k]}"
		fi
	done
}

echo "# this tree"
lint "${RUNBOOK_DIR:-runbooks}" "${BASELINE_GLOB:-suites/baselines/*.yaml}" \
	"${RUNNER_TABLE_FILE:-runner/verdict.c}" >"$TMP/problems" || not_ok "the lint itself ran"
report "$TMP/problems"

# The fixture: good runbooks, and one defect of each kind the lint must catch.
echo "# a fixture with one defect of each kind"
F=$TMP/fixture
mkdir -p "$F/runbooks" "$F/baselines"
runbook() { # runbook ID [TITLE [SEVERITY [SECTIONS...]]]: a well-formed runbook on stdout
	local id=$1 title=${2:-Title of $1} sev=${3:-warning} s
	shift $(($# < 3 ? $# : 3))
	[ $# -gt 0 ] || set -- "What it means" "Likely causes" "Diagnose" "Fix" "Escalate" "Related"
	printf '# %s\n\n| id | severity | applies to |\n|---|---|---|\n| `%s` | %s | `probe` |\n' "$title" "$id" "$sev"
	for s in "$@"; do printf '\n## %s\n\nText of %s, see [good](good.md).\n' "$s" "$s"; done
}
runbook good >"$F/runbooks/good.md"
runbook runner-one "" critical >"$F/runbooks/runner-one.md"
runbook orphan >"$F/runbooks/orphan.md"
runbook not-indexed >"$F/runbooks/not-indexed.md"
runbook out-of-order "" "" "What it means" "Likely causes" "Fix" "Diagnose" "Escalate" "Related" >"$F/runbooks/out-of-order.md"
runbook no-escalate "" "" "What it means" "Likely causes" "Diagnose" "Fix" "Related" >"$F/runbooks/no-escalate.md"
runbook wrong-id | sed 's/`wrong-id`/`right-id`/' >"$F/runbooks/wrong-id.md"
runbook no-table | sed '/^|/d' >"$F/runbooks/no-table.md"
runbook bad-severity "" major >"$F/runbooks/bad-severity.md"
runbook empty-fix | sed '/^Text of Fix/d' >"$F/runbooks/empty-fix.md"
runbook dead-link | sed '0,/(good.md)/s//(..\/missing.md)/' >"$F/runbooks/dead-link.md"
{
	echo '# Runbooks'
	echo '| id | title | severity |'
	echo '|---|---|---|'
	for f in "$F"/runbooks/*.md; do
		id=$(basename "$f" .md)
		case $id in not-indexed) continue ;; esac
		t="Title of $id" s=warning
		case $id in runner-one) s=critical ;; bad-severity) s=major ;; esac
		case $id in dead-link) t="Another title" ;; esac
		echo "| [\`$id\`]($id.md) | $t | $s |"
	done
	echo 'See [the other index](nowhere.md).'
} >"$F/runbooks/README.md"
cat >"$F/baselines/a.yaml" <<'YAML'
# runbook: orphan   (a comment does not reference anything)
checks:
  - {step: x, metric: y, min: 1, runbook: good}
  - step: x
    runbook: "not-indexed"
  - step: x
    runbook: no-such-runbook
YAML
printf 'runbook: %s\n' out-of-order no-escalate wrong-id right-id no-table bad-severity empty-fix dead-link >"$F/baselines/b.yaml"
cat >"$F/verdict.c" <<'C'
static const char *const not_this[] = { "orphan" };
/* runbooks-emitted-by-the-runner: begin */
static const char *const emitted[] = {
	"runner-one", /* a "commented-out" id is not a reference */
	"runner-missing",
	// "also-commented-out",
};
/* runbooks-emitted-by-the-runner: end */
C
lint "$F/runbooks" "$F/baselines/*.yaml" "$F/verdict.c" >"$TMP/fx" || not_ok "the lint ran on the fixture"

# caught KIND PATTERN DESCRIPTION: the fixture's problems include a KIND line matching PATTERN
caught() { if grep -q "^$1 .*$2" "$TMP/fx"; then ok "caught: $3"; else not_ok "not caught: $3"; fi; }
caught sections "out-of-order.md: .*out of order" "sections out of order"
caught sections "no-escalate.md: .*missing 'Escalate'" "a missing section"
caught sections "empty-fix.md:[0-9]*: section 'Fix' is empty" "an empty section"
caught header "no-table.md:.*no header table" "a missing header table"
caught header "bad-severity.md:.*severity must be critical or warning" "a severity that is neither critical nor warning"
caught id "wrong-id.md:5: header id 'right-id' is not the file name 'wrong-id'" "a header id that differs from the file name"
caught link "dead-link.md:[0-9]*: link to missing file '../missing.md'" "a link to a missing file"
caught link "README.md:[0-9]*: link to missing file 'nowhere.md'" "a link to a missing file in the index"
caught index "runbook 'not-indexed' is not listed" "a runbook missing from the index"
caught index "title of 'dead-link' differs" "an index title that differs from the runbook's"
caught baseline-ref "a.yaml:7: runbook 'no-such-runbook' does not exist" "a baseline naming a missing runbook"
caught baseline-ref "b.yaml:4: runbook 'right-id' does not exist" "a baseline naming an id whose file is missing"
caught runner-ref "verdict.c:5: runbook 'runner-missing' does not exist" "the runner's table naming a missing runbook"
caught unreferenced "orphan.md: " "an unreferenced runbook (a comment and a literal outside the markers do not count)"
expect "nothing else was reported (the good runbooks are clean)" \
	[ "$(grep -c . "$TMP/fx")" -eq 14 ]
expect "no problem is reported in good.md or runner-one.md" \
	sh -c "! grep -qE '^[a-z-]+ [^ ]*/(good|runner-one)\.md' '$TMP/fx'"
printf 'no markers here\n' >"$F/nomarkers.c"
lint "$F/runbooks" "$F/baselines/*.yaml" "$F/nomarkers.c" >"$TMP/fx2"
caught_fx2() { grep -q "^runner-ref .*nomarkers.c: no '/\* runbooks-emitted-by-the-runner: begin" "$TMP/fx2"; }
expect "caught: a runner file without the table markers" caught_fx2
expect "caught: and then the runner's runbooks are unreferenced" grep -q "^unreferenced .*runner-one.md" "$TMP/fx2"
finish
