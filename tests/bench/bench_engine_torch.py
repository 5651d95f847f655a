"""PyTorch CPU doing the engine benchmark's step: mlp 784-256-10, batch 128, SGD (momentum 0.9),
forward + cross-entropy + backward + update. Prints the median ms per step.

usage: bench_engine_torch.py [steps=300] [threads]
"""
import os
import sys

import torch
from bench_engine_timing import best_median_ms

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
threads = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(16, 128, 784)
y = torch.randint(0, 10, (16, 128))
loss_fn = torch.nn.CrossEntropyLoss()


def step(i):
    logits = model(x[i % 16])
    loss = loss_fn(logits, y[i % 16])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()  # the engine reads its loss back every step too


best, best_cpu = best_median_ms(step, warmup=20, steps=steps, rounds=3)
print(f"threads {torch.get_num_threads()}")
print(f"torch_step_ms {best:.4f} ms")
print(f"torch_step_cpu_ms {best_cpu:.4f} ms")
