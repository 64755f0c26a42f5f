#!/bin/bash
# Runs the job jar the way bin/spark-submit does in client mode -- org.apache.spark.deploy.SparkSubmit
# on a class path of Spark's jars only (spark/target/lib without nct and its own dependencies) --
# and compares the shard with nct tokenize's. Needs `mvn -DskipTests package` first.
#   flock /tmp/nct-cpu.lock tools/spark-submit-check.sh DATA_FILE_OR_DIR [M1]
set -e
cd "$(dirname "$0")/.."
D=${1:?data path}
M1=${2:-/tmp/spark-m1.safetensors}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
HOME_JARS=$(mktemp -d)
trap 'rm -rf "$HOME_JARS" /tmp/submit-check-ref /tmp/submit-check-out' EXIT
for j in spark/target/lib/*.jar; do
  case $(basename "$j") in nct-*|picocli-*|agrona-*|jcuda*) ;; *) ln -s "$PWD/$j" "$HOME_JARS/";; esac
done
OPTS="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m"
SPARK_OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true"
M="--method eqinfo-ac --bits 16 --vocab 65536 -m $M1"
./nct tokenize $M --data "$D" --out /tmp/submit-check-ref --force | tail -1
# bin/spark-submit puts SPARK_OPENS and spark.driver.extraJavaOptions on the driver's command line itself
"$JAVA" $OPTS $SPARK_OPENS -Dlog4j2.configurationFile="$PWD/spark/src/main/resources/nct-spark-log4j2.properties" \
  -cp "$HOME_JARS/*" org.apache.spark.deploy.SparkSubmit \
  --master 'local[2]' --class org.nct.spark.SparkCommand \
  --conf "spark.driver.extraJavaOptions=$OPTS" --conf "spark.executor.extraJavaOptions=$OPTS" \
  spark/target/nct-spark-0.1.0-SNAPSHOT-job.jar \
  tokenize $M --data "$D" --out file:///tmp/submit-check-out --examples-per-part 64 --force
for f in tokens.bin examples.bin; do cmp /tmp/submit-check-ref/$f /tmp/submit-check-out/$f; done
echo "spark-submit with the job jar: the same tokens.bin and examples.bin as nct tokenize"
