"""A demo reference file for a run: every tensor under /tensors of the run file, read with h5py,
with float32-rounding-sized noise, and one tensor (the first 'grad' one, else the last) perturbed
so the diff page has a divergence to show. usage: make_reference.py RUN.ksr.h5 OUT.npz"""
import sys

import h5py
import numpy as np

rng = np.random.default_rng(3)
tensors = {}
with h5py.File(sys.argv[1], "r") as f:
    if "tensors" in f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                tensors[name] = (int(obj.attrs.get("order", 0)), obj[()], str(obj.attrs.get("role", "")))
        f["tensors"].visititems(visit)
out = {}
ordered = sorted(tensors.items(), key=lambda kv: kv[1][0])
target = next((n for n, (_, _, role) in ordered if role == "grad"), ordered[-1][0] if ordered else None)
for name, (_, value, _) in ordered:
    v = np.array(value)
    if v.dtype.kind == "f":
        v = v + (rng.standard_normal(v.shape) * 1e-7 * (np.abs(v) + 1e-3)).astype(v.dtype)
        if name == target and v.size:
            flat = v.reshape(-1)
            flat[rng.integers(0, flat.size, size=max(1, flat.size // 50))] *= 1.05
    out[name] = v
np.savez(sys.argv[2], **out)
print("%d tensors, perturbed: %s" % (len(out), target))
