"""Op fixtures for tests/engine: inputs plus NumPy (float64, rounded to float32) and PyTorch 1.13
(float32 autograd) results for every engine op, written to one HDF5 file.

usage: make_op_fixtures.py OUT.h5
"""
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(1234)
B, IN, OUT, C, N = 32, 64, 48, 10, 1000
f32 = np.float32
t = {}


def put(name, a):
    t[name] = np.ascontiguousarray(a)


# Linear.
x = rng.standard_normal((B, IN)).astype(f32)
w = (rng.standard_normal((OUT, IN)) * 0.2).astype(f32)
b = rng.standard_normal(OUT).astype(f32)
dy = rng.standard_normal((B, OUT)).astype(f32)
put("in/x", x), put("in/w", w), put("in/b", b), put("in/dy", dy)
x64, w64, dy64 = x.astype(np.float64), w.astype(np.float64), dy.astype(np.float64)
put("numpy/linear_out", (x64 @ w64.T + b).astype(f32))
put("numpy/linear_dw", (dy64.T @ x64).astype(f32))
put("numpy/linear_db", dy64.sum(0).astype(f32))
put("numpy/linear_dx", (dy64 @ w64).astype(f32))
tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
ty = F.linear(tx, tw, tb)
ty.backward(torch.tensor(dy))
put("torch/linear_out", ty.detach().numpy())
put("torch/linear_dw", tw.grad.numpy())
put("torch/linear_db", tb.grad.numpy())
put("torch/linear_dx", tx.grad.numpy())

# ReLU (with exact zeros in the input).
r = rng.standard_normal((B, OUT)).astype(f32)
r[0, :5] = 0
rdy = rng.standard_normal((B, OUT)).astype(f32)
put("in/r", r), put("in/rdy", rdy)
put("numpy/relu_out", np.maximum(r, 0))
put("numpy/relu_dx", np.where(r > 0, rdy, 0).astype(f32))
tr = torch.tensor(r, requires_grad=True)
tro = F.relu(tr)
tro.backward(torch.tensor(rdy))
put("torch/relu_out", tro.detach().numpy())
put("torch/relu_dx", tr.grad.numpy())

# Softmax + cross-entropy; one row with huge logits checks numerical stability.
logits = (rng.standard_normal((B, C)) * 5).astype(f32)
logits[1] += 1000
labels = rng.integers(0, C, B).astype(np.int64)
put("in/logits", logits), put("in/labels", labels)
l64 = logits.astype(np.float64)
e = np.exp(l64 - l64.max(1, keepdims=True))
p = e / e.sum(1, keepdims=True)
put("numpy/softmax", p.astype(f32))
put("numpy/ce_loss", np.array(-np.log(p[np.arange(B), labels]).mean(), dtype=f32))
onehot = np.eye(C)[labels]
put("numpy/ce_dlogits", ((p - onehot) / B).astype(f32))
tl = torch.tensor(logits, requires_grad=True)
loss = F.cross_entropy(tl, torch.tensor(labels))
loss.backward()
put("torch/softmax", F.softmax(torch.tensor(logits), dim=1).numpy())
put("torch/ce_loss", loss.detach().numpy())
put("torch/ce_dlogits", tl.grad.numpy())

# MSE.
pred = rng.standard_normal((B, OUT)).astype(f32)
target = rng.standard_normal((B, OUT)).astype(f32)
put("in/pred", pred), put("in/target", target)
d = pred.astype(np.float64) - target
put("numpy/mse_loss", np.array((d * d).mean(), dtype=f32))
put("numpy/mse_dpred", (2 * d / d.size).astype(f32))
tp = torch.tensor(pred, requires_grad=True)
ml = F.mse_loss(tp, torch.tensor(target))
ml.backward()
put("torch/mse_loss", ml.detach().numpy())
put("torch/mse_dpred", tp.grad.numpy())

# Optimizers: three steps with different gradients.
p0 = rng.standard_normal(N).astype(f32)
grads = [rng.standard_normal(N).astype(f32) for _ in range(3)]
put("in/p0", p0)
for i, g in enumerate(grads):
    put(f"in/g{i}", g)
# NumPy SGD with momentum 0.9, lr 0.1 (PyTorch semantics, dampening 0).
pp, v = p0.astype(np.float64), np.zeros(N)
for g in grads:
    v = 0.9 * v + g
    pp = pp - 0.1 * v
put("numpy/sgd_p3", pp.astype(f32))
# NumPy Adam lr 0.01.
pp, m, v = p0.astype(np.float64), np.zeros(N), np.zeros(N)
for s, g in enumerate(grads, 1):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g.astype(np.float64) ** 2
    pp = pp - 0.01 * (m / (1 - 0.9 ** s)) / (np.sqrt(v / (1 - 0.999 ** s)) + 1e-8)
put("numpy/adam_p3", pp.astype(f32))
for name, make in (("sgd", lambda q: torch.optim.SGD([q], lr=0.1, momentum=0.9)),
                   ("adam", lambda q: torch.optim.Adam([q], lr=0.01))):
    q = torch.tensor(p0, requires_grad=True)
    opt = make(q)
    for g in grads:
        q.grad = torch.tensor(g)
        opt.step()
    put(f"torch/{name}_p3", q.detach().numpy())

with h5py.File(sys.argv[1], "w") as f:
    for k, a in t.items():
        f.create_dataset(k, data=a)
