package org.nct.bench.gemm;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nct.InvalidInputException;
import org.nct.kernels.Backends;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nct bench gemm}: runs {@link GemmBenchmark} (JMH) for nct and OpenBLAS on the same shapes,
 * forms and thread count, and prints GFLOP/s of both, their ratio, and the geometric mean of the
 * ratios. OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE at load time (and with them set picks
 * slower kernels), so when either is set the command re-runs itself without them.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "GEMM GFLOP/s of nct vs OpenBLAS cblas_sgemm (FFM), same JMH run, same shapes and threads.")
public final class GemmCommand implements Callable<Integer> {

    static final List<String> FORMS = List.of("forward", "backward-data", "backward-weight");
    static final String[] OPENBLAS_ENV = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"};

    @Option(names = "--shapes", split = ",", paramLabel = "MxKxN",
            description = "Shapes, comma-separated (default: ${DEFAULT-VALUE}).",
            defaultValue = "4096x256x1024,4096x1024x256,4096x256x768,4096x512x2048,4096x2048x512")
    List<String> shapes;

    @Option(names = "--forms", split = ",", paramLabel = "FORM",
            description = "forward (Y=X·Wᵀ), backward-data (dX=dY·W), backward-weight (dW+=dYᵀ·X); default: all.",
            defaultValue = "forward,backward-data,backward-weight")
    List<String> forms;

    @Option(names = "--threads", defaultValue = "2", description = "Threads for both (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--warmup", defaultValue = "2", description = "JMH warm-up iterations (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "3", description = "JMH measurement iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--time", defaultValue = "1", paramLabel = "SECONDS",
            description = "Seconds per JMH iteration (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--forks", defaultValue = "1", description = "JMH forks per benchmark (default: ${DEFAULT-VALUE}).")
    int forks;

    @Override
    public Integer call() throws Exception {
        for (String s : shapes) {
            try {
                GemmBenchmark.parseShape(s);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
        }
        for (String f : forms) {
            if (!FORMS.contains(f)) throw new InvalidInputException("unknown form '" + f + "'; use " + String.join(", ", FORMS));
        }
        if (threads < 1 || warmup < 0 || iterations < 1 || seconds < 1 || forks < 1) {
            throw new InvalidInputException("--threads, --iterations, --time and --forks must be >= 1, --warmup >= 0");
        }
        for (String v : OPENBLAS_ENV) {
            if (System.getenv(v) != null) return rerunWithoutOpenBlasEnv();
        }
        OpenBlas blas = OpenBlas.load().orElseThrow(() -> new InvalidInputException(OpenBlas.INSTALL_HINT));
        System.out.println("peer: " + blas.config().trim());
        System.out.println("nct: vector-" + Backends.species(0).vectorBitSize() + ", threads " + threads);
        org.nct.bench.LoadAverage.before();

        List<String> jvm = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0", "-Xss4m"));
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(GemmBenchmark.class.getName() + ".gemm")
                .param("shape", shapes.toArray(String[]::new))
                .param("form", forms.toArray(String[]::new))
                .param("variant", "nct", "openblas")
                .param("threads", String.valueOf(threads))
                .warmupIterations(warmup).warmupTime(TimeValue.seconds(seconds))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(seconds))
                .forks(forks).threads(1)
                .jvmArgs(jvm.toArray(String[]::new));
        Collection<RunResult> results;
        try {
            results = new Runner(opts.build()).run();
        } catch (RunnerException e) {
            String hint = String.valueOf(e.getMessage()).contains("jmh.lock")
                    ? " (to run anyway: NCT_JAVA_OPTS=-Djmh.ignoreLock=true ./nct bench gemm)" : "";
            throw new IllegalStateException("JMH run failed: " + e.getMessage() + hint, e);
        }
        printTable(results);
        org.nct.bench.LoadAverage.after();
        return 0;
    }

    private void printTable(Collection<RunResult> results) {
        Map<String, double[]> byCase = new LinkedHashMap<>(); // "shape form" -> {nct, openblas} GFLOP/s
        for (String s : shapes) for (String f : forms) byCase.put(s + " " + f, new double[] {Double.NaN, Double.NaN});
        for (RunResult r : results) {
            String s = r.getParams().getParam("shape"), f = r.getParams().getParam("form");
            int[] mkn = GemmBenchmark.parseShape(s);
            double gflops = r.getPrimaryResult().getScore() * 2.0 * mkn[0] * mkn[1] * mkn[2] / 1e9;
            double[] row = byCase.get(s + " " + f);
            if (row != null) row[r.getParams().getParam("variant").equals("nct") ? 0 : 1] = gflops;
        }
        System.out.println();
        System.out.printf("%-15s %-16s %12s %16s %7s%n", "M x K x N", "form", "nct GFLOP/s", "OpenBLAS GFLOP/s", "ratio");
        double logSum = 0;
        int count = 0;
        for (Map.Entry<String, double[]> e : byCase.entrySet()) {
            String[] key = e.getKey().split(" ");
            double[] v = e.getValue();
            double ratio = v[0] / v[1];
            System.out.printf("%-15s %-16s %12.1f %16.1f %7.2f%n", key[0], key[1], v[0], v[1], ratio);
            if (ratio > 0 && Double.isFinite(ratio)) {
                logSum += Math.log(ratio);
                count++;
            }
        }
        if (count < byCase.size()) throw new IllegalStateException("some benchmarks produced no result; see the JMH output above");
        System.out.printf("gemm ratio vs openblas (geomean): %.2f%n", Math.exp(logSum / count));
    }

    /** Runs this command again in a child JVM whose environment lacks the OpenBLAS variables. */
    private int rerunWithoutOpenBlasEnv() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.nct.cli.Main", "bench", "gemm",
                "--shapes", String.join(",", shapes), "--forms", String.join(",", forms),
                "--threads", String.valueOf(threads), "--warmup", String.valueOf(warmup),
                "--iterations", String.valueOf(iterations), "--time", String.valueOf(seconds), "--forks", String.valueOf(forks)));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        for (String v : OPENBLAS_ENV) pb.environment().remove(v);
        System.out.println("nct bench gemm: re-running without " + String.join(" and ", OPENBLAS_ENV) + " in the environment");
        return pb.start().waitFor();
    }

}
