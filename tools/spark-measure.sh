#!/bin/bash
# nct spark tokenize local[1] / local[2] beside nct tokenize --threads 1 / 2 on the same data, and a
# byte comparison of the shards (docs/spark.md, "Measured"). Run it under the CPU lock on shared machines:
#   flock /tmp/nct-cpu.lock tools/spark-measure.sh [DATA] [M1]
# M1: e.g. ./nct train --data /work/shared/data/c4 --preset 3m --steps 20 --out /tmp/spark-m1.safetensors
set -e
cd "$(dirname "$0")/.."
D=${1:-/work/shared/data/c4}
M1=${2:-/tmp/spark-m1.safetensors}
PP=${PP:-64}
OUT=${OUT:-/tmp}
for M in "--method bytes" "--method eqinfo-ac --bits 16 --vocab 65536 -m $M1"; do
  tag=$(echo $M | awk '{print $2}')
  echo "== $M (examples per part $PP)"
  for n in 1 2; do
    echo "uptime: $(uptime)"
    ./nct tokenize $M --data $D --out $OUT/ref-$tag$n --threads $n --force 2>&1 | grep -v "^WARNING\|tokenize $tag" | tail -1
    echo "uptime: $(uptime)"
    ./nct spark tokenize --master "local[$n]" $M --data $D --out $OUT/spark-$tag$n --examples-per-part $PP --force 2>&1 | grep -v "^WARNING" | tail -1
  done
  echo "uptime: $(uptime)"
  for n in 1 2; do
    for f in tokens.bin examples.bin metadata.json; do cmp $OUT/ref-${tag}1/$f $OUT/spark-$tag$n/$f; done
    echo "identical shard: spark local[$n] == tokenize"
  done
done
