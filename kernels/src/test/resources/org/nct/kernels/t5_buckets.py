"""Generates t5_buckets.txt: T5 relative-position buckets (bidirectional=False) for distances 0..4095.

The function is the logic of transformers T5Attention._relative_position_bucket (float32 torch
arithmetic, as T5 computes it). Run: /usr/bin/python3 t5_buckets.py > t5_buckets.txt
Each output line: num_buckets max_distance bucket(0),bucket(1),...,bucket(4095)
"""
import math, torch
def bucket(relative_position, bidirectional=False, num_buckets=32, max_distance=128):
    # transformers.models.t5.modeling_t5.T5Attention._relative_position_bucket (verbatim logic)
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    relative_position_if_large = max_exact + (
        torch.log(relative_position.float() / max_exact)
        / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    relative_position_if_large = torch.min(
        relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
    relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
    return relative_buckets
for nb, md in [(32,128),(8,16),(16,64),(32,64),(64,512)]:
    n = torch.arange(0, 4096)
    b = bucket(-n, False, nb, md)   # relative_position = key - query = -n
    print(nb, md, ",".join(str(int(x)) for x in b.tolist()))
