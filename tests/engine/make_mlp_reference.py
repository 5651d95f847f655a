"""A PyTorch 1.13 reference for the engine's mlp: the same inputs and initial parameters, a few
training steps, every tensor recorded with packaging/python/kernscope_ref.py.

usage: make_mlp_reference.py OUTDIR sgd|adam STEPS [LAYERS=784,256,10] [BATCH=128]
writes OUTDIR/inputs.h5 and inputs.npz (x, y, fc1.weight, fc1.bias, ...) and OUTDIR/ref.h5
"""
import collections
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "python"))
import kernscope_ref  # noqa: E402

out, opt_name, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
sizes = [int(s) for s in (sys.argv[4] if len(sys.argv) > 4 else "784,256,10").split(",")]
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 128
rng = np.random.default_rng(7)
x = rng.standard_normal((batch * steps, sizes[0])).astype(np.float32)
y = rng.integers(0, sizes[-1], batch * steps).astype(np.int64)

layers = collections.OrderedDict()
inputs = {"x": x, "y": y}
for i in range(len(sizes) - 1):
    lin = torch.nn.Linear(sizes[i], sizes[i + 1])
    bound = 1 / np.sqrt(sizes[i])
    w = rng.uniform(-bound, bound, (sizes[i + 1], sizes[i])).astype(np.float32)
    b = rng.uniform(-bound, bound, sizes[i + 1]).astype(np.float32)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(w))
        lin.bias.copy_(torch.tensor(b))
    inputs[f"fc{i + 1}.weight"], inputs[f"fc{i + 1}.bias"] = w, b
    layers[f"fc{i + 1}"] = lin
    if i + 2 < len(sizes):
        layers[f"relu{i + 1}"] = torch.nn.ReLU()
model = torch.nn.Sequential(layers)
kernscope_ref.save_tensors(os.path.join(out, "inputs.h5"), inputs)
kernscope_ref.save_tensors(os.path.join(out, "inputs.npz"), inputs)

if opt_name == "sgd":
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
else:
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
rec = kernscope_ref.TorchRecorder(model, optimizer_name=opt_name)
for s in range(steps):
    xb = torch.tensor(x[s * batch:(s + 1) * batch])
    yb = torch.tensor(y[s * batch:(s + 1) * batch])
    rec.begin_step(s, xb, yb)
    logits = model(xb)
    loss = rec.cross_entropy(logits, yb)
    opt.zero_grad()
    loss.backward()
    rec.record_grads()
    opt.step()
    rec.record_params("updated_")
rec.save(os.path.join(out, "ref.h5"))
