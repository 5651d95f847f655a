#!/usr/bin/env python3
"""Recomputes utilisation, the time breakdown with idle attribution, launch overhead and step
statistics of a run file with h5py + pandas (no Kernscope code) and compares them with what
`kernscope-cli stats --report utilization --format csv` and `--report diagnosis --format json`
printed.  usage: check_diagnosis.py RUN.ksr.h5 UTILIZATION.csv DIAGNOSIS.json
exit 0 when every figure matches; prints one line per difference otherwise."""
import json
import re
import sys

import h5py
import numpy as np
import pandas as pd

failures = []
STEP = re.compile(r"^(step \d+|ProfilerStep#\d+)$")


def check(cond, what):
    if not cond:
        failures.append(what)


def table(f, path, columns):
    if path not in f:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
    return pd.DataFrame({c: f[path][c][...] for c in columns})


def union(df, lo, hi):
    """Merged [start, end) intervals of df clipped to [lo, hi), in start order (stable)."""
    d = df.assign(s=df.start_ns.clip(lower=lo), e=df.end_ns.clip(upper=hi))
    d = d[d.e > d.s].sort_values("start_ns", kind="stable")
    out = []  # [begin, end, first row label]
    for label, s, e in zip(d.index, d.s, d.e):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e, label])
    return out


def length(merged):
    return int(sum(e - s for s, e, _ in merged))


