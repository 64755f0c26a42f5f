#!/usr/bin/python3
"""PyTorch reference of the nct Transformer (docs/reference.md, docs/architecture.md).

Two modes:

  write OUT.bin   builds the architecture of docs/architecture.md for a tiny config, draws seeded weights and one
                  batch, and writes a little-endian binary with the config, the weights, the batch,
                  the logits, the loss, every parameter's gradient and the losses of 10 AdamW steps.
                  The expected values are computed in float64 from the float32 weights (a
                  higher-precision reference); the script also prints how far PyTorch's own float32
                  result is from it, which is the scale the Java tolerances are judged against.

  bench           times training steps (forward, backward, AdamW) of a preset-sized model in
                  float32 on the CPU and prints one JSON line (used by `./nct bench train`).

File format, version 1 (all little-endian):
  magic  8 bytes  b"NCTREF\\0\\0"
  int32  version (1)
  int32  record count
  records: int32 name length, name (UTF-8), int32 dtype (0 = float32, 1 = int32),
           int32 rank, int64 dims[rank], then the elements (row-major).
"""
import argparse
import json
import math
import resource
import statistics
import struct
import sys
import time

import torch

MAGIC = b"NCTREF\0\0"
VERSION = 1
RMS_EPS = 1e-6
Z_LOSS = 1e-4
NUM_BUCKETS = 32
MAX_DISTANCE = 128


def relative_buckets(t, num_buckets=NUM_BUCKETS, max_distance=MAX_DISTANCE):
    """T5 causal buckets of n = query - key, shape (t, t) (entries with key > query are unused)."""
    pos = torch.arange(t)
    n = (pos[:, None] - pos[None, :]).clamp(min=0)
    max_exact = num_buckets // 2
    large = max_exact + (torch.log(n.double().clamp(min=1) / max_exact)
                         / math.log(max_distance / max_exact) * (num_buckets - max_exact)).long()
    large = large.clamp(max=num_buckets - 1)
    return torch.where(n < max_exact, n, large)


def param_shapes(cfg):
    """Parameter names and shapes in docs/architecture.md order (the order of the flat parameter buffer)."""
    V, C, H, D, L, F = (cfg[k] for k in ("vocab", "d_model", "heads", "head_dim", "layers", "mlp"))
    shapes = [("embed.weight", (V, C))]
    for i in range(L):
        p = f"layers.{i}."
        shapes += [(p + "attn_norm.weight", (C,)),
                   (p + "attn.qkv.weight", (3 * H * D, C)),
                   (p + "attn.rel_bias", (H, NUM_BUCKETS)),
                   (p + "attn.out.weight", (C, H * D)),
                   (p + "mlp_norm.weight", (C,)),
                   (p + "mlp.gate.weight", (F, C)),
                   (p + "mlp.up.weight", (F, C)),
                   (p + "mlp.down.weight", (C, F))]
    shapes += [("final_norm.weight", (C,)), ("lm_head.weight", (V, C))]
    return shapes


def init_params(cfg, gen, perturb_norms):
    """T5X init of docs/architecture.md; rel_bias N(0,1)*0.1. With perturb_norms the norm gains are
    1 + 0.1*N(0,1) instead of 1, so that the test exercises them."""
    C, H, D, F = cfg["d_model"], cfg["heads"], cfg["head_dim"], cfg["mlp"]
    params = {}
    for name, shape in param_shapes(cfg):
        z = torch.randn(shape, generator=gen, dtype=torch.float32)
        if name.endswith("norm.weight"):
            w = 1 + 0.1 * z if perturb_norms else torch.ones(shape)
        elif name == "embed.weight":
            w = z
        elif name.endswith("qkv.weight"):
            std = torch.full((3 * H * D, 1), C ** -0.5)
            std[:H * D] = (C * D) ** -0.5
            w = z * std
        elif name.endswith("rel_bias"):
            w = 0.1 * z
        elif name.endswith("out.weight"):
            w = z * (H * D) ** -0.5
        elif name.endswith("down.weight"):
            w = z * F ** -0.5
        else:  # gate, up, lm_head
            w = z * C ** -0.5
        params[name] = w.to(torch.float32).contiguous()
    return params


def rmsnorm(x, gain):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * gain


