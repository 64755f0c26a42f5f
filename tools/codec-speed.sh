#!/bin/bash
# Compress/decompress speed of ./nct on the first N bytes of C4 text, 1 and 2 kernel threads.
# Usage: tools/codec-speed.sh MODEL.safetensors [BYTES=65536] [NCT_DIR=.] [extra compress options...]
# Prints one line per run (the CLI's own KB/s line), checks the round trip and that the .nct files
# of 1 and 2 threads are identical. NCT_DIR selects the checkout whose ./nct runs (a baseline).
set -euo pipefail
M=${1:?model checkpoint}; N=${2:-65536}; DIR=${3:-.}; shift $(( $# < 3 ? $# : 3 ))
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
C4=${C4:-/work/shared/data/c4/c4-train.00000-of-01024.first1000.json.gz}
{ zcat "$C4" || true; } | python3 -c "
import sys, json
out = bytearray()
for line in sys.stdin:
    out += json.loads(line)['text'].encode() + b'\n'
    if len(out) >= $N: break
sys.stdout.buffer.write(bytes(out[:$N]))" > "$T/in.txt"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  input: $N bytes  nct: $DIR  options: --window 16 $*"
for th in 1 2; do
  (cd "$DIR" && ./nct compress -m "$M" --window 16 --threads $th "$@" -o "$T/t$th.nct" "$T/in.txt" 2>&1 | grep 'nct compress:' | sed "s/^/threads=$th /")
  s=$(date +%s.%N)
  (cd "$DIR" && ./nct decompress -m "$M" --threads $th -o "$T/back$th" "$T/t$th.nct" 2>&1 | grep -v 'WARNING\|kernel backend' || true)
  e=$(date +%s.%N)
  echo "threads=$th nct decompress: $(python3 -c "print(f'{$N/1024/($e-$s):.1f} KB/s ({$e-$s:.1f} s wall, JVM start included)')")"
  cmp -s "$T/in.txt" "$T/back$th" && echo "threads=$th round trip identical" || echo "threads=$th ROUND TRIP FAILED"
done
cmp -s "$T/t1.nct" "$T/t2.nct" && echo ".nct identical for 1 and 2 threads: sha256 $(sha256sum < "$T/t1.nct" | cut -c1-16)" || echo ".nct DIFFERS between 1 and 2 threads"
