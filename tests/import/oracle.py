#!/usr/bin/env python3
"""Independent oracles for the importer tests: reads another tool's file with Python's json/csv
(and pandas for rocprof) and prints, as JSON, what the run Kernscope imports from it must
contain. Written from the formats' documentation, not from the C++ importers.

usage: oracle.py KIND FILE     KIND: kineto | folded | rocprof | speedscope | cpuprofile"""
import collections
import csv
import decimal
import gzip
import json
import math
import sys


def micros_to_ns(value):
    """Exact ns from a JSON number of microseconds (as written, via Decimal)."""
    return int((decimal.Decimal(str(value)) * 1000).to_integral_value(decimal.ROUND_HALF_UP))


def load_json(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f, parse_float=decimal.Decimal)


def kineto(path):
    doc = load_json(path)
    events = doc["traceEvents"] if isinstance(doc, dict) else doc
    timed = [e for e in events if e.get("ph") in ("X", "B", "E", "C") and "ts" in e
             and (e["ph"] != "X" or "dur" in e)]
    origin = min(micros_to_ns(e["ts"]) for e in timed)
    props = {p["id"]: p for p in doc.get("deviceProperties", [])} if isinstance(doc, dict) else {}
    out = {"kernels": [], "memcpy": [], "memset": [], "api": [], "cpu_ranges": 0,
           "gpu_ranges": 0, "devices": {}, "occupancy": []}
    kinds = ["HtoD", "DtoH", "DtoD", "HtoH", "PtoP"]
    for e in events:
        if e.get("ph") != "X" or "dur" not in e:
            continue
        cat = str(e.get("cat", "")).lower()
        args = e.get("args", {})
        start = micros_to_ns(e["ts"]) - origin
        end = start + micros_to_ns(e["dur"])
        device = args.get("device", e.get("pid"))
        stream = args.get("stream", e.get("tid"))
        corr = args.get("correlation", 0)
        if cat == "kernel":
            grid = args.get("grid", [0, 0, 0])
            block = args.get("block", [0, 0, 0])
            out["kernels"].append([start, end, int(device), int(stream), int(corr), e["name"],
                                   [int(g) for g in grid], [int(b) for b in block],
                                   int(args.get("registers per thread", 0)),
                                   int(args.get("shared memory", 0))])
            if "est. achieved occupancy %" in args:
                out["occupancy"].append([int(device), start, float(args["est. achieved occupancy %"])])
            out["devices"][str(int(device))] = props.get(int(device), {}).get("name", "")
        elif cat in ("gpu_memcpy", "gpu_memset"):
            kind = 0
            for text in (str(args.get("kind", "")), e["name"]):
                for i, k in enumerate(kinds):
                    if kind == 0 and k in text:
                        kind = i + 1
            row = [start, end, int(device), int(stream), int(corr), int(args.get("bytes", 0))]
            if cat == "gpu_memcpy":
                out["memcpy"].append(row + [kind])
            else:
                out["memset"].append(row)
        elif cat in ("cuda_runtime", "cuda_driver"):
            out["api"].append([start, end, int(corr), e["name"]])
        elif cat == "gpu_user_annotation" or (cat == "cuda_sync" and "device" in args):
            out["gpu_ranges"] += 1
        else:
            out["cpu_ranges"] += 1
    for key in ("kernels", "memcpy", "memset", "api", "occupancy"):
        out[key].sort()
    dev_props = {}
    for d in out["devices"]:
        p = props.get(int(d), {})
        dev_props[d] = {"name": p.get("name", ""), "sm_count": p.get("numSms", 0),
                        "memory_bytes": p.get("totalGlobalMem", 0),
                        "cc_major": p.get("computeMajor", 0), "cc_minor": p.get("computeMinor", 0)}
    out["devices"] = dev_props
    base = doc.get("baseTimeNanoseconds") if isinstance(doc, dict) else None
    out["origin_unix_ns"] = origin + (int(base) if base is not None else 0)
    return out


def decode_text(raw):
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def folded(path):
    with open(path, "rb") as f:
        text = decode_text(f.read())
    weights, invalid = collections.Counter(), 0
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.strip().split(";") if f]
        if not count.isdigit() or not frames or int(count) > 2 ** 53:
            invalid += 1
            continue
        if int(count):
            weights[";".join(frames)] += int(count)
    return {"stacks": dict(weights), "invalid": invalid}


