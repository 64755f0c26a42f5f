#!/usr/bin/env bash
# Makes a small Java 25 runtime (jlink) for machines without Java, e.g. the GPU device machine.
# Usage: tools/jlink-runtime.sh OUTPUT_DIR   (the directory must not exist yet)
set -euo pipefail
out="${1:?usage: tools/jlink-runtime.sh OUTPUT_DIR}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[[ -x "$jdk/bin/jlink" ]] || jdk=/usr/lib/jvm/temurin-25-jdk-amd64
[[ -x "$jdk/bin/jlink" ]] || { echo "jlink-runtime: no JDK 25 with jlink found (set JAVA_HOME)" >&2; exit 1; }
"$jdk/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,jdk.unsupported,java.management,jdk.management,java.xml,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$out"
du -sh "$out"
