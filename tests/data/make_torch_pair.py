#!/usr/bin/env python3
"""A real before/after pair from PyTorch (Debian's 1.13, CPU): the same MLP training loop profiled
with torch.profiler twice, the second time after a change (hidden layer 512 -> 2048 wide, ReLU
replaced by GELU). Writes two Chrome trace JSON files.
usage: make_torch_pair.py BEFORE.json AFTER.json"""
import sys

import torch
from torch.profiler import ProfilerActivity, profile, record_function


def trace(path, hidden, activation):
    torch.manual_seed(0)
    torch.set_num_threads(1)  # steadier timings on a shared machine
    model = torch.nn.Sequential(torch.nn.Linear(256, hidden), activation(), torch.nn.Linear(hidden, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(128, 256)
    y = torch.randint(0, 10, (128,))
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for step in range(12):
            with record_function(f"step {step}"):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
    prof.export_chrome_trace(path)


trace(sys.argv[1], 512, torch.nn.ReLU)
trace(sys.argv[2], 2048, torch.nn.GELU)
