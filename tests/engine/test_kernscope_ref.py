"""Tests of packaging/python/kernscope_ref.py with Debian's python3-torch.

usage: test_kernscope_ref.py SCRATCH_DIR   (exit 0 when every check passes)
"""
import collections
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "python"))
import kernscope_ref  # noqa: E402

out = sys.argv[1]
torch.manual_seed(0)
model = torch.nn.Sequential(collections.OrderedDict(
    fc1=torch.nn.Linear(6, 5), relu1=torch.nn.ReLU(), fc2=torch.nn.Linear(5, 3)))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.randn(4, 6)
y = torch.tensor([0, 2, 1, 2])

rec = kernscope_ref.TorchRecorder(model)
rec.begin_step(0, x, y)
logits = model(x)
loss = rec.cross_entropy(logits, y)
opt.zero_grad()
loss.backward()
rec.record_grads()
opt.step()
rec.record_params("updated_")

t = rec.tensors
expected = {
    "step0/input/x", "step0/input/y", "step0/fc1/weight", "step0/fc1/bias", "step0/fc2/weight",
    "step0/fc2/bias", "step0/fc1/output", "step0/relu1/output", "step0/fc2/output",
    "step0/loss/softmax", "step0/loss/output", "step0/loss/grad_input", "step0/fc2/grad_input",
    "step0/relu1/grad_input", "step0/fc1/grad_weight", "step0/fc1/grad_bias",
    "step0/fc2/grad_weight", "step0/fc2/grad_bias", "step0/fc1/updated_weight",
    "step0/fc1/updated_bias", "step0/fc2/updated_weight", "step0/fc2/updated_bias",
}
assert set(t) == expected, sorted(set(t) ^ expected)

# Values, recomputed independently with NumPy.
xn = x.numpy().astype(np.float64)
w1, b1 = t["step0/fc1/weight"].astype(np.float64), t["step0/fc1/bias"]
w2, b2 = t["step0/fc2/weight"].astype(np.float64), t["step0/fc2/bias"]
z1 = xn @ w1.T + b1
a1 = np.maximum(z1, 0)
z2 = a1 @ w2.T + b2
p = np.exp(z2 - z2.max(1, keepdims=True))
p /= p.sum(1, keepdims=True)
onehot = np.eye(3)[y.numpy()]
dz2 = (p - onehot) / 4
da1 = dz2 @ w2
dz1 = da1 * (z1 > 0)
checks = {
    "step0/fc1/output": z1, "step0/relu1/output": a1, "step0/fc2/output": z2,
    "step0/loss/softmax": p, "step0/loss/grad_input": dz2, "step0/fc2/grad_input": da1,
    "step0/relu1/grad_input": dz1, "step0/fc2/grad_weight": dz2.T @ a1,
    "step0/fc2/grad_bias": dz2.sum(0), "step0/fc1/grad_weight": dz1.T @ xn,
    "step0/fc1/grad_bias": dz1.sum(0),
    "step0/fc1/updated_weight": w1 - 0.1 * (dz1.T @ xn),
    "step0/loss/output": -np.log(p[np.arange(4), y.numpy()]).mean(),
}
for name, want in checks.items():
    np.testing.assert_allclose(t[name], want, rtol=1e-5, atol=1e-6, err_msg=name)
assert t["step0/loss/output"].shape == ()

# Attributes and execution order.
a = rec.attrs
assert a["step0/fc1/output"]["op"] == "matmul" and a["step0/fc1/output"]["role"] == "output"
assert a["step0/relu1/output"]["op"] == "relu"
assert a["step0/fc1/grad_weight"]["role"] == "grad"
assert a["step0/fc1/weight"]["role"] == "param" and a["step0/fc1/weight"]["op"] == "sgd"
assert a["step0/input/x"]["order"] < a["step0/fc1/output"]["order"] < a["step0/fc2/output"]["order"]

# Both file formats round-trip names, values and (HDF5) attributes.
rec.save(os.path.join(out, "ref.h5"))
rec.save(os.path.join(out, "ref.npz"))
with h5py.File(os.path.join(out, "ref.h5"), "r") as f:
    np.testing.assert_array_equal(f["step0/fc1/output"][()], t["step0/fc1/output"])
    assert f["step0/fc2/grad_weight"].attrs["role"] == "grad"
    assert int(f["step0/fc2/output"].attrs["order"]) == a["step0/fc2/output"]["order"]
    assert f["step0/loss/output"].shape == ()
z = np.load(os.path.join(out, "ref.npz"))
assert set(z.files) == expected
np.testing.assert_array_equal(z["step0/relu1/grad_input"], t["step0/relu1/grad_input"])

# The NumPy-only Recorder.
r = kernscope_ref.Recorder()
r.add("step3/fc1/output", np.ones((2, 2), np.float32), role="output", op="matmul")
assert r.attrs["step3/fc1/output"]["layer"] == "fc1"
try:
    r.save(os.path.join(out, "ref.pt"))
    raise SystemExit("saving .pt should fail")
except ValueError:
    pass
rec.remove()
print("kernscope_ref: all checks passed")
