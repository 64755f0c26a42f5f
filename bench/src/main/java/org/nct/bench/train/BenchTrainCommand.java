package org.nct.bench.train;

import org.nct.InvalidInputException;
import org.nct.data.ExampleSource;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.train.TrainConfig;
import org.nct.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code nct bench train}: training steps of nct's Transformer against PyTorch CPU on the identical
 * model shape, batch shape and optimizer (AdamW), measured one after the other in the same run.
 * Prints both median step times, tokens/s and peak resident memory; then nct alone at a second,
 * longer sequence length ({@code --long-seq}, default 1024: the paper trains M1 on 1,024-byte
 * sequences), so that the M1 training rate is reported at B×T256 and B×T1024; the load average
 * before and after (with a warning line when the machine was not quiet); and last
 * {@code train step ratio vs pytorch: X.XX} (PyTorch's median step time over ours, at --seq).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Times training steps (forward, backward, AdamW) of nct and of PyTorch CPU on the same model and batch shape.",
                "Last line: 'train step ratio vs pytorch: X.XX' (PyTorch step time / ours; higher is better)."})
public final class BenchTrainCommand implements Callable<Integer> {

    @Option(names = "--preset", description = "model preset (default: ${DEFAULT-VALUE})", defaultValue = "3m")
    String preset;

    @Option(names = "--batch", description = "sequences per step (default: ${DEFAULT-VALUE})", defaultValue = "16")
    int batch;

    @Option(names = "--seq", description = "bytes per sequence (default: ${DEFAULT-VALUE})", defaultValue = "256")
    int seq;

    @Option(names = "--long-seq", description = "also time nct alone at this sequence length, same batch (default: ${DEFAULT-VALUE}; 0 skips)",
            defaultValue = "1024")
    int longSeq;

    @Option(names = "--steps", description = "timed steps on each side (default: ${DEFAULT-VALUE})", defaultValue = "8")
    int steps;

    @Option(names = "--warmup", description = "untimed steps first, while the JIT compiles (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int warmup;

    @Option(names = "--threads", description = "threads for nct and PyTorch (default: nct.threads or all cores)")
    Integer threads;

    @Option(names = "--seed", description = "seed of weights and data (default: ${DEFAULT-VALUE})", defaultValue = "1")
    long seed;

    @Option(names = "--python", description = "Python with PyTorch (default: ${DEFAULT-VALUE})", defaultValue = "/usr/bin/python3")
    String python;

    @Option(names = "--torch-script", description = "path of tools/torch_reference.py (default: found beside the build)")
    Path torchScript;

    @Option(names = "--no-torch", description = "time nct only")
    boolean noTorch;

    @Option(names = "--profile", description = "also print nct's time per kernel (adds a little overhead)")
    boolean profile;

    /** nct's side of the measurement. */
    record Ours(String backend, int threads, long params, double medianStepMs, double meanStepMs, double tokensPerS,
                long peakRssKiB, double[] stepMs, List<String> profile) { }

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || seq < 1) throw new InvalidInputException("--batch and --seq must be positive");
        if (longSeq < 0) throw new InvalidInputException("--long-seq must be 0 (skip) or positive");
        if (steps < 1 || warmup < 0) throw new InvalidInputException("--steps must be at least 1 and --warmup at least 0");
        ModelConfig cfg;
        try {
            cfg = ModelConfig.preset(preset, 256);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        int nThreads = threads != null ? threads : Backends.defaultThreads();
        if (nThreads < 1) throw new InvalidInputException("--threads must be at least 1");
        Path script = torchScript != null ? torchScript : TorchPeer.defaultScript();
        String torchMissing = noTorch ? null : TorchPeer.unavailable(python);

        System.out.printf(Locale.ROOT, "nct bench train: preset %s (%s), batch %d x seq %d bytes, AdamW, %d warm-up + %d timed steps, %d thread(s)%n",
                preset, cfg.describe(), batch, seq, warmup, steps, nThreads);
        System.out.printf(Locale.ROOT, "machine: %s, %d cores%n", cpuModel(), Runtime.getRuntime().availableProcessors());
        org.nct.bench.LoadAverage.before();

        Ours ours = runOurs(cfg, nThreads, seq, profile);
        TorchPeer.Result theirs = null;
        if (!noTorch && torchMissing == null) {
            theirs = TorchPeer.run(python, script, cfg, batch, seq, warmup, steps, nThreads, seed);
        }
        Ours longRun = longSeq > 0 && longSeq != seq ? runOurs(cfg, nThreads, longSeq, false) : null;

        System.out.println();
        System.out.printf(Locale.ROOT, "%-22s %10s %12s %12s %11s  %s%n", "", "params", "median ms", "tokens/s", "peak RSS", "step times (ms)");
        System.out.printf(Locale.ROOT, "%-22s %,10d %12.1f %12.0f %7d MiB  %s%n", "nct " + ours.backend(), ours.params(),
                ours.medianStepMs(), ours.tokensPerS(), ours.peakRssKiB() / 1024, fmt(ours.stepMs()));
        if (theirs != null) {
            double[] t = theirs.stepMs().stream().mapToDouble(Double::doubleValue).toArray();
            System.out.printf(Locale.ROOT, "%-22s %,10d %12.1f %12.0f %7d MiB  %s%n", "pytorch " + theirs.torchVersion()
                    + " (" + theirs.threads() + "t)", theirs.params(), theirs.medianStepMs(), theirs.tokensPerS(), theirs.peakRssKiB() / 1024, fmt(t));
        }
        if (longRun != null) {
            System.out.printf(Locale.ROOT, "%-22s %,10d %12.1f %12.0f %7d MiB  %s%n", "nct " + longRun.backend() + " seq " + longSeq, longRun.params(),
                    longRun.medianStepMs(), longRun.tokensPerS(), longRun.peakRssKiB() / 1024, fmt(longRun.stepMs()));
        }
        System.out.printf(Locale.ROOT, "nct %s training tokens/s: B%dxT%d %.0f%s%n", preset, batch, seq, ours.tokensPerS(),
                longRun == null ? "" : String.format(Locale.ROOT, ", B%dxT%d %.0f", batch, longSeq, longRun.tokensPerS()));
        org.nct.bench.LoadAverage.after();
        if (ours.profile() != null) {
            System.out.printf(Locale.ROOT, "nct time per kernel (mean step %.1f ms):%n", ours.meanStepMs());
            ours.profile().forEach(System.out::println);
        }
        if (noTorch) return 0;
        if (theirs == null) {
            throw new InvalidInputException(torchMissing + "; install PyTorch (Debian: apt-get install python3-torch) or pass --python, or --no-torch to time nct only");
        }
        System.out.printf(Locale.ROOT, "train step ratio vs pytorch: %.2f%n", theirs.medianStepMs() / ours.medianStepMs());
        return 0;
    }

