#!/usr/bin/env python3
"""Builds a large real Kineto trace for the import benchmark: the events of a real trace
(HolisticTraceAnalysis' A100 trace from shared/thirdparty/kineto) repeated with shifted times
and correlation ids until the file reaches the requested size.

usage: make_big_kineto.py SOURCE.json.gz OUT.json MEGABYTES"""
import gzip
import json
import sys

src, out, megabytes = sys.argv[1], sys.argv[2], float(sys.argv[3])
with gzip.open(src, "rt") as f:
    trace = json.load(f)
events = trace["traceEvents"]
span = max(e.get("ts", 0) + e.get("dur", 0) for e in events) - min(e["ts"] for e in events if "ts" in e)
corr_step = 1 + max(e.get("args", {}).get("correlation", 0) for e in events
                    if isinstance(e.get("args", {}).get("correlation", 0), int))
head = {k: v for k, v in trace.items() if k != "traceEvents"}
target = int(megabytes * 1e6)
with open(out, "w") as f:
    f.write(json.dumps(head)[:-1] + ', "traceEvents": [\n')
    written, copy, first = 0, 0, True
    while written < target:
        for e in events:
            if e.get("ph") == "M" and copy > 0:
                continue
            e = dict(e)
            if "ts" in e:
                e["ts"] = e["ts"] + copy * (span + 1000)
            if isinstance(e.get("args"), dict) and isinstance(e["args"].get("correlation"), int):
                e["args"] = dict(e["args"])
                e["args"]["correlation"] += copy * corr_step
            if e.get("ph") in ("s", "f") and isinstance(e.get("id"), int):
                e["id"] += copy * corr_step
            line = ("" if first else ",\n") + json.dumps(e)
            first = False
            f.write(line)
            written += len(line)
        copy += 1
    f.write("\n]}\n")