def forward(cfg, p, tokens):
    """Logits (B,T,V) of docs/architecture.md's forward pass, in the dtype of the parameters."""
    H, D, L = cfg["heads"], cfg["head_dim"], cfg["layers"]
    B, T = tokens.shape
    buckets = relative_buckets(T)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    x = p["embed.weight"][tokens]                                      # (B,T,C)
    for i in range(L):
        q = f"layers.{i}."
        h = rmsnorm(x, p[q + "attn_norm.weight"])
        qkv = h @ p[q + "attn.qkv.weight"].t()                         # (B,T,3HD)
        qh, kh, vh = (qkv[..., j * H * D:(j + 1) * H * D].reshape(B, T, H, D).transpose(1, 2)
                      for j in range(3))                               # (B,H,T,D)
        bias = p[q + "attn.rel_bias"][:, buckets]                      # (H,T,T)
        scores = qh @ kh.transpose(-1, -2) + bias                      # scale 1.0
        scores = scores.masked_fill(~causal, float("-inf"))
        a = (scores.softmax(-1) @ vh).transpose(1, 2).reshape(B, T, H * D)
        x = x + a @ p[q + "attn.out.weight"].t()
        h = rmsnorm(x, p[q + "mlp_norm.weight"])
        g = h @ p[q + "mlp.gate.weight"].t()
        u = h @ p[q + "mlp.up.weight"].t()
        x = x + (torch.relu(g) * u) @ p[q + "mlp.down.weight"].t()
    y = rmsnorm(x, p["final_norm.weight"])
    return y @ p["lm_head.weight"].t()


def loss_fn(logits, targets):
    """Mean over non-padding targets (target -1 is padding) of CE + 1e-4*lse^2."""
    V = logits.shape[-1]
    logits = logits.reshape(-1, V)
    targets = targets.reshape(-1)
    keep = targets >= 0
    lse = torch.logsumexp(logits, -1)
    picked = logits.gather(1, targets.clamp(min=0)[:, None])[:, 0]
    per_row = lse - picked + Z_LOSS * lse * lse
    return per_row[keep].sum() / keep.sum()


def loss_and_grads(cfg, params, tokens, targets):
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    logits = forward(cfg, leaves, tokens)
    loss = loss_fn(logits, targets)
    loss.backward()
    return logits.detach(), loss.detach(), {k: v.grad.detach() for k, v in leaves.items()}


def decays(name):
    """Weight decay applies to matrices except the relative-position bias (as org.nct.train.AdamW)."""
    return name.endswith(".weight") and not name.endswith("norm.weight")


def adamw_losses(cfg, params, tokens, targets, hp, steps):
    """Losses after 0..steps updates of AdamW as org.nct.train.AdamW / Kernels.adamw:
    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m/c1 / (sqrt(v/c2) + eps) + wd p),
    c1 = 1 - b1^t, c2 = 1 - b2^t; constant lr; wd on matrices except rel_bias; the same batch."""
    p = {k: v.clone() for k, v in params.items()}
    m = {k: torch.zeros_like(v) for k, v in p.items()}
    v2 = {k: torch.zeros_like(v) for k, v in p.items()}
    losses = []
    for t in range(1, steps + 1):
        _, loss, grads = loss_and_grads(cfg, p, tokens, targets)
        losses.append(loss.item())
        c1 = 1 - hp["beta1"] ** t
        c2 = 1 - hp["beta2"] ** t
        for k in p:
            g = grads[k]
            wd = hp["weight_decay"] if decays(k) else 0.0
            m[k] = hp["beta1"] * m[k] + (1 - hp["beta1"]) * g
            v2[k] = hp["beta2"] * v2[k] + (1 - hp["beta2"]) * g * g
            p[k] = p[k] - hp["lr"] * (m[k] / c1 / ((v2[k] / c2).sqrt() + hp["eps"]) + wd * p[k])
    _, loss, _ = loss_and_grads(cfg, p, tokens, targets)
    losses.append(loss.item())
    return losses


ADAFACTOR = dict(decay_exponent=0.8, eps1=1e-30, eps2=1e-3, clip=1.0, min_dim_to_factor=128)


