#!/usr/bin/env python3
"""NumPy baseline for bench_compare.sh.

  bench_compare_numpy.py make DIR N   writes DIR/run/x.npy and DIR/ref/x.npy (N float32, small
                                      differences)
  bench_compare_numpy.py stats RUN REF  loads both and computes what `compare` reports: max/mean
                                      abs, max rel, allclose failures, max ULP, cosine; prints
                                      the seconds taken
"""
import os
import sys
import time

import numpy as np

if sys.argv[1] == "make":
    d, n = sys.argv[2], int(sys.argv[3])
    os.makedirs(os.path.join(d, "run"), exist_ok=True)
    os.makedirs(os.path.join(d, "ref"), exist_ok=True)
    rng = np.random.default_rng(5)
    ref = rng.standard_normal(n, dtype=np.float32)
    run = ref + rng.standard_normal(n, dtype=np.float32) * np.float32(1e-6)
    np.save(os.path.join(d, "ref", "x.npy"), ref)
    np.save(os.path.join(d, "run", "x.npy"), run)
    sys.exit(0)

t0 = time.perf_counter()
a = np.load(sys.argv[2])
r = np.load(sys.argv[3])
a64 = a.astype(np.float64)
r64 = r.astype(np.float64)
ad = np.abs(a64 - r64)
ar = np.abs(r64)
max_abs, arg_abs, mean_abs = ad.max(), ad.argmax(), ad.mean()
rel = ad / (ar + 1e-12)
max_rel = rel.max()
fails = int(np.count_nonzero(~(ad <= 1e-5 + 1.3e-6 * ar)))
ia = a.view(np.int32).astype(np.int64)
ir = r.view(np.int32).astype(np.int64)
oa = np.where(ia >= 0, ia, np.int64(-2**31) - ia)
orf = np.where(ir >= 0, ir, np.int64(-2**31) - ir)
max_ulp = int(np.abs(oa - orf).max())
cosine = np.dot(a64, r64) / np.sqrt(np.dot(a64, a64) * np.dot(r64, r64))
t1 = time.perf_counter()
print(f"numpy: max_abs {max_abs:.6g} at {arg_abs} mean_abs {mean_abs:.6g} max_rel {max_rel:.6g} "
      f"fails {fails} max_ulp {max_ulp} cosine {cosine:.9f}")
print(f"seconds {t1 - t0:.3f}")
