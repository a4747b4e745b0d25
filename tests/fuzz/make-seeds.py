#!/usr/bin/env python3
"""make-seeds.py - (re)write the seed corpora under tests/fuzz/corpus/ (tests/fuzz/README.md).

Seeds are real inputs kept small: the shipped plans and baselines, the plan fixtures, results documents
cut down from tests/data/reports/, probe documents taken from those results, and hand-written
registry headers, manifests and quantities. Run from anywhere; it rewrites every seed it makes (files
added to a corpus by hand are left alone).
"""
import copy
import glob
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def src(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


# ---- plans ----
for rel in ["suites/quick.yaml", "suites/nightly.yaml", "suites/acceptance.yaml"] + sorted(
    glob.glob(os.path.join(ROOT, "tests/data/plans/*.yaml")) + glob.glob(os.path.join(ROOT, "tests/e2e/plans/*.yaml"))
):
    rel = os.path.relpath(rel, ROOT) if rel.startswith("/") else rel
    if os.path.getsize(os.path.join(ROOT, rel)) <= 4096:
        put("plan", rel.replace("/", "_"), src(rel))
put("plan", "include.yaml", """plan: inc
defaults: {timeout: ${T:-90s}, repeat: 2, launcher: {kind: mpirun, np: 2, args: [--bind-to, numa]}}
requires: {gpus_per_node: 0, min_memory: 1GiB, min_cpus: 1}
steps:
  - id: a
    probe: membw
    with: {size: 64MiB, dtypes: [fp32, fp64]}
  - include: inc.yaml
#--inc
defaults: {repeat: 3}
steps:
  - id: b
    probe: gemm
    launcher: {kind: srun, nodes: 2, ntasks_per_node: 4}
  - include: inc.yaml
""")
put("plan", "anchors.yaml", """plan: anchors
defaults: &d {timeout: 1m}
steps:
  - &s {id: one, probe: sysinfo, timeout: 10s}
  - <<: *s
    id: two
  - {id: three, probe: storage, with: {path: /tmp, size: 4KiB, direct: "true"}, repeat: 10000}
""")

# ---- baselines ----
for rel in ["suites/baselines/generic-cpu.yaml", "suites/baselines/h100-sxm-80gb.yaml",
            "suites/baselines/a100-sxm-80gb.yaml", "tests/data/baselines/good.yaml"]:
    put("baseline", os.path.basename(rel), src(rel))
put("baseline", "kinds.yaml", """baseline: kinds
match: {gpu_name: "NVIDIA H100*", gpus: 8, cpu_model: epyc, min_cpus: 64, min_memory: 1TiB}
node: {gpus: 8, gpu_probes: [membw, gemm, soak]}
specs: {hbm_bw: 3.35 TB/s, tf: 989 TFLOP/s, n: 8, t: 85 °C}
checks:
  - {metric: hbm.triad, labels: {gpu: "*"}, min: 0.9 * spec.hbm_bw, runbook: hbm-bandwidth-low}
  - {metric: membw.triad, range: [0.5 * spec.hbm_bw, 1.1 * spec.hbm_bw], severity: warning, runbook: hbm-bandwidth-low}
  - {metric: sysinfo.gpus, equals: spec.n, runbook: gpu-count-mismatch}
  - {metric: soak.gpu_temp_max, max: spec.t, runbook: thermal-throttling}
  - {metric: gemm.bf16_8192x8192x8192, min: 600 TFLOP/s, max_cv: 3%, runbook: gemm-throughput-low}
  - {metric: busbw.busbw, labels: {op: all_reduce, bytes: "8589934592"}, min: 400 Gb/s, runbook: busbw-low}
  - {metric: storage.read_latency_p99, max: 2 ms, runbook: storage-latency-high}
  - {metric: soak.power, max: 700 W}
""")
put("baseline", "h200-141gb.yaml", src("suites/baselines/h200-141gb.yaml"))
put("baseline", "percent-factor.yaml", """baseline: pct
specs: {bw: 900 GB/s, p: 700 W}
checks:
  - {metric: h2d.bandwidth, labels: {gpu: "*", dir: h2d}, min: 90% * spec.bw, runbook: pcie-bandwidth-low}
  - {metric: soak.power, max: 1.05 * spec.p, severity: warning, runbook: thermal-throttling}
""")
put("baseline", "cv-only.yaml", """baseline: cv
description: only stability checks
checks:
  - metric: host-membw.triad
    max_cv: 0.03
  - metric: gemm.fp32_4096x4096x4096
    max_cv: 5%
    runbook: metric-unstable
""")
put("baseline", "match-auto.yaml", """baseline: auto-pick
match:
  gpu_name: "NVIDIA A100-SXM4-80GB"
  gpus: 8
  min_cpus: 128
  min_memory: 1TiB
node: {gpus: 8}
checks:
  - {metric: sysinfo.gpus, equals: 8, runbook: gpu-count-mismatch}
  - {metric: sysinfo.memory_total, min: 1 TiB, runbook: memory-size-mismatch}
""")
put("baseline", "units.yaml", """baseline: units
checks:
  - {metric: a.lat, max: 250 us, runbook: storage-latency-high}
  - {metric: a.iops, min: 1.5 MIOPS, runbook: storage-throughput-low}
  - {metric: a.e, max: 3.6 kWh, runbook: probe-failed}
  - {metric: a.f, range: [1.2 GHz, 3.5 GHz], runbook: probe-failed}
  - {metric: a.t, max: 85 degC, runbook: thermal-throttling}
  - {metric: a.n, equals: -1.5e3, runbook: probe-failed}
""")
put("baseline", "errors.yaml", """baseline: Bad Name
checks:
  - metric: nodot
    min: 2.9 TBs
  - metric: a.b
    range: [3, 1]
    runbook: ../../etc/passwd
  - {metric: a.b, min: 1 * spec.nope, severity: fatal}
  - {metric: a.b, equals: 1, min: 2}
""")

# ---- YAML ----
for name in ["quick.yaml", "nightly.yaml"]:
    put("yamltree", name, src("suites/" + name))
put("yamltree", "good.yaml", src("tests/data/baselines/good.yaml"))
for rel in ["tests/data/plans/looping-alias.yaml", "tests/data/plans/tabs.yaml", "tests/data/plans/not-utf8.yaml",
            "tests/data/plans/binary.yaml", "tests/data/plans/three-errors.yaml"]:
    put("yamltree", os.path.basename(rel), src(rel))
put("yamltree", "merge.yaml", """base: &b {x: 1, y: [1, 2, {z: ~}]}
m:
  <<: [*b, {w: 2}]
  x: 3
s: !!str 012
q: 'it''s'
d: "tab\\tnl\\n\\u00e9"
lit: |
  two
  lines
fold: >-
  one
  line
e: ${SET} ${EMPTY:-d} ${UNSET} $$ ${A B} ${X
dup: 1
dup: 2
""")
put("yamltree", "laughs.yaml", """a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
""")
put("yamltree", "deep.yaml", "[" * 70 + "]" * 70 + "\n")
put("yamltree", "tags.yaml", "--- !!map\n? !!str k\n: !custom v\n...\n---\nsecond: doc\n")
put("yamltree", "bom.yaml", b"\xef\xbb\xbfkey: \xc3\xa9t\xc3\xa9\nlist:\n- 1\n- {a: b}\n")

# ---- results documents, cut down ----
def trim_step(s, keep_series=False):
    s = copy.deepcopy(s)
    s["metrics"] = s.get("metrics", [])[:3]
    for m in s["metrics"]:
        if "samples" in m:
            m["samples"] = m["samples"][:5]
    ats = s.get("attempts", [])[:2]
    for at in ats:
        r = at.get("result")
        if isinstance(r, dict):
            r["metrics"] = r.get("metrics", [])[:3]
            if not keep_series:
                r.pop("series", None)
            elif "series" in r:
                r["series"] = r["series"][:1]
                for se in r["series"]:
                    for k in ("t", "x", "v"):
                        if k in se:
                            se[k] = se[k][:4]
            r.pop("env", None)
    s["attempts"] = ats
    return s


def trim_doc(d, steps, keep_verdict=True, keep_series=False):
    d = copy.deepcopy(d)
    d["steps"] = [trim_step(s, keep_series) for s in d["steps"] if s["id"] in steps]
    inv = d.get("host", {}).get("inventory")
    if isinstance(inv, dict):
        inv.pop("env", None)
        inv["metrics"] = inv.get("metrics", [])[:10]
    if "verdict" in d:
        if keep_verdict:
            v = d["verdict"]
            v["checks"] = [c for c in v.get("checks", []) if c.get("step") in steps or c.get("step") is None][:6]
        else:
            del d["verdict"]
    if "plan" in d and isinstance(d["plan"], dict):
        d["plan"].pop("steps", None)
    return d


def load(name):
    return json.loads(src("tests/data/reports/" + name))


single = load("single.json")
ids = [s["id"] for s in single["steps"]]
put("results", "single-inventory-hbm.json", json.dumps(trim_doc(single, ids[:2]), indent=1))
put("results", "single-gemm-noverdict.json", json.dumps(trim_doc(single, ["gemm", "allreduce"], False)))
put("results", "single-soak-series.json", json.dumps(trim_doc(single, ["soak"], True, True)))
put("results", "single-storage-pull.json", json.dumps(trim_doc(single, ["storage", "pull", "h2d"])))
for name in ["ready.json", "hostile.json", "charts.json", "noverdict.json"]:
    d = load(name)
    sids = [s["id"] for s in d["steps"]][:2]
    put("results", name, json.dumps(trim_doc(d, sids, True, name == "charts.json"), indent=1))
multi = load("multi.json")
if "nodes" in multi:
    m = copy.deepcopy(multi)
    m["nodes"] = m["nodes"][:2]
    for n in m["nodes"]:
        if isinstance(n, dict) and "steps" in n:
            n["steps"] = [trim_step(s) for s in n["steps"][:2]]
        if isinstance(n, dict) and isinstance(n.get("inventory"), dict):
            n["inventory"]["metrics"] = n["inventory"].get("metrics", [])[:6]
    m["steps"] = [trim_step(s) for s in m.get("steps", [])[:2]]
    if "verdict" in m:
        m["verdict"]["checks"] = m["verdict"].get("checks", [])[:6]
        if "nodes" in m["verdict"]:
            m["verdict"]["nodes"] = m["verdict"]["nodes"][:2]
    put("results", "multi.json", json.dumps(m))
put("results", "minimal.json", '{"schema_version": 1, "steps": []}')
put("results", "repeats.json", json.dumps({
    "schema_version": 1, "run": {"id": "r", "status": "interrupted"}, "plan": {"name": "p"},
    "steps": [{"id": "hbm", "probe": "membw", "status": "ok", "metrics": [
        {"name": "triad", "unit": "B/s", "better": "higher", "labels": {"gpu": "0"}, "value": 3.0e12,
         "samples": [3.0e12, 2.9e12, 3.1e12, 2.95e12, 3.05e12]},
        {"name": "lat", "unit": "s", "better": "lower", "value": 0, "samples": [0, 0]}]},
        {"id": "x", "probe": "gemm", "status": "error", "reason": "crashed"}]}))

# ---- probe documents ----
n = 0
for name in ["single.json", "charts.json", "hostile.json"]:
    for s in load(name)["steps"]:
        for at in s.get("attempts", [])[:1]:
            r = at.get("result")
            if isinstance(r, dict) and n < 12:
                r = copy.deepcopy(r)
                r["metrics"] = r.get("metrics", [])[:4]
                if "series" in r:
                    r["series"] = r["series"][:2]
                    for se in r["series"]:
                        for k in ("t", "x", "v"):
                            if k in se:
                                se[k] = se[k][:5]
                put("probe", "%s-%s.json" % (name[:-5], s["id"]), json.dumps(r, indent=1) + "\n")
                n += 1
put("probe", "describe.json", json.dumps({
    "probe": "membw", "version": "1.0.0", "description": "memory bandwidth",
    "params": [{"name": "size", "type": "size", "default": "1GiB", "help": "h"},
               {"name": "target", "type": "enum", "choices": "cpu|gpu|auto"}],
    "metrics": [{"name": "triad", "unit": "B/s", "better": "higher", "help": "h"}]}))
put("probe", "skipped.json", '{"protocol":1,"probe":"gemm","version":"1","host":"h","start":"s",'
    '"status":"skipped","reason":"no CUDA device","duration_s":0,"params":{},"metrics":[]}  \n')
put("probe", "bad-metrics.json", '{"protocol":1,"probe":"x","version":"1","host":"h","start":"s","status":"ok",'
    '"duration_s":1,"params":{},"metrics":[{"name":"a","value":1,"unit":"B","better":"higher"},{"value":"x"},{}]}')

# ---- registry ----
reg = {
    "bearer.txt": 'Bearer realm="https://auth.example.com/token",service="registry.example.com",'
                  'scope="repository:library/busybox:pull"',
    "basic.txt": 'Basic realm="Registry Realm"',
    "both.txt": 'Basic realm="r", Bearer realm="https://a/t", service=s, scope="a:b:pull b:c:push"',
    "escaped.txt": 'Bearer realm="https://a/\\"t\\",x", error="invalid_token"',
    "retry-date.txt": "Sun, 06 Nov 2033 08:49:37 GMT",
    "retry-secs.txt": "120",
    "ref-digest.txt": "sha256:" + "0123456789abcdef" * 4,
    "repo.txt": "library/busy-box.x/a_b",
    "config.json": json.dumps({"auths": {"https://127.0.0.1:5000/v2/": {"auth": "dXNlcjpwYXNz"},
                                         "index.docker.io": {"username": "u", "password": "p"}}}),
    "config-bad.json": '{"auths": {"registry.example.com": {"auth": "!!!"}}}',
}
dg = "sha256:" + "ab" * 32
reg["manifest.json"] = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": dg, "size": 1470},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": dg, "size": 2152262}]})
reg["index.json"] = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"digest": dg, "size": 528, "platform": {"os": "linux", "architecture": "amd64"}},
                  {"digest": dg, "size": 528, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
                  {"digest": dg, "size": 528, "platform": {"os": "linux", "architecture": "arm"}}]})
reg["docker-v2.json"] = json.dumps({
    "schemaVersion": 2, "config": {"digest": dg, "size": 7}, "layers": []})
reg["docker-list.json"] = json.dumps({"schemaVersion": 2, "manifests": [{"digest": dg, "size": 1}]})
for k, v in reg.items():
    put("registry", k, v)

# ---- units and quantities ----
units = {
    "size.txt": "4KiB", "size-frac.txt": "1.5GiB", "size-dec.txt": " 1GB ", "size-big.txt": "16383PiB",
    "duration.txt": "500ms", "duration-h.txt": "1.5h", "duration-d.txt": "365d",
    "int.txt": "-9223372036854775808", "float.txt": "2.5e-3", "bool.txt": "Yes",
    "rate.txt": "2.9 TB/s", "bits.txt": "400 Gb/s", "temp.txt": "85 \u00b0C", "pct.txt": "3%",
    "exp.txt": "-1.5e+3 kW", "enum.txt": "gpu\ncpu|gpu|auto", "list.txt": "fp32,bf16\nfp32|fp64|bf16",
}
for k, v in units.items():
    put("units", k, v)
