#!/usr/bin/env python3
"""Independent oracle for `kernscope-cli diff --report kernels|ranges --format csv`: recomputes the
diff table of two runs with h5py + pandas (count, total, mean, median, delta, ratios, and the
two-sided Mann-Whitney U p-value from pandas' average ranks with tie and continuity corrections)
and compares it with the CSV row by row.

    diff_oracle.py A B DIFF.csv [--table kernels|ranges] [--rename REGEX=REPL]
(A/B: run files or Chrome trace JSON files)
Exit 0 when everything agrees, 1 with the first difference.
"""
import argparse
import io
import json
import math
import re
import sys

import h5py
import numpy as np
import pandas as pd


TABLES = {"kernels": "/gpu/kernels", "ranges": "/cpu/ranges"}
NOT_RANGES = {"kernel", "gpu_memcpy", "gpu_memset", "cuda_runtime", "cuda_driver"}


def from_run(path, table):
    with h5py.File(path, "r") as f:
        blob = f["strings/data"][...].tobytes()
        off = f["strings/offsets"][...]
        strings = [blob[off[i]:off[i + 1]].decode() for i in range(len(off) - 1)]
        k = f[TABLES[table]]
        return pd.DataFrame({"name": [strings[i] for i in k["name"][()]],
                             "dur": k["end_ns"][()].astype(np.int64) - k["start_ns"][()].astype(np.int64)})


def from_chrome(path, table):
    """Chrome trace JSON (a PyTorch profiler trace): complete ('X') events; 'kernel' events are
    kernels, events of other categories (cpu_op, user_annotation, ...) CPU ranges. Durations are
    microseconds and become whole nanoseconds."""
    with open(path) as f:
        doc = json.load(f)
    events = doc["traceEvents"] if isinstance(doc, dict) else doc
    def wanted(e):
        cat = str(e.get("cat", "")).lower()
        return cat == "kernel" if table == "kernels" else cat not in NOT_RANGES
    rows = [(e["name"], int(np.round(float(e["dur"]) * 1000)))
            for e in events if e.get("ph") == "X" and wanted(e)]
    return pd.DataFrame(rows, columns=["name", "dur"])


def load(path, table):
    with open(path, "rb") as f:
        magic = f.read(8)
    return from_run(path, table) if magic == b"\x89HDF\r\n\x1a\n" else from_chrome(path, table)


def without_numbers(name):
    """Free-standing numbers become '#' ("step 12" -> "step #"); digits ending a word stay."""
    return re.sub(r"(?<![A-Za-z])[0-9]+", "#", name)


def mann_whitney_p(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return 1.0
    both = pd.Series(np.concatenate([a, b]))
    ranks = both.rank(method="average").to_numpy()
    u = ranks[n1:].sum() - n2 * (n2 + 1) / 2
    n = n1 + n2
    ties = both.value_counts().to_numpy().astype(np.float64)
    var = n1 * n2 / 12 * ((n + 1) - (ties ** 3 - ties).sum() / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = max(0.0, abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return min(1.0, math.erfc(z / math.sqrt(2)))


def close(x, y, rel=1e-6, absolute=1e-9):
    if (x is None or (isinstance(x, float) and math.isnan(x))) and (y is None or (isinstance(y, float) and math.isnan(y))):
        return True
    return abs(x - y) <= absolute + rel * max(abs(x), abs(y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("csv")
    ap.add_argument("--rename", action="append", default=[])
    ap.add_argument("--table", choices=sorted(TABLES), default="kernels")
    args = ap.parse_args()
    a, b = load(args.a, args.table), load(args.b, args.table)
    for spec in args.rename:
        pattern, repl = spec.split("=", 1)
        repl = re.sub(r"\$(\d)", r"\\\1", repl)
        for df in (a, b):
            df["name"] = df["name"].map(lambda s: re.sub(pattern, repl, s))
    if args.table == "ranges":  # the diff merges numbered ranges by default
        for df in (a, b):
            df["name"] = df["name"].map(without_numbers)
    ours = pd.read_csv(args.csv, keep_default_na=True)
    ours = ours.set_index("name")
    names = sorted(set(a["name"]) | set(b["name"]))
    if len(names) != len(ours):
        print(f"row count: oracle {len(names)}, kernscope {len(ours)}")
        return 1
    ga, gb = a.groupby("name")["dur"], b.groupby("name")["dur"]
    checked = 0
    for name in names:
        if name not in ours.index:
            print(f"missing row {name!r}")
            return 1
        row = ours.loc[name]
        da = ga.get_group(name) if name in ga.groups else pd.Series([], dtype=np.int64)
        db = gb.get_group(name) if name in gb.groups else pd.Series([], dtype=np.int64)
        expect = {
            "instances_a": len(da), "instances_b": len(db),
            "total_a_ns": int(da.sum()), "total_b_ns": int(db.sum()),
            "avg_a_ns": da.mean() if len(da) else float("nan"),
            "avg_b_ns": db.mean() if len(db) else float("nan"),
            "median_a_ns": da.median() if len(da) else float("nan"),
            "median_b_ns": db.median() if len(db) else float("nan"),
            "delta_total_ns": int(db.sum()) - int(da.sum()),
            "total_ratio": db.sum() / da.sum() if da.sum() > 0 else float("nan"),
            "median_ratio": db.median() / da.median() if len(da) and len(db) and da.median() > 0 else float("nan"),
            "p_value": mann_whitney_p(da, db) if len(da) and len(db) else float("nan"),
        }
        for col, want in expect.items():
            got = float(row[col])
            if not close(got, float(want)):
                print(f"{name!r} {col}: oracle {want}, kernscope {got}")
                return 1
        change = "" if pd.isna(row["change"]) else row["change"]
        if (len(da) == 0) != (change == "new") or (len(db) == 0) != (change == "gone"):
            print(f"{name!r}: change {change!r} but instances {len(da)} / {len(db)}")
            return 1
        checked += 1
    # Sorted by |delta total|, largest first.
    deltas = ours["delta_total_ns"].abs().to_numpy()
    if not all(deltas[i] >= deltas[i + 1] for i in range(len(deltas) - 1)):
        print("rows are not sorted by |delta total|")
        return 1
    print(f"ok: {checked} rows agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
