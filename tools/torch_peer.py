#!/usr/bin/env python3
"""The PyTorch peer of the GPU check: the same decoder (docs/architecture.md: T5-style, RMSNorm, relative
position bias, gated ReLU, untied embeddings, z-loss 1e-4, Adafactor) trained on the same shapes as
GpuCheck's benchmarks (M2: V=65536, T=512, batch 8; M1: the 3m preset over bytes, V=256, at the
paper's M1 batch of 128 x 1,024), reporting tokens/s. Two numeric settings: fp32
(TF32 off, PyTorch's default for matmuls) and tf32 (tensor cores, the counterpart of nct's fast
profile). Usage: torch_peer.py RESULTS_FILE [runs...] (runs: 3m, 25m, m1; default all three)"""
import math
import sys
import time

import torch
import torch.nn.functional as F

PRESETS = {"3m": (256, 4, 64, 3, 1024), "25m": (512, 8, 64, 6, 2048)}
NB, MD = 32, 128
# run name -> (preset, vocabulary, sequence length, batch, result-key prefix)
RUNS = {"3m": ("3m", 65536, 512, 8, "torch_3m"), "25m": ("25m", 65536, 512, 8, "torch_25m"),
        "m1": ("3m", 256, 1024, 128, "torch_m1_3m")}


def buckets(t):
    n = torch.arange(t)
    d = (n[:, None] - n[None, :]).clamp(min=0)          # query - key, causal
    exact = NB // 2
    big = exact + (torch.log(d.float().clamp(min=1) / exact) / math.log(MD / exact) * (NB - exact)).long()
    big = big.clamp(max=NB - 1)
    return torch.where(d < exact, d, big)


class Model(torch.nn.Module):
    def __init__(self, v, c, h, d, l, f):
        super().__init__()
        self.v, self.h, self.d = v, h, d
        self.embed = torch.nn.Parameter(torch.randn(v, c))
        self.layers = torch.nn.ModuleList()
        for _ in range(l):
            m = torch.nn.Module()
            m.attn_norm = torch.nn.Parameter(torch.ones(c))
            m.qkv = torch.nn.Parameter(torch.randn(3 * h * d, c) * c ** -0.5)
            m.rel_bias = torch.nn.Parameter(torch.randn(h, NB) * 0.1)
            m.out = torch.nn.Parameter(torch.randn(c, h * d) * (h * d) ** -0.5)
            m.mlp_norm = torch.nn.Parameter(torch.ones(c))
            m.gate = torch.nn.Parameter(torch.randn(f, c) * c ** -0.5)
            m.up = torch.nn.Parameter(torch.randn(f, c) * c ** -0.5)
            m.down = torch.nn.Parameter(torch.randn(c, f) * f ** -0.5)
            self.layers.append(m)
        self.final_norm = torch.nn.Parameter(torch.ones(c))
        self.lm_head = torch.nn.Parameter(torch.randn(v, c) * c ** -0.5)

    @staticmethod
    def rms(x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * g

    def forward(self, tok, tgt, bk, causal):
        b, t = tok.shape
        x = self.embed[tok]
        for m in self.layers:
            hn = self.rms(x, m.attn_norm)
            q, k, v = (hn @ m.qkv.t()).view(b, t, 3, self.h, self.d).permute(2, 0, 3, 1, 4)
            mask = m.rel_bias[:, bk].unsqueeze(0) + causal          # (1, H, T, T)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=1.0)
            x = x + a.transpose(1, 2).reshape(b, t, -1) @ m.out.t()
            hn = self.rms(x, m.mlp_norm)
            x = x + (torch.relu(hn @ m.gate.t()) * (hn @ m.up.t())) @ m.down.t()
        logits = self.rms(x, self.final_norm) @ self.lm_head.t()
        lse = torch.logsumexp(logits.float(), -1)
        ce = F.cross_entropy(logits.view(-1, self.v).float(), tgt.view(-1), reduction="none").view(b, t)
        return (ce + 1e-4 * lse ** 2).mean()


def bench(run, tf32, out):
    preset, V, T, B, key = RUNS[run]
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.manual_seed(0)
    dev = "cuda"
    model = Model(V, *PRESETS[preset]).to(dev)
    opt = torch.optim.Adafactor(model.parameters(), lr=0.01)
    tok = torch.randint(0, V, (B, T), device=dev)
    tgt = torch.randint(0, V, (B, T), device=dev)
    bk = buckets(T).to(dev)
    causal = torch.full((T, T), float("-inf"), device=dev).triu(1)
    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(tok, tgt, bk, causal)
        loss.backward()
        opt.step()
        return loss
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    steps = 10
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    torch.cuda.synchronize()
    sec = time.perf_counter() - t0
    tps = B * T * steps / sec
    name = "tf32" if tf32 else "fp32"
    print(f"torch peer {run} ({preset}, V={V}, {B} x {T}) {name}: {tps:.0f} tokens/s ({steps} steps in {sec:.3f} s, loss {loss.item():.4f})", flush=True)
    out.write(f"{key}_{name}_tokens_per_s={tps:.0f}\n")
    del model, opt
    torch.cuda.empty_cache()


def main():
    path = sys.argv[1]
    runs = sys.argv[2:] or ["3m", "25m", "m1"]
    for r in runs:
        if r not in RUNS:
            sys.exit(f"torch_peer.py: unknown run {r!r}; choose from {', '.join(RUNS)}")
    with open(path, "w", buffering=1) as out:   # line-buffered: a timeout keeps the runs already done
        out.write(f"torch_version={torch.__version__}\n")
        out.write(f"torch_device={torch.cuda.get_device_name(0)}\n")
        for r in runs:
            for tf32 in (False, True):
                bench(r, tf32, out)


if __name__ == "__main__":
    main()