def adafactor_losses(cfg, params, tokens, targets, lr, steps):
    """Losses after 0..steps updates of Adafactor as T5X configures it (org.nct.train.Adafactor):
    no momentum; beta2_t = 1 - t^-0.8; second moments of g^2 + eps1, factored into row means vr
    and column means vc for matrices with both dimensions >= 128 (v_hat = vr vc / mean(vr)),
    full otherwise; u = g / sqrt(v_hat); u /= max(1, rms(u) / clip); p -= lr max(eps2, rms(p)) u.
    Constant lr; the same batch."""
    a = ADAFACTOR
    p = {k: v.clone() for k, v in params.items()}
    state = {}
    losses = []
    for t in range(1, steps + 1):
        _, loss, grads = loss_and_grads(cfg, p, tokens, targets)
        losses.append(loss.item())
        beta2 = 1 - t ** -a["decay_exponent"]
        for k in p:
            g2 = grads[k] * grads[k] + a["eps1"]
            factored = p[k].dim() == 2 and min(p[k].shape) >= a["min_dim_to_factor"]
            if factored:
                vr, vc = state.get(k, (torch.zeros_like(g2[:, 0]), torch.zeros_like(g2[0])))
                vr = beta2 * vr + (1 - beta2) * g2.mean(1)
                vc = beta2 * vc + (1 - beta2) * g2.mean(0)
                state[k] = (vr, vc)
                v_hat = vr[:, None] * vc[None, :] / vr.mean()
            else:
                v = beta2 * state.get(k, torch.zeros_like(g2)) + (1 - beta2) * g2
                state[k] = v
                v_hat = v
            u = grads[k] / v_hat.sqrt()
            u = u / max(1.0, u.pow(2).mean().sqrt().item() / a["clip"])
            p[k] = p[k] - lr * max(a["eps2"], p[k].pow(2).mean().sqrt().item()) * u
    _, loss, _ = loss_and_grads(cfg, p, tokens, targets)
    losses.append(loss.item())
    return losses


def make_batch(cfg, batch, seq, gen, padding):
    """Random byte stream cut into (B,T) inputs and next-byte targets; `padding` targets set to -1."""
    stream = torch.randint(0, cfg["vocab"], (batch, seq + 1), generator=gen)
    tokens = stream[:, :-1].contiguous().to(torch.int32)
    targets = stream[:, 1:].contiguous().to(torch.int32)
    flat = targets.view(-1)
    idx = torch.randperm(flat.numel(), generator=gen)[:padding]
    flat[idx] = -1
    flat[-1] = -1  # the last target of the last row is always padding
    return tokens, targets


class Writer:
    def __init__(self):
        self.records = []

    def add(self, name, tensor):
        t = tensor.detach().cpu().contiguous()
        if t.dtype in (torch.float32, torch.float64):
            code, arr = 0, t.to(torch.float32)
        elif t.dtype in (torch.int32, torch.int64):
            code, arr = 1, t.to(torch.int32)
        else:
            raise ValueError(f"unsupported dtype {t.dtype} for {name}")
        self.records.append((name, code, tuple(t.shape), arr))

    def scalar_i(self, name, value):
        self.add(name, torch.tensor(value, dtype=torch.int32))

    def scalar_f(self, name, value):
        self.add(name, torch.tensor(value, dtype=torch.float32))

    def write(self, path):
        out = bytearray(MAGIC)
        out += struct.pack("<ii", VERSION, len(self.records))
        for name, code, shape, arr in self.records:
            nb = name.encode("utf-8")
            out += struct.pack("<i", len(nb)) + nb + struct.pack("<ii", code, len(shape))
            out += struct.pack(f"<{len(shape)}q", *shape)
            fmt = "<%d%s" % (arr.numel(), "f" if code == 0 else "i")
            out += struct.pack(fmt, *arr.reshape(-1).tolist())
        with open(path, "wb") as f:
            f.write(out)
        return len(out)


def max_abs(a, b):
    return (a.double() - b.double()).abs().max().item()


def max_rel(a, b):
    """max |a - b| over max |b|: the error relative to the tensor's scale."""
    return max_abs(a, b) / b.double().abs().max().item()


