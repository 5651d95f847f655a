#!/usr/bin/env python3
"""Reads a run file written by test_runfile_python.cpp with plain h5py/NumPy (no Kernscope code)
and checks the schema of data/RUNFILE.md: attributes, column dtypes, chunking and compression,
strings as blob + offsets, and the values the test wrote.  usage: read_runfile.py RUN.ksr.h5"""
import sys

import h5py
import numpy as np

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def main(path):
    with h5py.File(path, "r") as f:
        a = f.attrs
        check(a["format"] == "kernscope-run", f"format attr {a.get('format')!r}")
        check(int(a["format_version"]) == 2, "format_version")
        check(a["backend"] == "cuda", f"backend {a.get('backend')!r}")
        check(int(a["origin_unix_ns"]) == 1700000000123456789, "origin_unix_ns")
        check(f["meta"].attrs["hostname"] == "host-ü", "meta hostname (UTF-8)")

        blob = f["strings/data"][...]
        offsets = f["strings/offsets"][...]
        check(blob.dtype == np.uint8 and offsets.dtype == np.uint64, "strings dtypes")
        check(offsets[0] == 0 and offsets[-1] == len(blob), "strings offsets bounds")
        strings = [blob[offsets[i]:offsets[i + 1]].tobytes().decode("utf-8")
                   for i in range(len(offsets) - 1)]
        check(strings[0] == "", "string 0 is empty")

        k = f["gpu/kernels"]
        names = ["start_ns", "end_ns", "device", "stream", "correlation", "name", "grid_x",
                 "grid_y", "grid_z", "block_x", "block_y", "block_z", "registers_per_thread",
                 "shared_static", "shared_dynamic"]
        check(sorted(k.keys()) == sorted(names), f"kernel columns {sorted(k.keys())}")
        check(k["start_ns"].dtype == np.int64 and k["name"].dtype == np.uint32, "kernel dtypes")
        n = len(k["start_ns"])
        check(n == 1000, f"kernel rows {n}")
        check(all(len(k[c]) == n for c in names), "kernel columns equally long")
        ds = k["start_ns"]
        check(ds.chunks is not None and ds.compression == "gzip" and ds.compression_opts == 1
              and ds.shuffle, "chunked, shuffle + deflate 1")
        start, end = k["start_ns"][...], k["end_ns"][...]
        check(np.array_equal(start, np.arange(n, dtype=np.int64) * 1000), "kernel start_ns")
        check(np.array_equal(end - start, 100 + np.arange(n) % 7), "kernel durations")
        kn = [strings[i] for i in k["name"][...]]
        check(kn[0] == "gemm_0" and kn[1] == "gemm_1" and kn[3] == "gemm_0", f"kernel names {kn[:4]}")
        check(np.array_equal(k["stream"][...], 7 + np.arange(n) % 4), "kernel streams")
        check(int(k["grid_x"][5]) == 5 + 1, "grid_x")

        m = f["gpu/memcpy"]
        check(m["kind"].dtype == np.uint8 and m["bytes"].dtype == np.uint64, "memcpy dtypes")
        check(int(m["bytes"][0]) == 1 << 33, "memcpy bytes beyond 32 bits")
        check(int(m["kind"][0]) == 1, "memcpy kind HtoD = 1")

        api = f["cpu/api"]
        check(api["return_value"].dtype == np.int32, "api return_value int32")
        check(strings[api["name"][0]] == "cudaLaunchKernel", "api name")

        r = f["cpu/ranges"]
        check(strings[r["name"][0]] == "step 0 ✓", f"range name {strings[r['name'][0]]!r}")
        check(list(r["depth"][...]) == [0, 1], "range depth")

        dev = f["meta/devices"]
        check(strings[dev["name"][0]] == "NVIDIA H100" and int(dev["sm_count"][0]) == 132, "devices")
        th = f["meta/threads"]
        check(strings[th["name"][list(th["id"][...]).index(7)]] == "main", "thread names")

        c = f["counters/loss"]
        check(list(c["value"][...]) == [2.5, 1.25] and c["time_ns"].dtype == np.int64, "counter")

        t = f["tensors/step0/fc1/output"]
        check(t.dtype == np.float32 and t.shape == (2, 3), "f32 tensor")
        check(np.array_equal(t[...], np.arange(6, dtype=np.float32).reshape(2, 3) / 4), "f32 values")
        check(t.attrs["role"] == "output" and t.attrs["op"] == "matmul" and
              int(t.attrs["order"]) == 3, "tensor attrs")
        h = f["tensors/half"]
        check(h.dtype == np.float16 and list(h[...]) == [1.0, -2.5], "f16 tensor")
        b = f["tensors/bf16"]
        check(b.attrs["dtype"] == "bf16" and b.dtype == np.uint16, "bf16 stored as raw uint16")
        check(list(b[...]) == [0x3F80, 0xC020], "bf16 bits (1.0, -2.5)")
        check(f["tensors/flags"].dtype == np.bool_, "bool tensor reads as numpy bool")
        check(f["collector"].attrs["dropped_records"] == 5, "collector attrs")

    for x in failures:
        print("FAIL:", x)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
