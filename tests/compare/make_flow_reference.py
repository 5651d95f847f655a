#!/usr/bin/env python3
"""The full flow's PyTorch side: a small MLP (16-12-5, ReLU, softmax cross-entropy, SGD with
momentum 0.9, lr 0.01), its inputs for `kernscope-cli record --inputs`, the reference tensors of
one training step with the engine's naming (packaging/python/kernscope_ref.py), and a copy of the
reference with one element of step0/fc2/output perturbed.

Usage: make_flow_reference.py OUT_DIR
Writes inputs.npz, ref.npz, ref_perturbed.npz, and perturbed.json (tensor, index, value).
"""
import json
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "packaging", "python"))
from kernscope_ref import TorchRecorder  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(7)
model = torch.nn.Sequential()
model.add_module("fc1", torch.nn.Linear(16, 12))
model.add_module("relu1", torch.nn.ReLU())
model.add_module("fc2", torch.nn.Linear(12, 5))
x = torch.randn(8, 16)
y = torch.randint(0, 5, (8,))

inputs = {"x": x.numpy(), "y": y.numpy()}
for name, p in model.named_parameters():
    inputs[name] = p.detach().numpy().copy()
np.savez(os.path.join(out, "inputs.npz"), **inputs)

opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
rec = TorchRecorder(model, "sgd")
rec.begin_step(0, x, y)
loss = rec.cross_entropy(model(x), y)
opt.zero_grad()
loss.backward()
rec.record_grads()
opt.step()
rec.record_params("updated_")
rec.save(os.path.join(out, "ref.npz"))

name, index, delta = "step0/fc2/output", (2, 1), 0.01
bad = dict(rec.tensors)
bad[name] = bad[name].copy()
bad[name][index] += np.float32(delta)
np.savez(os.path.join(out, "ref_perturbed.npz"), **bad)
with open(os.path.join(out, "perturbed.json"), "w") as f:
    json.dump({"tensor": name, "index": list(index), "value": float(bad[name][index]),
               "reference": float(rec.tensors[name][index])}, f)
print(len(rec.tensors), "reference tensors")