def cmd_write(args):
    torch.manual_seed(args.seed)
    cfg = dict(vocab=args.vocab, d_model=args.d_model, heads=args.heads, head_dim=args.head_dim,
               layers=args.layers, mlp=args.mlp)
    gen = torch.Generator().manual_seed(args.seed)
    params32 = init_params(cfg, gen, perturb_norms=True)
    tokens, targets = make_batch(cfg, args.batch, args.seq, gen, args.padding)
    tok, tgt = tokens.long(), targets.long()
    params64 = {k: v.double() for k, v in params32.items()}
    if args.optimizer == "adamw":
        hp = dict(lr=args.lr, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1)
        run = lambda prm: adamw_losses(cfg, prm, tok, tgt, hp, args.steps)
    else:
        hp = dict(lr=args.lr)
        run = lambda prm: adafactor_losses(cfg, prm, tok, tgt, args.lr, args.steps)

    logits, loss, grads = loss_and_grads(cfg, params64, tok, tgt)
    losses = run(params64)

    # PyTorch float32 against the float64 reference: the scale of an honest fp32 implementation.
    l32, loss32, g32 = loss_and_grads(cfg, params32, tok, tgt)
    losses32 = run(params32)
    print(f"pytorch fp32 vs fp64: logits max abs {max_abs(l32, logits):.3e}, "
          f"loss abs {abs(loss32.item() - loss.item()):.3e}, "
          f"grad max rel {max(max_rel(g32[k], grads[k]) for k in grads):.3e}, "
          f"{args.optimizer} losses max abs {max(abs(a - b) for a, b in zip(losses32, losses)):.3e}")

    w = Writer()
    for k in ("vocab", "d_model", "heads", "head_dim", "layers", "mlp"):
        w.scalar_i("config." + k, cfg[k])
    w.scalar_i("config.num_buckets", NUM_BUCKETS)
    w.scalar_i("config.max_distance", MAX_DISTANCE)
    w.scalar_f("config.rms_eps", RMS_EPS)
    w.scalar_f("config.z_loss", Z_LOSS)
    w.scalar_i("seed", args.seed)
    w.add("tokens", tokens)
    w.add("targets", targets)
    for name, _ in param_shapes(cfg):
        w.add("param." + name, params32[name])
    w.add("logits", logits)
    w.scalar_f("loss", loss.item())
    if not args.no_grads:
        for name, _ in param_shapes(cfg):
            w.add("grad." + name, grads[name])
    for k, v in hp.items():
        w.scalar_f(f"{args.optimizer}.{k}", v)
    w.add(f"{args.optimizer}.losses", torch.tensor(losses, dtype=torch.float64))
    size = w.write(args.out)
    print(f"wrote {args.out}: {size} bytes, loss {loss.item():.6f}, "
          f"losses after 0..{args.steps} {args.optimizer} steps {[round(x, 5) for x in losses]}")


def peak_rss_kib():
    """VmHWM of this process. Not getrusage's ru_maxrss: when the JVM spawns this script (vfork +
    exec), Linux carries the parent's high-water mark into the child's ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cmd_bench(args):
    """Times float32 training steps (zero_grad, forward, loss, backward, AdamW step) of the same
    module code as the reference, with torch.optim.AdamW (decay on matrices except rel_bias)."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = dict(vocab=args.vocab, d_model=args.d_model, heads=args.heads, head_dim=args.head_dim,
               layers=args.layers, mlp=args.mlp)
    gen = torch.Generator().manual_seed(args.seed)
    params = {k: torch.nn.Parameter(v) for k, v in init_params(cfg, gen, False).items()}
    tokens, targets = make_batch(cfg, args.batch, args.seq, gen, 0)
    tok, tgt = tokens.long(), targets.long()
    groups = [{"params": [v for k, v in params.items() if decays(k)], "weight_decay": 0.1},
              {"params": [v for k, v in params.items() if not decays(k)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    times, losses = [], []
    for step in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(forward(cfg, params, tok), tgt)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        losses.append(loss.item())
        if step >= args.warmup:
            times.append(dt)
    med = statistics.median(times)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "params": sum(v.numel() for v in params.values()),
        "step_ms": [round(t * 1000, 2) for t in times], "median_step_ms": round(med * 1000, 2),
        "tokens_per_s": round(args.batch * args.seq / med, 1),
        "peak_rss_kib": peak_rss_kib(),
        "losses": [round(x, 5) for x in losses]}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("write", "bench"):
        s = sub.add_parser(name)
        s.add_argument("--seed", type=int, default=1234)
        s.add_argument("--vocab", type=int, default=256)
        s.add_argument("--steps", type=int, default=10)
        if name == "write":
            s.add_argument("out")
            s.add_argument("--d-model", type=int, default=48)
            s.add_argument("--heads", type=int, default=2)
            s.add_argument("--head-dim", type=int, default=32)
            s.add_argument("--layers", type=int, default=2)
            s.add_argument("--mlp", type=int, default=96)
            s.add_argument("--batch", type=int, default=2)
            s.add_argument("--seq", type=int, default=48)
            s.add_argument("--padding", type=int, default=5)
            s.add_argument("--lr", type=float, default=1e-2)
            s.add_argument("--optimizer", choices=("adamw", "adafactor"), default="adamw")
            s.add_argument("--no-grads", action="store_true", help="leave the gradients out")
        else:  # the 3m preset at batch 16 x 256 by default
            s.add_argument("--d-model", type=int, default=256)
            s.add_argument("--heads", type=int, default=4)
            s.add_argument("--head-dim", type=int, default=64)
            s.add_argument("--layers", type=int, default=3)
            s.add_argument("--mlp", type=int, default=1024)
            s.add_argument("--batch", type=int, default=16)
            s.add_argument("--seq", type=int, default=256)
            s.add_argument("--warmup", type=int, default=2)
            s.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = ap.parse_args()
    cmd_write(args) if args.cmd == "write" else cmd_bench(args)


if __name__ == "__main__":
    sys.exit(main())
