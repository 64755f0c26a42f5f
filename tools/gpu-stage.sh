#!/usr/bin/env bash
# Builds here what the GPU device check needs and stages it in REPO/.gpu (git-ignored through
# REPO/.git/info/exclude), to be sent with the device tool's `carry: [".gpu"]`:
#   .gpu/jre        jlink'ed Java 25 runtime (used when the device has no Java 25)
#   .gpu/lib        the jars (nct kernels, cuda, engine, gpu-check, runtime dependencies; JCuda's
#                   natives reduced to the driver binding)
#   .gpu/gpu-check.sh, .gpu/torch_peer.py
# Usage: tools/gpu-stage.sh [REPO]   (default /work/main). Then on the device: bash .gpu/gpu-check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="${1:-/work/main}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
command -v nvcc >/dev/null || { echo "gpu-stage: nvcc is not on the PATH; the jars would carry no PTX" >&2; exit 1; }
# package, and the runtime class path of the last module of the reactor (cuda/check) to a file
(cd "$here" && mvn -q -B -o package dependency:build-classpath -DskipTests -pl cuda/check -am \
   -Dmdep.outputFile=/tmp/nct-gpu-cp.txt -Dmdep.includeScope=runtime)
stage="$repo/.gpu"
mkdir -p "$stage/lib"
rm -f "$stage"/lib/*.jar
cp "$here"/kernels/target/nct-kernels-*.jar "$here"/cuda/target/nct-cuda-*.jar "$here"/engine/target/nct-engine-*.jar \
   "$here"/cuda/check/target/nct-gpu-check-*.jar "$stage/lib/"
tr ':' '\n' < /tmp/nct-gpu-cp.txt | while read -r jar; do
  case "$jar" in
    */nct-*|*/target/classes|*/junit*|*/opentest4j*|*/apiguardian*) ;;   # built above, or test-only
    *jcuda-natives*)                              # keep only the driver API binding (1 of 26 MB)
      tmp=$(mktemp -d)
      (cd "$tmp" && unzip -q "$jar" 'lib/libJCudaDriver-*' && zip -q -r "$stage/lib/jcuda-natives-driver.jar" lib)
      rm -rf "$tmp" ;;
    *) cp "$jar" "$stage/lib/" ;;
  esac
done
if [[ ! -x "$stage/jre/bin/java" || "$here/tools/jlink-runtime.sh" -nt "$stage/jre/release" ]]; then
  rm -rf "$stage/jre"; "$here/tools/jlink-runtime.sh" "$stage/jre"
fi
cp "$here/tools/gpu-check.sh" "$here/tools/torch_peer.py" "$stage/"
# 4 MiB of real C4 text (documents joined by newlines) for the Equal-Info coding benchmark
c4="${NCT_C4_DIR:-$here/../shared/data/c4}"
[[ -d "$c4" ]] || c4=/work/shared/data/c4
if [[ -d "$c4" ]]; then
  python3 - "$c4" "$stage/c4-sample.bin" <<'PY'
import glob, gzip, json, sys
out, need, buf = sys.argv[2], 4 << 20, bytearray()
for f in sorted(glob.glob(sys.argv[1] + "/*.json.gz")):
    with gzip.open(f, "rt", encoding="utf-8") as fh:
        for line in fh:
            buf += json.loads(line)["text"].encode("utf-8") + b"\n"
            if len(buf) >= need: break
    if len(buf) >= need: break
open(out, "wb").write(bytes(buf[:need]))
PY
else
  echo "gpu-stage: no C4 sample found; the Equal-Info coding benchmark will say 'not measured'"
fi
exclude="$repo/.git/info/exclude"
if [[ -d "$repo/.git" ]] && ! grep -qx '/.gpu/' "$exclude" 2>/dev/null; then echo '/.gpu/' >> "$exclude"; fi
du -sh "$stage" "$stage/jre" "$stage/lib"
