#!/usr/bin/env python3
"""Metric cases and their expected metrics, computed in NumPy (float64 accumulation).

Usage: make_metric_cases.py OUT_DIR
Writes OUT_DIR/run.npz and OUT_DIR/ref.npz (one member per case) and OUT_DIR/expected.json with,
per case, the tolerances used and every metric the C++ side computes. ULP distances go through
integer views of the float bits, like numpy.testing.assert_array_max_ulp.
"""
import json
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(99)
REL_EPS = 1e-12
TOP_K = 10
cases = {}


def add(name, run, ref, rtol=1e-3, atol=1e-5, equal_nan=False):
    cases[name] = (np.asarray(run), np.asarray(ref), rtol, atol, equal_nan)


base = rng.standard_normal((10, 100)).astype(np.float32)
add("f32_noise", base + rng.standard_normal(base.shape).astype(np.float32) * 1e-4, base)

ref = rng.standard_normal(64).astype(np.float32)
run = ref + np.float32(1e-6) * rng.standard_normal(64).astype(np.float32)
ref[0:6] = [np.nan, np.nan, np.inf, -np.inf, np.inf, 1.0]
run[0:6] = [np.nan, 2.0, np.inf, np.inf, 5.0, np.nan]
ref[6:10] = [0.0, 0.0, -0.0, 1e-45]  # zero reference and a denormal
run[6:10] = [1e-7, 0.0, 0.0, 3e-45]
run[10:12] = [1e-40, -1e-40]  # denormals on the run side
ref[10:12] = [-1e-40, 1e-40]
add("f32_specials", run, ref)
add("f32_specials_equal_nan", run, ref, equal_nan=True)

ref64 = rng.standard_normal((7, 3, 5))
add("f64_noise", ref64 * (1 + 1e-9 * rng.standard_normal(ref64.shape)), ref64, 1e-7, 1e-7)

ref16 = rng.standard_normal((3, 33)).astype(np.float16)
run16 = (ref16.astype(np.float32) * np.float32(1.001)).astype(np.float16)
run16[0, 0] = np.nan
add("f16_scaled", run16, ref16, 1e-3, 1e-5)

refi = rng.integers(-1000, 1000, (5, 5)).astype(np.int32)
runi = refi.copy()
runi[2, 3] += 3
add("i32_one_off", runi, refi, 0.0, 0.0)

exact = rng.standard_normal(100).astype(np.float32)
add("f32_exact", exact.copy(), exact)
add("f32_zero_ref", rng.standard_normal(50).astype(np.float32) * 1e-3,
    np.zeros(50, dtype=np.float32))

big = rng.standard_normal(300_001).astype(np.float32)
bigrun = big + rng.standard_normal(big.shape).astype(np.float32) * 1e-5
bigrun[123_457] += 0.5  # the worst element, well inside the second thread's chunk
add("f32_big", bigrun, big)
add("f64_scalar", np.array(1.0 + 2e-16), np.array(1.0))


def ordered(x):
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[x.dtype.itemsize]
    i = x.view(bits).astype(np.int64)
    lo = np.int64(np.iinfo(bits).min)
    return np.where(i >= 0, i, lo - i)


def metrics(a, r, rtol, atol, equal_nan):
    a, r = a.ravel(), r.ravel()
    a64, r64 = a.astype(np.float64), r.astype(np.float64)
    fin = np.isfinite(a64) & np.isfinite(r64)
    idx = np.flatnonzero(fin)
    d = a64[fin] - r64[fin]
    ad = np.abs(d)
    ar = np.abs(r64[fin])
    rel = ad / (ar + REL_EPS)
    m = {"numel": int(a.size), "finite": int(fin.sum())}
    m["max_abs"] = float(ad.max()) if ad.size else 0.0
    m["max_abs_index"] = int(idx[ad.argmax()]) if ad.size else -1
    m["mean_abs"] = float(ad.mean()) if ad.size else 0.0
    m["rms"] = float(np.sqrt(np.mean(d * d))) if ad.size else 0.0
    m["max_rel"] = float(rel.max()) if ad.size else 0.0
    m["max_rel_index"] = int(idx[rel.argmax()]) if ad.size else -1
    has_ulp = a.dtype.kind == "f"
    m["has_ulp"] = has_ulp
    if has_ulp and ad.size:
        oa, orf = ordered(a[fin]), ordered(r[fin])
        ua, ur = oa.astype(np.uint64), orf.astype(np.uint64)
        dist = np.where(oa > orf, ua - ur, ur - ua)
        m["max_ulp"] = int(dist.max())
        m["mean_ulp"] = float(dist.astype(np.float64).mean())
    else:
        m["max_ulp"], m["mean_ulp"] = 0, 0.0
    saa, srr, sar = np.sum(a64[fin] ** 2), np.sum(r64[fin] ** 2), np.sum(a64[fin] * r64[fin])
    if saa == 0 and srr == 0:
        m["cosine"] = 1.0
    elif saa == 0 or srr == 0:
        m["cosine"] = 0.0
    else:
        m["cosine"] = float(sar / np.sqrt(saa * srr))
    sdd = np.sum(d * d)
    if sdd == 0:
        m["sqnr_db"] = "inf"
    elif srr == 0:
        m["sqnr_db"] = "-inf"
    else:
        m["sqnr_db"] = float(10 * np.log10(srr / sdd))
    na, nr = np.isnan(a64), np.isnan(r64)
    ia, ir = np.isinf(a64), np.isinf(r64)
    m.update(nan_run=int(na.sum()), nan_ref=int(nr.sum()), inf_run=int(ia.sum()),
             inf_ref=int(ir.sum()))
    disagree = (na != nr) | (~na & ~nr & (ia | ir) & (a64 != r64))
    m["nonfinite_mismatch"] = int(disagree.sum())
    fails = np.zeros(a.size, dtype=bool)
    fails[fin] = ~(ad <= atol + rtol * ar)
    nf = ~fin
    both_nan = na & nr
    fails[nf] = disagree[nf] | (both_nan[nf] & (not equal_nan))
    m["mismatched"] = int(fails.sum())
    pos = ad[ad > 0]
    bins = np.clip(np.floor((np.log10(pos) + 20.0) * 4.0), 0, 99).astype(np.int64)
    m["hist"] = np.bincount(bins, minlength=100).tolist()
    m["hist_exact"] = int((ad == 0).sum())
    m["hist_nonfinite"] = int(nf.sum())
    key = np.full(a.size, -1.0)
    key[fin] = ad
    key[nf & fails] = np.inf
    order = np.lexsort((np.arange(a.size), -key))
    m["worst"] = [int(i) for i in order[:TOP_K] if key[i] >= 0]
    return m


expected = {}
for name, (a, r, rtol, atol, equal_nan) in cases.items():
    e = metrics(a, r, rtol, atol, equal_nan)
    e.update(rtol=rtol, atol=atol, equal_nan=equal_nan, dtype=str(a.dtype))
    expected[name] = e
np.savez(os.path.join(out, "run.npz"), **{k: v[0] for k, v in cases.items()})
np.savez(os.path.join(out, "ref.npz"), **{k: v[1] for k, v in cases.items()})
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
print(f"{len(cases)} cases")
