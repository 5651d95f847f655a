"""Reference kernel statistics of a run file, computed with h5py + NumPy (nsys stats semantics:
sample standard deviation, NumPy median). Prints one line per kernel name:
name<TAB>count<TAB>total<TAB>mean<TAB>median<TAB>std<TAB>min<TAB>max"""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    blob = f["/strings/data"][()].tobytes()
    offsets = f["/strings/offsets"][()]
    k = f["/gpu/kernels"]
    start = k["start_ns"][()].astype(np.int64)
    end = k["end_ns"][()].astype(np.int64)
    names = k["name"][()]
lo = int(sys.argv[2]) if len(sys.argv) > 3 else None
hi = int(sys.argv[3]) if len(sys.argv) > 3 else None
mask = np.ones(len(start), dtype=bool)
if lo is not None:
    mask = (start < hi) & (end > lo)
dur = (end - start)[mask]
names = names[mask]
for nid in np.unique(names):
    d = dur[names == nid]
    name = blob[offsets[nid]:offsets[nid + 1]].decode("utf-8")
    std = float(np.std(d, ddof=1)) if len(d) > 1 else 0.0
    print("%s\t%d\t%d\t%.6f\t%.6f\t%.6f\t%d\t%d" % (name, len(d), int(d.sum()), float(d.mean()),
                                                   float(np.median(d)), std, int(d.min()), int(d.max())))