    /** nct's training steps at batch × seqLen (kernel times when withProfile). */
    private Ours runOurs(ModelConfig cfg, int nThreads, int seqLen, boolean withProfile) throws IOException {
        Kernels base = Backends.create(nThreads);
        KernelTimer timer = withProfile ? KernelTimer.wrap(base) : null;
        Kernels k = timer != null ? timer.kernels() : base;
        int total = warmup + steps;
        TrainConfig tc = new TrainConfig(total, batch, seqLen, seed, "adamw", 1e-3, 0, 0.1, 0.0, 0, 1, 0, 1, true);
        ExampleSource data = new RandomBytes(seed, (long) batch * total, seqLen + 1);
        double[] times = new double[steps];
        try (base; Weights w = Weights.init(cfg, seed); Trainer trainer = new Trainer(tc, w, k, data, null)) {
            for (int i = 0; i < total; i++) {
                if (timer != null) timer.enable(i >= warmup);
                long t0 = System.nanoTime();
                trainer.trainStep();
                long dt = System.nanoTime() - t0;
                if (i >= warmup) times[i - warmup] = dt / 1e6;
            }
            double median = median(times), mean = Arrays.stream(times).average().orElse(0);
            return new Ours(base.name(), base.threads(), cfg.totalParams(), median, mean, (double) batch * seqLen / (median / 1000),
                    peakRssKiB(), times, timer != null ? timer.table(steps, mean) : null);
        }
    }

    /** Uniformly random bytes: the step time does not depend on the values. */
    record RandomBytes(long seed, long size, int exampleLength) implements ExampleSource {
        @Override public int vocabSize() { return 256; }
        @Override public String describe() { return "random bytes (seed " + seed + ")"; }
        @Override public int read(long index, int[] dst) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
            for (int i = 0; i < exampleLength; i++) dst[i] = r.nextInt(256);
            return exampleLength;
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String fmt(double[] ms) {
        List<String> s = new ArrayList<>();
        for (double m : ms) s.add(String.format(Locale.ROOT, "%.0f", m));
        return String.join(" ", s);
    }

    /** VmHWM of this process in KiB (0 when /proc is not there). */
    static long peakRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return 0;
    }


    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
