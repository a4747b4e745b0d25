#!/usr/bin/python3
"""fleet-gen.py OUT.json - the fleet fixture (fleet.json) without its verdict.

Four nodes: n001 ok, n002 20 % slower in HBM triad but above the baseline, n003
unreachable, n004 on another NVIDIA driver; one collective step (busbw-all)
across all of them. fleet.json is this document with the verdict against
fleet-baseline.yaml added (verdict_evaluate, as `shakedown report` does).
"""
import json, sys
def metric(name, unit, value, labels=None, better="higher"):
    m = {"name": name, "unit": unit, "better": better}
    if labels: m["labels"] = labels
    m.update({"value": value, "samples": [value], "stats": {"n": 1, "median": value, "min": value, "max": value, "mean": value, "stddev": 0, "cv": 0}})
    return m
def result_doc(probe, host, metrics, env=None):
    return {"protocol": 1, "probe": probe, "version": "1.0.0", "status": "ok", "reason": None, "host": host,
            "start": "2026-11-24T13:40:00.000Z", "duration_s": 1.0, "params": {},
            "metrics": [{k: v for k, v in m.items() if k not in ("stats",)} for m in metrics],
            "series": [], "env": env or {}}
def step(id, probe, metrics, status="ok", reason=None, result=None, host="n001"):
    if result is None:
        result = result_doc(probe, host, metrics)
    at = {"status": status, "reason": reason, "wall_s": 1.0, "exit": {"code": 0, "signal": None}, "result": result}
    return {"id": id, "probe": probe, "status": status, "reason": reason, "started": "2026-11-24T13:40:00.000Z",
            "duration_s": 1.0, "repeat": 1, "log": "logs/%s.log" % id, "attempts": [at], "metrics": metrics}
def inventory(host, driver):
    return {"protocol": 1, "probe": "sysinfo", "version": "1.0.0", "host": host, "status": "ok", "reason": None,
            "start": "2026-11-24T13:40:00.000Z", "duration_s": 0.2, "params": {}, "metrics": [metric("gpus", "count", 2), metric("memory_total", "B", 1099511627776)],
            "series": [],
            "env": {"hostname": host, "os": {"pretty_name": "Debian GNU/Linux 12 (bookworm)"},
                    "kernel": {"release": "6.1.0-27-amd64", "machine": "x86_64"},
                    "cpu": {"model": "Test CPU", "sockets": 2, "cores": 64, "threads": 128, "governor": "performance"},
                    "memory": {"total": 1099511627776, "available": 1000000000000 + 7 * len(host), "swap_total": 0,
                               "swap_free": 0, "hugepages_total": 0, "hugepages_free": 0, "hugepage_size": 2097152},
                    "nvml": {"driver_version": driver, "cuda_driver_version": "12.8"},
                    "gpus": [{"index": i, "name": "Test GPU", "memory_total": 85899345920} for i in range(2)]}}
def audit(driver, host):
    return result_doc("audit", host, [], {"inventory": {"kernel": "6.1.0-27-amd64", "nvidia_driver": driver, "cuda_driver": "12.8",
                                  "nccl": "2.21.5", "module.nvidia": driver}})
nodes = []
spec = [("n001", 1.00, "580.65.06"), ("n002", 0.80, "580.65.06"), ("n003", None, None), ("n004", 1.01, "570.124.06")]
for host, f, drv in spec:
    if f is None:
        nodes.append({"host": host, "rank": 2, "status": "unreachable",
                      "reason": "ssh: connect to host n003 port 22: No route to host",
                      "inventory_status": "unreachable", "inventory": None, "requires": None, "steps": []})
        continue
    hbm = [metric("triad", "B/s", round(3.0e12 * f * (1 + 0.002 * g)), {"gpu": str(g)}) for g in range(2)]
    gemm = [metric("bf16_8192x8192x8192", "FLOP/s", round(7.9e14 * (1 + 0.001 * len(nodes))))]
    nodes.append({"host": host, "rank": len(nodes), "status": "ok", "reason": None, "inventory_status": "ok",
                  "inventory": inventory(host, drv), "requires": {"checks": [], "met": True},
                  "steps": [step("hbm", "membw", hbm, host=host), step("gemm-gpu", "gemm", gemm, host=host),
                            step("audit", "audit", [], result=audit(drv, host), host=host)]})
busbw = step("busbw-all", "busbw", [metric("all_reduce_busbw", "B/s", 1.5e11, {"bytes": "1073741824"})])
busbw["scope"] = "cluster"
# the runner lists every node-local step at the top too, as a summary of the nodes' own (scope "nodes")
summaries = []
for id, probe in (("hbm", "membw"), ("gemm-gpu", "gemm"), ("audit", "audit")):
    s = {"id": id, "probe": probe, "status": "ok", "reason": None, "started": "2026-11-24T13:40:00.000Z",
         "duration_s": 1.0, "repeat": 1, "log": "logs/%s.log" % id, "attempts": [], "metrics": [],
         "scope": "nodes", "nodes": {"ok": 3, "not_run": 1}}
    summaries.append(s)
doc = {"schema_version": 1, "shakedown_version": "0.1.0",
       "run": {"id": "fleet-20261124T134000Z", "status": "complete", "started": "2026-11-24T13:40:00.000Z",
               "finished": "2026-11-24T13:45:00.000Z", "duration_s": 300, "exit_code": 1,
               "command": ["shakedown", "run", "suites/fleet.yaml"]},
       "plan": {"name": "fleet", "path": "suites/fleet.yaml", "description": "four nodes, one of them lost",
                "defaults": {}, "requires": {}, "steps": []},
       "environment": {},
       "host": {"hostname": "runner01", "inventory_status": "ok", "inventory": None},
       "cluster": {"nodes": 4, "source": "hostfile", "on_node_failure": "exclude"},
       "requires": {"checks": [], "met": True},
       "nodes": nodes, "steps": summaries + [busbw],
       "locate": [{"step": "busbw-all", "metric": "all_reduce_busbw",
                   "pairs": [{"a": "n001", "b": "n002", "round": 0, "value": 1.1e11, "status": "ok", "slow": True},
                             {"a": "n004", "b": "n001", "round": 1, "value": 1.6e11, "status": "ok", "slow": False},
                             {"a": "n002", "b": "n004", "round": 1, "value": 1.1e11, "status": "ok", "slow": True}],
                   "suspect_nodes": [{"host": "n002", "reason": "slow in 2 of 2 pairs"}], "suspect_links": []}],
       "summary": {"steps": 7, "ok": 7, "skipped": 0, "failed": 0, "error": 0, "interrupted": 0, "not_run": 0}}
json.dump(doc, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
