"""PyTorch CPU doing the engine's transformer benchmark step: nanoGPT layout, 4 blocks, width
256, 4 heads, context 128, batch 8, vocabulary 256, tanh GELU, manual causal attention (as the
engine), AdamW (weight decay 0.1 on 2-D parameters), forward + cross-entropy + backward + update,
loss read back. Prints the median ms per step.

usage: bench_engine_transformer_torch.py [steps=10] [threads]
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

from bench_engine_timing import best_median_ms

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
threads = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
torch.set_num_threads(threads)
torch.manual_seed(0)
V, T, D, H, L, B = 256, 128, 256, 4, 4, 8


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.c_attn, self.c_proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.c_fc, self.m_proj = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))

    def forward(self, x):
        q, k, v = self.c_attn(self.ln_1(x)).split(D, dim=2)
        q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D // H))
        att = F.softmax(att.masked_fill(~self.mask, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, D)
        x = x + self.c_proj(y)
        return x + self.m_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, D), nn.Embedding(T, D)
        self.h = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f, self.lm_head = nn.LayerNorm(D), nn.Linear(D, V, bias=False)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for blk in self.h:
            x = blk(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))


model = GPT()
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                         {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
idx = torch.randint(0, V, (16, B, T))
tgt = torch.randint(0, V, (16, B, T))


def step(i):
    loss = model(idx[i % 16], tgt[i % 16])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


best, best_cpu = best_median_ms(step, warmup=3, steps=steps, rounds=2)
print(f"threads {torch.get_num_threads()}")
print(f"torch_transformer_step_ms {best:.3f} ms")
print(f"torch_transformer_step_cpu_ms {best_cpu:.3f} ms")
