#!/usr/bin/env bash
# fleet.sh BUILDDIR - the verdict and reports of a multi-node run through the real command line:
# `shakedown report` on tests/data/reports/fleet.json (four nodes: n001 ok, n002 20 % slower in HBM
# triad but above its baseline, n003 unreachable, n004 on another driver; one collective step) against
# tests/data/reports/fleet-baseline.yaml. The verdict must say NOT READY (exit 1) naming n003, flag n002
# as the only outlier, find the driver drift, judge the collective check once on the `cluster` node and
# validate against runner/schema/results.schema.json; the reports must show the same.
cd "$(dirname "$0")/../.."
. tests/e2e/_lib.sh

echo "fleet: shakedown report of a four-node run"
cp tests/data/reports/fleet.json "$TMP/results.json"
"$SD" report "$TMP/results.json" --baseline tests/data/reports/fleet-baseline.yaml --out "$TMP" >"$TMP/out" 2>"$TMP/err"
code=$?
expect "report exits 1: NOT READY (exit $code)" [ "$code" -eq 1 ]
R=$TMP/results.json
expect "results.json (with the verdict) matches the schema" schema results "$R"
expect "the run is NOT READY" [ "$(jget "$R" "d['verdict']['status']")" = "NOT READY" ]
expect "not_ready_nodes names n003 and why" [ "$(jget "$R" "[(n['host'], n['reason'].split(':')[0]) for n in d['verdict']['not_ready_nodes']]")" = "[('n003', 'unreachable')]" ]
expect "n002 is the only outlier, on both GPUs" [ "$(jget "$R" "(sorted({o['host'] for o in d['verdict']['outliers']}), len(d['verdict']['outliers']))")" = "(['n002'], 2)" ]
expect "n002 still passes its baseline" [ "$(jget "$R" "[n['status'] for n in d['verdict']['nodes'] if n['host'] == 'n002'][0]")" = "READY" ]
expect "the driver drift names n004" [ "$(jget "$R" "[v['hosts'] for k in d['verdict']['drift'] if k['key'] == 'nvidia_driver' for v in k['values']][1]")" = "['n004']" ]
expect "the collective check is judged once, on cluster" [ "$(jget "$R" "[c['host'] for c in d['verdict']['checks'] if c['step'] == 'busbw-all']")" = "['cluster']" ]
expect "report.md lists the NOT READY node" grep -q '^| `n003` | unreachable: ssh' "$TMP/report.md"
expect "report.md lists the outlier" grep -q '^| `n002` | `hbm.triad{gpu=0}` |' "$TMP/report.md"
expect "report.html has the heatmap" grep -q '<section id="heatmap">' "$TMP/report.html"
expect "junit.xml has a testcase for the lost node" grep -q 'name="node:unreachable"' "$TMP/junit.xml"
expect "junit.xml is well-formed XML" /usr/bin/python3 -c \
	"import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" "$TMP/junit.xml"
expect "metrics.prom has the lost node not ready" grep -q '^shakedown_node_ready{host="n003",status="NOT READY"} 0$' \
	"$TMP/metrics.prom"
finish
