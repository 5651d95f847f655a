#!/usr/bin/env python3
"""Prints a one-line summary of a Kernscope run file, read with h5py only (checks the file from
the outside, the way a Python user would)."""
import sys

import h5py
import numpy as np


def string(f, i):
    data = f["/strings/data"][()]
    offsets = f["/strings/offsets"][()]
    return bytes(data[offsets[i]:offsets[i + 1]]).decode("utf-8")


with h5py.File(sys.argv[1], "r") as f:
    def rows(path):
        return len(f[path + "/start_ns"]) if path in f else 0

    k = f["/gpu/kernels"]
    kernel_ns = int(np.sum(k["end_ns"][()] - k["start_ns"][()]))
    c = f["/collector"].attrs
    print(f"kernels={rows('/gpu/kernels')} memcpy={rows('/gpu/memcpy')} "
          f"memset={rows('/gpu/memset')} api={rows('/cpu/api')} ranges={rows('/cpu/ranges')}")
    print(f"dropped={int(c['dropped_records'])} zero_timestamp={int(c['zero_timestamp_records'])} "
          f"overhead_ns={int(c['overhead_ns'])}")
    print(f"kernel_ns={kernel_ns} first_kernel={string(f, int(k['name'][0]))}")
