#!/usr/bin/env bash
# Compiles src/main/cuda/*.cu to PTX (compute_90 for Hopper, compute_80 as the portable target)
# into the module's resources. Called by Maven (generate-resources). Without nvcc on the PATH the
# build goes on and says that the GPU backend was left out.
set -euo pipefail
src="$1"; out="$2"
if ! command -v nvcc >/dev/null 2>&1; then
  echo "[nct-cuda] nvcc is not on the PATH: the GPU backend (PTX) was left out of this build;"
  echo "[nct-cuda] -Dnct.backend=cuda will say so at start-up."
  exit 0
fi
mkdir -p "$out"
# The deterministic numerics profile: no contraction into FMA, no flush-to-zero, IEEE division
# and square root. Explicit __fmaf_rn in the sources is the only fused multiply-add.
flags=(-fmad=false -ftz=false -prec-div=true -prec-sqrt=true -std=c++17)
for f in "$src"/*.cu; do
  name=$(basename "$f" .cu)
  for arch in 90 80; do
    ptx="$out/$name.compute_$arch.ptx"
    if [[ ! -f "$ptx" || "$f" -nt "$ptx" || "$0" -nt "$ptx" ]]; then
      echo "[nct-cuda] nvcc -ptx -arch=compute_$arch ${flags[*]} $name.cu"
      nvcc -ptx -arch=compute_$arch "${flags[@]}" -o "$ptx.tmp" "$f"
      mv "$ptx.tmp" "$ptx"
    fi
  done
done
