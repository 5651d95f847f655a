#!/usr/bin/env python3
"""Recomputes the summaries of a run file with h5py + NumPy/pandas and compares them with the CSV
files Kernscope wrote (kernels.csv, memory.csv, api.csv, ranges.csv).
usage: check_summary.py RUN.ksr.h5 CSV_DIR      exit 0 when every figure matches."""
import sys

import h5py
import numpy as np
import pandas as pd

CONFIG = ["grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z",
          "registers_per_thread", "shared_static", "shared_dynamic"]
KINDS = {0: "Unknown", 1: "HtoD", 2: "DtoH", 3: "DtoD", 4: "HtoH", 5: "PtoP"}
failures = []


def close(a, b, what, rel=1e-6, abs_=2e-3):
    # CSV figures carry three decimals: allow that rounding plus a relative epsilon.
    if not np.isclose(float(a), float(b), rtol=rel, atol=abs_):
        failures.append(f"{what}: ours {a} vs numpy {b}")


def stats(durations):
    d = np.asarray(durations, dtype=np.int64)
    # nsys and pandas report the sample standard deviation (ddof=1); one instance: 0.
    std = float(np.std(d, ddof=1)) if len(d) > 1 else 0.0
    return {"Total Time (ns)": int(d.sum()), "Instances": len(d), "Avg (ns)": float(np.mean(d)),
            "Med (ns)": float(np.median(d)), "Min (ns)": int(d.min()), "Max (ns)": int(d.max()),
            "StdDev (ns)": std}


def compare(ours, expected, key, label):
    ours = ours.set_index(key)
    if sorted(ours.index) != sorted(expected.keys()):
        failures.append(f"{label}: rows {sorted(ours.index)[:5]}... vs {sorted(expected)[:5]}...")
        return
    grand = sum(e["Total Time (ns)"] for e in expected.values())
    for name, e in expected.items():
        row = ours.loc[name]
        for col, value in e.items():
            close(row[col], value, f"{label} {name!r} {col}")
        close(row["Time (%)"], 100.0 * e["Total Time (ns)"] / grand, f"{label} {name!r} Time (%)")
    totals = list(ours["Total Time (ns)"])
    if totals != sorted(totals, reverse=True):
        failures.append(f"{label}: rows are not sorted by total time")


def main(run_path, csv_dir):
    with h5py.File(run_path, "r") as f:
        blob = f["strings/data"][...].tobytes()
        offsets = f["strings/offsets"][...]
        text = lambda i: blob[offsets[int(i)]:offsets[int(i) + 1]].decode("utf-8")
        k = {c: f["gpu/kernels"][c][...] for c in ["start_ns", "end_ns", "name"] + CONFIG}
        m = {c: f["gpu/memcpy"][c][...] for c in ["start_ns", "end_ns", "kind", "bytes"]}
        s = {c: f["gpu/memset"][c][...] for c in ["start_ns", "end_ns", "bytes"]}
        api = {c: f["cpu/api"][c][...] for c in ["start_ns", "end_ns", "name"]}
        rng = {c: f["cpu/ranges"][c][...] for c in ["start_ns", "end_ns", "name"]}

    # Kernels, with pandas group-by like a user would do it.
    df = pd.DataFrame(k)
    df["dur"] = df["end_ns"] - df["start_ns"]
    expected = {text(n): stats(g["dur"].to_numpy()) for n, g in df.groupby("name")}
    ours = pd.read_csv(f"{csv_dir}/kernels.csv", keep_default_na=False)
    compare(ours, expected, "Name", "kernels")
    counts = df.groupby(["name"] + CONFIG).size().rename("n").reset_index()
    counts = counts.sort_values(["name", "n"] + CONFIG, ascending=[True, False] + [True] * 9)
    for r in counts.drop_duplicates("name").itertuples():
        row = ours.set_index("Name").loc[text(r.name)]
        want = (f"{r.grid_x}x{r.grid_y}x{r.grid_z}", f"{r.block_x}x{r.block_y}x{r.block_z}",
                r.registers_per_thread, r.shared_static, r.shared_dynamic, r.n)
        got = (row["Grid"], row["Block"], row["Registers Per Thread"], row["Static Shared (B)"],
               row["Dynamic Shared (B)"], row["Config Instances"])
        if tuple(map(str, want)) != tuple(map(str, got)):
            failures.append(f"kernels {text(r.name)!r} launch config: ours {got} vs {want}")

    # Memory operations by kind; bandwidth in GB/s = bytes per ns.
    expected, gbps = {}, {}
    for kind in np.unique(m["kind"]):
        sel = m["kind"] == kind
        d = m["end_ns"][sel] - m["start_ns"][sel]
        b = m["bytes"][sel].astype(np.float64)
        e = stats(d)
        e["Total (B)"] = int(m["bytes"][sel].sum())
        expected[KINDS[int(kind)]] = e
        gbps[KINDS[int(kind)]] = (b.sum() / d.sum(), np.max(b[d > 0] / d[d > 0]))
    if len(s["start_ns"]):
        d = s["end_ns"] - s["start_ns"]
        expected["Memset"] = stats(d) | {"Total (B)": int(s["bytes"].sum())}
        b = s["bytes"].astype(np.float64)
        gbps["Memset"] = (b.sum() / d.sum(), np.max(b[d > 0] / d[d > 0]))
    ours = pd.read_csv(f"{csv_dir}/memory.csv", keep_default_na=False)
    compare(ours, expected, "Operation", "memory")
    for op, (avg, peak) in gbps.items():
        row = ours.set_index("Operation").loc[op]
        close(row["Avg (GB/s)"], avg, f"memory {op} Avg (GB/s)", rel=1e-4)
        close(row["Peak (GB/s)"], peak, f"memory {op} Peak (GB/s)", rel=1e-4)

    for table, csv in ((api, "api.csv"), (rng, "ranges.csv")):
        d = table["end_ns"] - table["start_ns"]
        expected = {text(n): stats(d[table["name"] == n]) for n in np.unique(table["name"])}
        compare(pd.read_csv(f"{csv_dir}/{csv}", keep_default_na=False), expected, "Name", csv)

    for f in failures[:20]:
        print(f)
    print(f"{len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
