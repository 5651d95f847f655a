#!/usr/bin/env python3
"""The kernel summary of `kernscope-cli stats --report kernels` computed with h5py + pandas, the
way a user would without our code: read the same columns, group by name, same statistics
(sample std), the most common launch config per name (ties: smallest config), sorted by total."""
import sys

import h5py
import numpy as np
import pandas as pd

CONFIG = ["grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z",
          "registers_per_thread", "shared_static", "shared_dynamic"]


def kernel_summary(path):
    with h5py.File(path, "r") as f:
        k = f["gpu/kernels"]
        df = pd.DataFrame({c: k[c][...] for c in ["start_ns", "end_ns", "name"] + CONFIG})
        blob = f["strings/data"][...].tobytes()
        offsets = f["strings/offsets"][...]
    df["dur"] = df["end_ns"] - df["start_ns"]
    g = df.groupby("name")["dur"]
    table = pd.DataFrame({"total": g.sum(), "instances": g.count(), "avg": g.mean(),
                          "med": g.median(), "min": g.min(), "max": g.max(),
                          "std": g.std(ddof=1).fillna(0.0)})
    table["time_percent"] = 100.0 * table["total"] / table["total"].sum()
    counts = df.groupby(["name"] + CONFIG).size().rename("config_instances").reset_index()
    counts = counts.sort_values(["name", "config_instances"] + CONFIG,
                                ascending=[True, False] + [True] * len(CONFIG))
    mode = counts.drop_duplicates("name").set_index("name")
    table = table.join(mode)
    table["kernel"] = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in table.index]
    return table.sort_values(["total", "kernel"], ascending=[False, True])


if __name__ == "__main__":
    t = kernel_summary(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "--csv":
        t.to_csv(sys.stdout, index=False)
    else:
        print(t.head(5).to_string())
        print(f"{len(t)} kernel names")
