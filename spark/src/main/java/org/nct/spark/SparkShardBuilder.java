package org.nct.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nct.tokenize.Shard;
import org.nct.tokenize.ShardBuilder;
import org.nct.tokenize.Tokenizer;
import scala.Tuple2;

/**
 * {@link ShardBuilder} on Spark, for the experiment's dataset stage ({@code nct experiment
 * --spark MASTER}): the examples, already cut on the driver, are coded in parts by the executors
 * (stages assemble, code and merge of {@link SparkTokenize}) into the bytes {@link Shard#build}
 * writes.
 */
public final class SparkShardBuilder implements ShardBuilder, AutoCloseable {
    /** Examples per part (one task): one M1 batch of {@link Shard#build}. */
    static final int EXAMPLES_PER_PART = 64;

    private final JavaSparkContext sc;
    private final boolean owned;
    private final int perPart;

    SparkShardBuilder(JavaSparkContext sc, boolean owned, int perPart) {
        this.sc = sc;
        this.owned = owned;
        this.perPart = perPart;
    }

    /** A builder with its own Spark context on {@code master} (local[N] or a master URL). */
    public static SparkShardBuilder open(String master) {
        return new SparkShardBuilder(SparkSetup.start(SparkSetup.conf(master)), true, EXAMPLES_PER_PART);
    }

    @Override
    public Shard.Totals build(List<byte[]> examples, Shard.Spec spec, java.nio.file.Path dir, boolean replace, Map<String, byte[]> extraFiles)
            throws IOException {
        if (examples.isEmpty()) throw new org.nct.InvalidInputException("no examples to tokenize");
        for (String name : extraFiles.keySet()) {
            if (!name.equals(Shard.SPM_MODEL)) throw new IllegalArgumentException("SparkShardBuilder writes no extra file " + name);
        }
        int length = spec.exampleBytes();
        List<Tuple2<Long, byte[]>> slices = new ArrayList<>(examples.size());
        long total = 0;
        for (int i = 0; i < examples.size(); i++) {
            byte[] x = examples.get(i);
            boolean last = i == examples.size() - 1;
            if (x.length > length || (!last && x.length != length) || x.length == 0) {
                throw new IllegalArgumentException("example " + i + " has " + x.length + " bytes; SparkShardBuilder takes examples cut by Shard.cut("
                        + length + ")");
            }
            slices.add(new Tuple2<>(total, x));
            total += x.length;
        }
        Tokenizer tok = spec.tokenizer();
        Object m1 = tok.parameters().get("m1_model_id") != null ? tok.parameters().get("m1_path") : null;
        String m1Name = m1 == null ? null : SparkTokenize.shipM1(sc, m1.toString());
        Integer threads = Integer.getInteger("nct.threads");
        ExecutorTokenizers.Recipe recipe = ExecutorTokenizers.Recipe.of(tok, extraFiles.get(Shard.SPM_MODEL), m1Name, threads);
        ExecutorTokenizers.seed(recipe, tok);

        Path out = new Path(dir.toAbsolutePath().normalize().toUri());
        FileSystem fs = HadoopFiles.fs(out, sc.hadoopConfiguration());
        if (fs.exists(out) && !replace) throw new org.nct.InvalidInputException("output " + dir + " exists; remove it or pass --force");
        Path staging = new Path(out.getParent(), "." + out.getName() + ".spark-tmp");
        if (fs.exists(staging)) fs.delete(staging, true);
        TokenizeJob job = new TokenizeJob(null, null, null, null, null, null, null, List.of(), "all", 0, new byte[0], length, spec.seq(),
                perPart, out.toString(), true, replace, threads, -1);
        int parts = (examples.size() + perPart - 1) / perPart;
        JavaPairRDD<Long, byte[]> rdd = sc.parallelizePairs(slices, Math.max(1, Math.min(parts, sc.defaultParallelism())));
        return SparkTokenize.code(rdd, total, job, spec.source(), tok, recipe, extraFiles.get(Shard.SPM_MODEL), fs, out, staging).totals();
    }

    @Override
    public void close() {
        if (owned) sc.close();
    }
}
