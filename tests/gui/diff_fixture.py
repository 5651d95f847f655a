"""Fixture for the Tensors/Diff page: a run-side and a reference-side tensor set (NumPy), and the
expected max-pooled error grids computed here with NumPy.
usage: diff_fixture.py OUT_DIR"""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)

# A 3-d tensor (4, 30, 50): fold to (120, 50); max-pool with 8x8 blocks -> (15, 7) cells.
run = rng.standard_normal((4, 30, 50)).astype(np.float32)
ref = run + rng.standard_normal(run.shape).astype(np.float32) * 1e-6
ref[2, 17, 41] += 0.5  # the worst element, must survive the pooling
np.save(os.path.join(out, "run3d.npy"), run)
np.save(os.path.join(out, "ref3d.npy"), ref)

def pooled(err, rows, cols, br, bc):
    err = err.reshape(rows, cols)
    h, w = -(-rows // br), -(-cols // bc)
    grid = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            grid[y, x] = err[y * br:(y + 1) * br, x * bc:(x + 1) * bc].max()
    return grid

a = run.astype(np.float64)
r = ref.astype(np.float64)
abs_err = np.abs(a - r)
np.save(os.path.join(out, "grid_abs.npy"), pooled(abs_err, 120, 50, 8, 8))
rel_err = abs_err / (np.abs(r) + 1e-12)
np.save(os.path.join(out, "grid_rel.npy"), pooled(rel_err, 120, 50, 8, 8))
# Slice axis 1 at index 17: shape (4, 50) -> one block row/col each with 8x8 blocks? use 1x1.
np.save(os.path.join(out, "grid_slice.npy"), pooled(abs_err[:, 17, :], 4, 50, 1, 1))
# Reference file for the window: fixture tensor names; one passes, one fails.
np.savez(os.path.join(out, "reference.npz"),
         **{"step0/fc1/output": np.full((4, 8), 1.5, np.float32),
            "step0/fc2/output": np.zeros((3,), np.float32)})
