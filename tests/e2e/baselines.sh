# baselines.sh - every check in every shipped baseline names a metric that the
# probe behind it declares (`--describe`; names with <fields> are patterns), so
# no baseline check can only ever end as "metric missing" on a real node. The
# selector before the dot is a step id of a shipped plan or a probe name. A
# doctored copy proves the check can fail.
. tests/e2e/_lib.sh
check_baselines() { # DIR: prints one line per bad check, exits 1 if any
	SD_B=$B /usr/bin/python3 - "$1" <<'PY'
import glob, json, os, re, subprocess, sys
import yaml
B = os.environ["SD_B"]
probes = {}
for p in sorted(os.listdir(B + "/bin/probes")):
    d = json.loads(subprocess.run([B + "/bin/probes/" + p, "--describe"], capture_output=True, text=True).stdout)
    probes[p] = [m["name"] for m in d.get("metrics", [])]
steps = {}
for plan in glob.glob("suites/*.yaml"):
    for s in (yaml.safe_load(open(plan)) or {}).get("steps", []):
        if "id" in s and "probe" in s:
            steps.setdefault(s["id"], s["probe"])
def declared(pattern, name):
    rx = "^" + re.sub(r"<[^>]+>", ".+", re.escape(pattern).replace("\\<", "<").replace("\\>", ">")) + "$"
    return re.match(rx, name) is not None
bad = 0
for bl in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    for c in (yaml.safe_load(open(bl)) or {}).get("checks", []):
        sel, _, metric = c["metric"].partition(".")
        probe = steps.get(sel, sel)
        if probe not in probes:
            print(f"{bl}: {c['metric']}: no shipped plan step or probe is '{sel}'"); bad += 1
        elif not any(declared(n, metric) for n in probes[probe]):
            print(f"{bl}: {c['metric']}: probe '{probe}' declares no metric '{metric}'"); bad += 1
sys.exit(1 if bad else 0)
PY
}
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
	echo "  skip: python3-yaml missing (Debian: apt-get install python3-yaml)"
	exit 0
fi
expect "every baseline check names a metric its probe declares" check_baselines suites/baselines
mkdir -p "$TMP/bl"
cp suites/baselines/h100-sxm-80gb.yaml "$TMP/bl/"
sed -i 's/metric: storage.seqread_bw/metric: storage.read_bw/' "$TMP/bl/h100-sxm-80gb.yaml"
caught() { ! check_baselines "$TMP/bl" >"$TMP/out" && grep -q "storage.read_bw: probe 'storage' declares no metric 'read_bw'" "$TMP/out"; }
expect "caught: a doctored baseline naming storage.read_bw" caught
finish
