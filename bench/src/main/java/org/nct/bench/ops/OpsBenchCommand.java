package org.nct.bench.ops;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.nct.kernels.Backends;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nct bench ops}: JMH run of {@link OpsBenchmark} (scalar reference and Vector API backend
 * in the same run) and a table of GB/s or GFLOP/s with the vector/scalar ratio.
 */
@Command(name = "ops", mixinStandardHelpOptions = true,
        description = "Benchmark the non-GEMM kernels (RMSNorm, attention, cross-entropy, Adafactor): vector vs scalar in one JMH run.")
public final class OpsBenchCommand implements Runnable {

    @Option(names = "--threads", description = "Kernel threads (default: -Dnct.threads or all cores).")
    Integer threads;

    @Option(names = "--bits", description = "Vector width 128, 256 or 512 (default: the platform's preferred).")
    Integer bits;

    @Option(names = "--include", description = "Regex over benchmark names (default: all), e.g. 'attention.*'.")
    String include = ".*";

    @Option(names = "--quick", description = "2 warm-up iterations of 1 s and 3 measurement iterations of 0.5 s (default: 3 and 5 of 1 s).")
    boolean quick;

    @Override
    public void run() {
        int t = threads != null ? threads : Backends.defaultThreads();
        if (t < 1) throw new org.nct.InvalidInputException("--threads must be >= 1, got " + t);
        if (bits != null && bits != 128 && bits != 256 && bits != 512) {
            throw new org.nct.InvalidInputException("--bits must be 128, 256 or 512, got " + bits);
        }
        List<String> jvm = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        jvm.removeIf(a -> a.startsWith("-Dnct.threads=") || a.startsWith("-Dnct.vector.bits="));
        jvm.add("-Dnct.threads=" + t);
        if (bits != null) jvm.add("-Dnct.vector.bits=" + bits);
        TimeValue it = quick ? TimeValue.milliseconds(500) : TimeValue.seconds(1);
        Options opt = new OptionsBuilder()
                .include(OpsBenchmark.class.getName() + "\\." + include)
                .forks(1)
                .warmupIterations(quick ? 2 : 3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 5).measurementTime(it)
                .timeUnit(TimeUnit.MICROSECONDS)
                .jvmArgs(jvm.toArray(String[]::new))
                .build();
        org.nct.bench.LoadAverage.before();
        Collection<RunResult> results;
        try {
            results = new Runner(opt).run();
        } catch (RunnerException e) {
            throw new IllegalStateException("JMH run failed: " + e.getMessage(), e);
        }
        // key: benchmark + shape -> backend -> µs per call
        Map<String, Map<String, Double>> table = new TreeMap<>();
        Map<String, double[]> workOf = new TreeMap<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            bench = bench.substring(bench.lastIndexOf('.') + 1);
            String tp = r.getParams().getParam("t"), vp = r.getParams().getParam("vocab");
            String shape = tp != null ? "T=" + tp : vp != null ? "V=" + vp : "";
            String key = bench + (shape.isEmpty() ? "" : " " + shape);
            table.computeIfAbsent(key, x -> new TreeMap<>()).put(r.getParams().getParam("backend"), r.getPrimaryResult().getScore());
            workOf.put(key, OpsBenchmark.work(bench, tp == null ? 0 : Integer.parseInt(tp), vp == null ? 0 : Integer.parseInt(vp)));
        }
        System.out.printf(Locale.ROOT, "%nnon-GEMM kernels, %d thread(s), vector width %s bits%n", t,
                bits != null ? bits : Backends.species(0).vectorBitSize());
        System.out.printf(Locale.ROOT, "%-46s %8s %12s %12s %14s%n", "kernel", "unit", "scalar", "vector", "vector/scalar");
        for (Map.Entry<String, Map<String, Double>> e : table.entrySet()) {
            double[] w = workOf.get(e.getKey());
            Double s = e.getValue().get("scalar"), v = e.getValue().get("vector");
            double rs = s == null ? Double.NaN : w[0] / (s * 1e-6) / 1e9, rv = v == null ? Double.NaN : w[0] / (v * 1e-6) / 1e9;
            System.out.printf(Locale.ROOT, "%-46s %8s %12.2f %12.2f %14.2f%n", e.getKey(), w[1] == 1 ? "GFLOP/s" : "GB/s", rs, rv, rv / rs);
        }
        org.nct.bench.LoadAverage.after();
    }
}
