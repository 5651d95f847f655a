#!/usr/bin/env python3
"""Writes a run file with plain h5py/NumPy following data/RUNFILE.md, as a user's own tool would;
test_runfile_python.cpp reads it with our reader.  usage: write_runfile.py OUT.ksr.h5 [CASE]
CASE (malformed variants, each must be rejected with a one-line error): bad_magic, newer_version,
missing_column, unequal_columns, string_id_out_of_range, negative_duration, bad_string_offsets."""
import sys

import h5py
import numpy as np


def strings_of(items):
    data = b"".join(s.encode("utf-8") for s in items)
    offsets = np.cumsum([0] + [len(s.encode("utf-8")) for s in items]).astype(np.uint64)
    return np.frombuffer(data, dtype=np.uint8), offsets


def column(group, name, values, dtype):
    group.create_dataset(name, data=np.asarray(values, dtype=dtype), chunks=True,
                         compression="gzip", compression_opts=1, shuffle=True, maxshape=(None,))


def main(path, case=""):
    strings = ["", "matmul_kernel", "relu_kernel", "cudaLaunchKernel", "epoch 1", "π"]
    n = 10
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "kernscope-rum" if case == "bad_magic" else "kernscope-run"
        f.attrs["format_version"] = np.int64(3 if case == "newer_version" else 1)
        f.attrs["producer"] = "h5py"
        f.attrs["origin_unix_ns"] = np.int64(1600000000000000000)
        f.attrs["clock_domain"] = "imported"
        f.attrs["backend"] = "imported:h5py"
        f.create_group("meta").attrs["hostname"] = "py-host"
        data, offsets = strings_of(strings)
        if case == "bad_string_offsets":
            offsets[2] = offsets[3] + 1  # decreasing
        f.create_dataset("strings/data", data=data)
        f.create_dataset("strings/offsets", data=offsets)
        k = f.create_group("gpu/kernels")
        start = np.arange(n, dtype=np.int64) * 500
        end = start + 250
        if case == "negative_duration":
            end[4] = start[4] - 1
        names = np.array([1, 2] * (n // 2), dtype=np.uint32)
        if case == "string_id_out_of_range":
            names[3] = 57
        column(k, "start_ns", start, np.int64)
        column(k, "end_ns", end if case != "unequal_columns" else end[:-1], np.int64)
        for c in ["device", "stream", "correlation", "grid_x", "grid_y", "grid_z", "block_x",
                  "block_y", "block_z", "registers_per_thread", "shared_static",
                  "shared_dynamic"]:
            if case == "missing_column" and c == "stream":
                continue
            values = {"stream": np.full(n, 3), "correlation": np.arange(n) + 1,
                      "grid_x": np.full(n, 64), "block_x": np.full(n, 128)}.get(c, np.ones(n))
            column(k, c, values, np.uint32)
        column(k, "name", names, np.uint32)
        a = f.create_group("cpu/api")
        column(a, "start_ns", start - 100, np.int64)
        column(a, "end_ns", start - 50, np.int64)
        column(a, "thread", np.full(n, 11), np.uint32)
        column(a, "correlation", np.arange(n) + 1, np.uint32)
        column(a, "name", np.full(n, 3), np.uint32)
        column(a, "return_value", np.zeros(n), np.int32)
        r = f.create_group("cpu/ranges")
        for c, v, t in [("start_ns", [0], np.int64), ("end_ns", [n * 500], np.int64),
                        ("thread", [11], np.uint32), ("depth", [0], np.uint32),
                        ("name", [4], np.uint32), ("category", [5], np.uint32)]:
            column(r, c, v, t)
        cnt = f.create_group("counters/temperature")
        column(cnt, "time_ns", [0, 1000], np.int64)
        column(cnt, "value", [40.5, 41.0], np.float64)
        t = f.create_dataset("tensors/layer1/weight", data=np.linspace(0, 1, 6).reshape(2, 3))
        t.attrs["role"] = "param"
        t.attrs["order"] = np.int64(1)
        f.create_dataset("tensors/mask", data=np.array([True, False, True]))
        f.create_dataset("tensors/h", data=np.array([0.5, 2.0], dtype=np.float16))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
