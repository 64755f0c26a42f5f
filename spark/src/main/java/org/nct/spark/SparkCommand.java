package org.nct.spark;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.nct.InvalidInputException;
import org.nct.cli.ShardOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nct spark}: the dataset stage on Apache Spark. {@code nct spark tokenize} takes
 * {@code nct tokenize}'s build options plus a master URL and writes the same shard.
 */
@Command(name = "spark", mixinStandardHelpOptions = true, subcommands = SparkCommand.Tokenize.class,
        description = "Build M2 token shards on Apache Spark (embedded local mode or a cluster).")
public final class SparkCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code nct spark tokenize}; also the main command of the job jar under {@code spark-submit}. */
    @Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Build the token shard of `nct tokenize --method SPEC` on Spark: the same tokens, byte for byte.",
                    "  nct spark tokenize --master local[N] --method SPEC [-m M1] --data PATH... --out DIR",
                    "  (SPEC: NAME[b=B,v=V], e.g. eqinfo-ac[b=16,v=65536], as nct tokenize takes it)",
                    "PATHs and DIR are Hadoop paths (file://, hdfs://, s3a://; plain paths are local)."})
    public static final class Tokenize implements Callable<Integer> {
        @Mixin
        ShardOptions o = new ShardOptions();

        @Option(names = "--master", paramLabel = "URL", description = "Spark master: local[N], spark://HOST:PORT, yarn, ... (default: spark-submit's, else local[*])")
        String master;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "a Spark configuration entry (repeatable)")
        Map<String, String> conf;

        @Option(names = {"-m", "--m1"}, paramLabel = "FILE", description = "M1 model (ac, eqinfo-ac); shipped to the executors")
        String m1;

        @Option(names = "--spm-model", paramLabel = "FILE", description = "apply this SentencePiece .model instead of training one (spm)")
        String spmModel;

        @Option(names = "--data", required = true, arity = "1..*", paramLabel = "PATH", description = "C4 .json/.json.gz files, text files or directories")
        List<String> data;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "output shard directory")
        String out;

        @Option(names = "--examples-per-part", defaultValue = "256", paramLabel = "N", description = "examples per Spark task and part shard; changes the parallelism, never the tokens (default ${DEFAULT-VALUE})")
        int examplesPerPart;

        @Option(names = "--parts", description = "keep the part shards and a manifest.json instead of merging them into one shard on the driver")
        boolean parts;

        @Option(names = "--threads", paramLabel = "N", description = "M1 kernel threads per executor (default: N of local[N], else spark.executor.cores, else all processors)")
        Integer threads;

        @Option(names = "--force", description = "replace an existing output")
        boolean force;

        @Override
        public Integer call() throws Exception {
            o.method(); // a bad spec fails here, before Spark starts
            TokenizeJob job = new TokenizeJob(o.method, o.vocab, o.bits, o.rule, m1, spmModel, o.precision, List.copyOf(data), o.split,
                    o.validationFraction, o.separatorBytes(), o.exampleBytes, o.seq, examplesPerPart, out, !parts, force, threads, -1);
            SparkConf sc = SparkSetup.conf(master);
            if (conf != null) conf.forEach(sc::set);
            long t0 = System.nanoTime();
            SparkTokenize.Result r;
            double startup;
            try (JavaSparkContext ctx = SparkSetup.start(sc)) {
                startup = (System.nanoTime() - t0) / 1e9;
                r = SparkTokenize.run(ctx, job);
            }
            double s = (System.nanoTime() - t0) / 1e9 - startup;
            var t = r.totals();
            System.out.printf(Locale.ROOT, "%s: %d files, %d documents, %d examples in %d parts (%d retried), %d tokens (+%d padding), %d of %d bytes,"
                            + " compression ratio %.4f bytes/token, %.1f s after %.1f s of Spark start-up (%.2f examples/s, %.0f bytes/s) -> %s%n",
                    r.method(), r.files(), r.documents(), t.examples(), r.parts(), r.retried(), t.tokens(), t.padding(), t.bytes(), t.sourceBytes(),
                    t.ratio(), s, startup, t.examples() / s, t.sourceBytes() / s, r.out());
            return 0;
        }
    }

    /** Entry point of the job jar: {@code spark-submit --class org.nct.spark.SparkCommand nct-spark-job.jar tokenize ...}. */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new SparkCommand());
        cl.setExecutionExceptionHandler((ex, c, pr) -> {
            if (ex instanceof org.nct.NctException) {
                c.getErr().println("nct spark: error: " + org.nct.cli.OptionNames.message(ex, c.getCommandSpec()));
                return 1;
            }
            throw ex;
        });
        System.exit(cl.execute(args));
    }
}
