"""A PyTorch 1.13 reference for the engine's transformer: nanoGPT's module layout and parameter
names, the same parameters and token batches, a few training steps, every intermediate recorded
under the engine's names (step{N}/{module path}/{what}) with packaging/python/kernscope_ref.py.

usage: make_transformer_reference.py OUTDIR sgd|adamw STEPS VOCAB CONTEXT WIDTH HEADS BLOCKS BATCH
writes OUTDIR/inputs.npz (idx, targets, transformer.wte.weight, ...) and OUTDIR/ref.h5
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "python"))
import kernscope_ref  # noqa: E402

out, opt_name, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
V, T, D, H, L, B = (int(v) for v in sys.argv[4:10])
torch.set_num_threads(1)
rng = np.random.default_rng(11)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(D)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(D, 3 * D)
        self.attn.c_proj = nn.Linear(D, D)
        self.ln_2 = nn.LayerNorm(D)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(D, 4 * D)
        self.mlp.c_proj = nn.Linear(4 * D, D)


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(V, D), wpe=nn.Embedding(T, D),
            h=nn.ModuleList([Block() for _ in range(L)]), ln_f=nn.LayerNorm(D)))
        self.lm_head = nn.Linear(D, V, bias=False)


model = GPT()
inputs = {}
with torch.no_grad():
    for name, p in model.named_parameters():
        # Wider than nanoGPT's 0.02 so attention is far from uniform and errors show.
        if name.endswith("bias"):
            v = 0.1 * rng.standard_normal(p.shape)
        elif ".ln_" in name:
            v = 1 + 0.1 * rng.standard_normal(p.shape)
        else:
            v = 0.3 * rng.standard_normal(p.shape)
        p.copy_(torch.tensor(v, dtype=torch.float32))
        inputs[name] = p.detach().numpy().copy()
idx_all = rng.integers(0, V, (B * steps, T)).astype(np.int64)
tgt_all = rng.integers(0, V, (B * steps, T)).astype(np.int64)
inputs["idx"], inputs["targets"] = idx_all, tgt_all
kernscope_ref.save_tensors(os.path.join(out, "inputs.npz"), inputs)

decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
if opt_name == "sgd":
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
else:
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)

rec = kernscope_ref.Recorder()


def layernorm_grad_hook(module_name):
    def hook(module, grad_input, grad_output):
        rec.add(rec.name(module_name, "grad_input"), grad_input[0], "grad", "layernorm", module_name)
    return hook


for name, module in model.named_modules():
    if isinstance(module, nn.LayerNorm):
        module.register_full_backward_hook(layernorm_grad_hook(name))
grads = []  # (module, what, op, tensor) whose .grad is recorded after backward


def keep(module, what, op, t, grad=None):
    """Records t; `grad` = (module, what, op) also records its gradient after backward."""
    rec.add(rec.name(module, what), t, "output", op, module)
    if grad:
        t.retain_grad()
        grads.append((*grad, t))
    return t


def linear(module, lin, x):
    return keep(module, "output", "matmul", lin(x))


def forward(idx, targets):
    tr = model.transformer
    pos = torch.arange(T)
    x = keep("transformer.drop", "output", "embedding", tr.wte(idx) + tr.wpe(pos))
    for i, blk in enumerate(tr.h):
        h = f"transformer.h.{i}"
        x.retain_grad()
        grads.append((h, "grad_input", "residual_add", x))
        a = keep(h + ".ln_1", "output", "layernorm", blk.ln_1(x),
                 (h + ".attn.c_attn", "grad_input", "matmul"))
        qkv = linear(h + ".attn.c_attn", blk.attn.c_attn, a)
        q, k, v = qkv.split(D, dim=2)
        q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
        # The engine scales inside the product (alpha of the GEMM).
        scores = keep(h + ".attn", "scores", "bmm",
                      (q * (1.0 / math.sqrt(D // H))) @ k.transpose(-2, -1),
                      (h + ".attn", "grad_scores", "softmax"))
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = keep(h + ".attn", "softmax", "softmax",
                   F.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, D)
        y = keep(h + ".attn", "heads", "bmm", y, (h + ".attn.c_proj", "grad_input", "matmul"))
        x = keep(h, "attn_residual", "residual_add",
                 x + linear(h + ".attn.c_proj", blk.attn.c_proj, y))
        m = keep(h + ".ln_2", "output", "layernorm", blk.ln_2(x),
                 (h + ".mlp.c_fc", "grad_input", "matmul"))
        fc = linear(h + ".mlp.c_fc", blk.mlp.c_fc, m)
        fc.retain_grad()
        grads.append((h + ".mlp.gelu", "grad_input", "gelu", fc))
        g = keep(h + ".mlp.gelu", "output", "gelu", F.gelu(fc, approximate="tanh"),
                 (h + ".mlp.c_proj", "grad_input", "matmul"))
        x = keep(h, "output", "residual_add", x + linear(h + ".mlp.c_proj", blk.mlp.c_proj, g))
    xf = keep("transformer.ln_f", "output", "layernorm", tr.ln_f(x), ("lm_head", "grad_input", "matmul"))
    logits = linear("lm_head", model.lm_head, xf)
    logits.retain_grad()
    grads.append(("loss", "grad_input", "cross_entropy", logits))
    rec.add(rec.name("loss", "softmax"), F.softmax(logits, dim=-1), "output", "softmax", "loss")
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1))
    rec.add(rec.name("loss", "output"), loss, "output", "cross_entropy", "loss")
    return loss


def module_of(name):
    return name.rsplit(".", 1)


for s in range(steps):
    rec.step = s
    grads.clear()
    idx = torch.tensor(idx_all[s * B:(s + 1) * B])
    tgt = torch.tensor(tgt_all[s * B:(s + 1) * B])
    rec.add(rec.name("input", "idx"), idx, "input", "input", "input")
    rec.add(rec.name("input", "targets"), tgt, "input", "input", "input")
    for name, p in model.named_parameters():
        module, what = module_of(name)
        rec.add(rec.name(module, what), p, "param", opt_name, module)
    loss = forward(idx, tgt)
    opt.zero_grad()
    loss.backward()
    for module, what, op, t in grads:
        rec.add(rec.name(module, what), t.grad, "grad", op, module)
    for name, p in model.named_parameters():
        module, what = module_of(name)
        rec.add(rec.name(module, "grad_" + what), p.grad, "grad", "matmul", module)
    opt.step()
    for name, p in model.named_parameters():
        module, what = module_of(name)
        rec.add(rec.name(module, "updated_" + what), p, "param", opt_name, module)
rec.save(os.path.join(out, "ref.h5"))
