#!/usr/bin/env bash
# The nct GPU device check. Runs on the device machine from what tools/gpu-stage.sh staged in
# .gpu/ (jars built elsewhere, a Java runtime): it builds nothing. Steps: the CUDA backend against
# the CPU reference (every kernel bitwise; training steps, decoding and coding on the product classes
# Transformer, Adafactor, IncrementalM1 and CodingModel, on each backend), benchmarks of the same
# classes device-resident, the PyTorch peer on the same card, then a table.
# Usage (from the repository root): bash .gpu/gpu-check.sh   — output also goes to $OUT/log.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-/tmp/nct-gpu-check}"
mkdir -p "$out"
exec > >(tee -a "$out/log") 2>&1
echo "== nct gpu-check $(date -u +%FT%TZ)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv,noheader || echo "nvidia-smi failed"
if command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  java=java; echo "java: the device's own ($(command -v java))"
else
  java="$here/jre/bin/java"; echo "java: $(command -v java >/dev/null 2>&1 && echo "device has $(java -version 2>&1 | head -1), not 25+;" || echo "none on the device;") using the carried runtime"
fi
"$java" -version 2>&1 | head -1
rm -f "$out/nct.txt" "$out/torch.txt"
timeout "${NCT_JAVA_TIMEOUT:-170}" "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow -Xss4m -cp "$here/lib/*" org.nct.cuda.check.GpuCheck ${NCT_GPU_CHECK_ARGS:-} --results "$out/nct.txt" --text "$here/c4-sample.bin"
echo "gpu-check java exit status $?"
PYTHONUNBUFFERED=1 timeout "${NCT_TORCH_TIMEOUT:-100}" python3 "$here/torch_peer.py" "$out/torch.txt"
echo "torch peer exit status $?"
get() { grep -h "^$1=" "$out/nct.txt" "$out/torch.txt" 2>/dev/null | head -1 | cut -d= -f2-; }
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print(f'{float(a)/float(b):.2f}')" "$1" "$2" 2>/dev/null || echo "n/a"; }
na() { [[ -n "$1" ]] && echo "$1" || echo "not measured"; }
d25=$(get train_25m_det_tokens_per_s); f25=$(get train_25m_fast_tokens_per_s); d3=$(get train_3m_det_tokens_per_s); f3=$(get train_3m_fast_tokens_per_s)
t25=$(get torch_25m_tf32_tokens_per_s); t25s=$(get torch_25m_fp32_tokens_per_s); t3=$(get torch_3m_tf32_tokens_per_s); t3s=$(get torch_3m_fp32_tokens_per_s)
echo
echo "== nct gpu-check summary — $(na "$(get device)"), PyTorch $(na "$(get torch_version)")"
echo "| item | value |"
echo "|---|---|"
echo "| kernel checks passed | $(na "$(get checks_passed)") |"
echo "| CPU = GPU bitwise (deterministic profile) | $(na "$(get cpu_gpu_bitwise)") |"
echo "| 3m training tokens/s, deterministic / fast (V=65536, T=512, B=8) | $(na "$d3") / $(na "$f3") |"
echo "| 25m training tokens/s, deterministic / fast | $(na "$d25") / $(na "$f25") |"
echo "| deterministic cost (det / fast tokens/s): 3m, 25m | $(ratio "$d3" "$f3"), $(ratio "$d25" "$f25") |"
echo "| PyTorch peer tokens/s, tf32 / fp32: 3m | $(na "$t3") / $(na "$t3s") |"
echo "| PyTorch peer tokens/s, tf32 / fp32: 25m | $(na "$t25") / $(na "$t25s") |"
echo "| 25m fast / PyTorch tf32 (target >= 0.5) | $(ratio "$f25" "$t25") |"
echo "| EqualInfoAC[b=16] compress MB/s, 3m M1 (random init, $(na "$(get equalinfo_b16_bytes_per_window)") bytes/window), 4096 streams of 1 KiB C4 blocks, whole run | $(na "$(get equalinfo_b16_compress_MB_per_s)") |"
echo "| AC compress MB/s, 3m M1 (random init), 2 KiB C4 blocks, whole run (prefill) | $(na "$(get ac_compress_MB_per_s)") |"
echo "| the same two with the coders after the model step (nct.coding.overlap=off): EqualInfoAC[b=16], AC MB/s | $(na "$(get equalinfo_b16_compress_MB_per_s_overlap_off)"), $(na "$(get ac_compress_MB_per_s_overlap_off)") |"
m1d=$(get train_m1_3m_det_tokens_per_s); m1f=$(get train_m1_3m_fast_tokens_per_s); m1t=$(get torch_m1_3m_tf32_tokens_per_s); m1ts=$(get torch_m1_3m_fp32_tokens_per_s)
echo "| M1 (3m, bytes) training tokens/s at the paper's batch 128 x 1024, deterministic / fast | $(na "$m1d") / $(na "$m1f") |"
echo "| PyTorch peer tokens/s, tf32 / fp32: M1 (3m, bytes, 128 x 1024) | $(na "$m1t") / $(na "$m1ts") |"
echo "| M1 fast / PyTorch tf32 (target >= 1.0); deterministic / PyTorch tf32 (target >= 0.7) | $(ratio "$m1f" "$m1t"); $(ratio "$m1d" "$m1t") |"
echo "| M1 3m incremental decoding, deterministic, MB/s of text (CDF+coder excluded): 4096 / 16384 sequences | $(na "$(get m1_3m_decode_4096_MB_per_s)") / $(na "$(get m1_3m_decode_16384_MB_per_s)") |"
