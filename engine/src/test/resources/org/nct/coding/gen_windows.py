#!/usr/bin/env python3
"""Generates windows-W<W>.txt, the expected Equal-Info windows for order2-text.txt, from the exact
simulation /work/shared/reference/eqinfo_sim.py (its model and rules, unchanged).
Usage: python3 gen_windows.py SIM_PATH W LIMIT
Each line: rule pos bytes code_hex decoded_ok(1/0) decoded_hex"""
import sys
sim, W, LIMIT = sys.argv[1], sys.argv[2], sys.argv[3]
src = open(sim).read()
src = src[:src.index("for name, enc, dec in")]
sys.argv = [sim, "order2-text.txt", W, LIMIT]
g = {"__name__": "eqinfo_sim"}
exec(compile(src, sim, "exec"), g)
test, Wn = g["test"], int(W)
with open(f"windows-W{W}.txt", "w") as f:
    for name, enc, dec in (("greedy", g["enc_greedy"], g["dec_greedy"]), ("g", g["enc_cellG"], g["dec_cellG"]),
                           ("delay", g["enc_minimal"], g["dec_minimal"])):
        pos = 0
        while pos < len(test):
            L, y = enc(test, pos)
            d = dec(y, len(test) - pos)
            ok = d == test[pos:pos + L]
            f.write(f"{name} {pos} {L} {y:0{Wn // 4}x} {int(ok)} {d.hex() or '-'}\n")
            pos += L
