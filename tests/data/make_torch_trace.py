#!/usr/bin/env python3
"""Writes a real PyTorch (Debian's 1.13, CPU) profiler trace: Chrome JSON with string pids.
usage: make_torch_trace.py OUT.json"""
import sys

import torch
from torch.profiler import ProfilerActivity, profile, record_function

torch.manual_seed(0)
x = torch.randn(64, 64)
w = torch.randn(64, 64)
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for step in range(3):
        with record_function(f"step {step}"):
            y = torch.relu(x @ w)
            y.sum().item()
prof.export_chrome_trace(sys.argv[1])