def main(run_path, csv_path, json_path):
    with h5py.File(run_path, "r") as f:
        blob = f["strings/data"][...].tobytes()
        offsets = f["strings/offsets"][...]
        text = lambda i: blob[offsets[int(i)]:offsets[int(i) + 1]].decode("utf-8")
        cols = ["start_ns", "end_ns", "device", "stream", "correlation"]
        k = table(f, "gpu/kernels", cols + ["name"])
        m = table(f, "gpu/memcpy", cols)
        s = table(f, "gpu/memset", cols)
        api = table(f, "cpu/api", ["start_ns", "end_ns", "correlation", "name"])
        rng = table(f, "cpu/ranges", ["start_ns", "end_ns", "name"])
    k["kernel"], m["kernel"], s["kernel"] = True, False, False
    gpu = pd.concat([k.drop(columns="name"), m, s], ignore_index=True)
    lo, hi = int(gpu.start_ns.min()), int(gpu.end_ns.max())

    # Utilisation: exactly the CSV columns, device row (empty stream) then its streams.
    ours = pd.read_csv(csv_path)
    check(list(ours.columns) == ["device", "stream", "busy_ns", "span_ns", "busy_percent"],
          f"utilization columns {list(ours.columns)}")
    expected = []
    for dev, g in gpu.groupby("device"):
        expected.append((dev, None, length(union(g, lo, hi))))
        for st, gs in g.groupby("stream"):
            expected.append((dev, st, length(union(gs, lo, hi))))
    check(len(ours) == len(expected), f"utilization rows {len(ours)} vs {len(expected)}")
    for (dev, st, busy), (_, row) in zip(expected, ours.iterrows()):
        what = f"device {dev} stream {st}"
        check(row.device == dev, f"{what}: device {row.device}")
        check(pd.isna(row.stream) if st is None else row.stream == st, f"{what}: stream {row.stream}")
        check(row.busy_ns == busy, f"{what}: busy {row.busy_ns} vs pandas {busy}")
        check(row.span_ns == hi - lo, f"{what}: span {row.span_ns} vs {hi - lo}")
        check(np.isclose(row.busy_percent, 100 * busy / (hi - lo), atol=1e-5),
              f"{what}: busy % {row.busy_percent}")

    d = json.load(open(json_path))
    # Breakdown and idle attribution.
    names = api.name.map(text)
    syncs = api[names.str.contains("Synchronize")]
    launch = api[api.correlation != 0].drop_duplicates("correlation").set_index("correlation")
    breakdown = {b["device"]: b for b in d["breakdown"]}
    for dev, g in gpu.groupby("device"):
        b = breakdown.get(dev)
        if b is None:
            failures.append(f"breakdown: no device {dev}")
            continue
        merged = union(g, lo, hi)
        compute = length(union(g[g.kernel], lo, hi))
        busy = length(merged)
        check(b["compute_ns"] == compute, f"device {dev} compute {b['compute_ns']} vs {compute}")
        check(b["copy_ns"] == busy - compute, f"device {dev} copy {b['copy_ns']} vs {busy - compute}")
        check(b["idle_ns"] == hi - lo - busy, f"device {dev} idle {b['idle_ns']}")
        host = sync = other = 0
        gaps = [(lo if i == 0 else merged[i - 1][1], merged[i][0], merged[i][2])
                for i in range(len(merged))] + [(merged[-1][1] if merged else lo, hi, None)]
        for g0, g1, nxt in gaps:
            if g1 <= g0:
                continue
            if ((syncs.start_ns < g1) & (syncs.end_ns > g0)).any():
                sync += g1 - g0
                continue
            corr = int(gpu.correlation[nxt]) if nxt is not None else 0
            if corr in launch.index and launch.start_ns[corr] >= g0:
                host += g1 - g0
            else:
                other += g1 - g0
        for key, value in (("idle_host_ns", host), ("idle_sync_ns", sync), ("idle_other_ns", other)):
            check(b[key] == value, f"device {dev} {key} {b[key]} vs pandas {value}")

    # Launch overhead.
    kl = k[k.correlation.isin(launch.index)]
    latency = kl.start_ns.values - launch.start_ns[kl.correlation].values
    cost = launch.end_ns[kl.correlation].values - launch.start_ns[kl.correlation].values
    shorter = int(((kl.end_ns - kl.start_ns).values < cost).sum())
    L = d["launch"]
    check(L["matched"] == len(kl), f"launch matched {L['matched']} vs {len(kl)}")
    check(L["shorter_than_launch"] == shorter, f"shorter {L['shorter_than_launch']} vs {shorter}")
    if len(kl):
        check(np.isclose(L["median_latency_ns"], np.median(latency)),
              f"median latency {L['median_latency_ns']} vs {np.median(latency)}")
        per = pd.DataFrame({"name": kl.name.map(text).values, "lat": latency})
        ours_per = {p["name"]: p for p in L["per_name"]}
        for name, grp in per.groupby("name"):
            p = ours_per.get(name)
            check(p is not None and p["count"] == len(grp) and
                  np.isclose(p["median_latency_ns"], grp.lat.median()),
                  f"launch per name {name[:40]}")

    # Steps.
    steps = rng[rng.name.map(lambda i: bool(STEP.search(text(i))))].sort_values(
        "start_ns", kind="stable")
    S = d["steps"]["steps"]
    check(len(S) == len(steps), f"steps {len(S)} vs {len(steps)}")
    if len(steps):
        dur = (steps.end_ns - steps.start_ns).values
        med = float(np.median(dur))
        check(np.isclose(d["steps"]["median_ns"], med), f"median step {d['steps']['median_ns']} vs {med}")
        outliers = list(np.nonzero(dur > 1.5 * med)[0]) if len(dur) >= 3 else []
        check([x["index"] for x in S if x["outlier"]] == outliers, "outlier steps")
        whole = union(gpu, int(gpu.start_ns.min()), hi)
        for x, (_, r) in list(zip(S, steps.iterrows()))[:200]:
            busy = length(union(pd.DataFrame({"start_ns": [a for a, _, _ in whole],
                                              "end_ns": [b for _, b, _ in whole]}),
                                int(r.start_ns), int(r.end_ns)))
            check(x["gpu_busy_ns"] == busy, f"step {x['index']} GPU busy {x['gpu_busy_ns']} vs {busy}")

    for line in failures[:30]:
        print(line)
    print(f"{len(failures)} differences" if failures else "diagnosis matches pandas")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