def rocprof(path):
    import pandas as pd
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = set(df.columns)
    start_col = "Start_Timestamp" if "Start_Timestamp" in cols else "BeginNs"
    end_col = "End_Timestamp" if "End_Timestamp" in cols else "EndNs"
    start = df[start_col].astype("int64")
    end = df[end_col].astype("int64")
    origin = int(start.min())
    out = {"rows": len(df), "origin": origin}

    def agent(v):
        v = str(v).strip()
        return int(v[6:] if v.startswith("Agent ") else v)

    def blocks(items, group):
        return 0 if group == 0 else -(-items // group)

    if "Kernel_Name" in cols or "KernelName" in cols:
        name_col = "Kernel_Name" if "Kernel_Name" in cols else "KernelName"
        rows = []
        for i, r in df.iterrows():
            name = r[name_col].strip()
            for suffix in (" [clone .kd]", ".kd"):
                if name.endswith(suffix):
                    name = name[: -len(suffix)]
            dev = agent(r.get("Agent_Id", r.get("GPU_ID", r.get("gpu-id"))))
            stream = int(r["Stream_Id"]) if "Stream_Id" in cols else int(
                r.get("Queue_Id", r.get("queue-id", 0)))
            corr = int(r.get("Correlation_Id", r.get("Correlation_ID", 0)) or 0)
            if "Grid_Size_X" in cols:
                wg = [int(r["Workgroup_Size_" + a]) for a in "XYZ"]
                grid = [blocks(int(r["Grid_Size_" + a]), w) for a, w in zip("XYZ", wg)]
            else:
                w = int(r.get("Workgroup_Size", r.get("wgr")))
                wg = [w, 1, 1]
                grid = [blocks(int(r.get("Grid_Size", r.get("grd"))), w), 1, 1]
            rows.append([int(start[i]) - origin, int(end[i]) - origin, dev, stream, corr, name,
                         grid, wg])
        out["kernels"] = sorted(rows)
    elif "Direction" in cols:
        kinds = {"MEMORY_COPY_HOST_TO_DEVICE": 1, "MEMORY_COPY_DEVICE_TO_HOST": 2,
                 "MEMORY_COPY_DEVICE_TO_DEVICE": 3, "MEMORY_COPY_HOST_TO_HOST": 4}
        rows = []
        for i, r in df.iterrows():
            kind = kinds.get(r["Direction"], 0)
            dev = agent(r["Destination_Agent_Id"] if kind == 1 else r["Source_Agent_Id"])
            rows.append([int(start[i]) - origin, int(end[i]) - origin, dev,
                         int(r.get("Stream_Id", 0)), int(r["Correlation_Id"]), kind])
        out["memcpy"] = sorted(rows)
    else:
        rows = [[int(start[i]) - origin, int(end[i]) - origin, int(r["Thread_Id"]),
                 int(r["Correlation_Id"]), r["Function"]] for i, r in df.iterrows()]
        key = "ranges" if df["Domain"].iloc[0].startswith("MARKER") else "api"
        out[key] = sorted(rows)
    return out


def speedscope(path):
    doc = load_json(path)
    frames = [f.get("name", "") for f in doc.get("shared", {}).get("frames", [])]
    scale = {"nanoseconds": 1, "microseconds": 1000, "milliseconds": 10 ** 6, "seconds": 10 ** 9}
    out = {"profiles": []}
    for p in doc["profiles"]:
        unit = scale.get(p.get("unit", "none"), 1)
        if p.get("type") == "sampled":
            stacks = collections.Counter()
            for s, w in zip(p["samples"], p.get("weights", [1] * len(p["samples"]))):
                stacks[";".join(frames[i] for i in s)] += int(decimal.Decimal(str(w)) * unit)
            out["profiles"].append({"name": p.get("name", ""), "samples": dict(stacks)})
        else:
            opens, ranges = [], []
            for e in p["events"]:
                at = int(decimal.Decimal(str(e["at"])) * unit)
                if e["type"] == "O":
                    opens.append((e["frame"], at))
                else:
                    frame, start = opens.pop()
                    ranges.append([start, at, frames[frame], len(opens)])
            out["profiles"].append({"name": p.get("name", ""), "ranges": sorted(ranges)})
    return out


def cpuprofile(path):
    doc = load_json(path)
    names, parent = {}, {}

    def name_of(cf):
        n = cf.get("functionName") or "(anonymous)"
        if cf.get("url"):
            n += " (%s:%d)" % (cf["url"].rsplit("/", 1)[-1], int(cf.get("lineNumber", -1)) + 1)
        return n

    if "nodes" in doc:
        for n in doc["nodes"]:
            names[n["id"]] = name_of(n.get("callFrame", n))
            for c in n.get("children", []):
                parent[c] = n["id"]
    else:
        todo = [(doc["head"], None)]
        while todo:
            n, p = todo.pop()
            names[n["id"]] = name_of(n)
            if p is not None:
                parent[n["id"]] = p
            todo.extend((c, n["id"]) for c in n.get("children", []))

    def stack(i):
        path = []
        while i in parent:
            path.append(names[i])
            i = parent[i]
        return ";".join(reversed(path)) or "(root)"

    if "timeDeltas" in doc:
        times, t = [], decimal.Decimal(str(doc["startTime"]))
        for d in doc["timeDeltas"]:
            t += decimal.Decimal(str(d))
            times.append(t)
    else:
        times = [decimal.Decimal(str(t)) for t in doc["timestamps"]]
    ns = [int(t * 1000) for t in times[: len(doc["samples"])]]
    origin = min(ns)
    samples = sorted([n - origin, stack(s)] for n, s in zip(ns, doc["samples"]))
    return {"samples": samples}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    result = {"kineto": kineto, "folded": folded, "rocprof": rocprof,
              "speedscope": speedscope, "cpuprofile": cpuprofile}[kind](path)
    json.dump(result, sys.stdout, default=lambda o: int(o) if o == int(o) else float(o))


if __name__ == "__main__":
    main()
