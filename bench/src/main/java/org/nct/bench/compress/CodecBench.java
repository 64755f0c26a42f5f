package org.nct.bench.compress;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.nct.bench.LoadAverage;
import org.nct.InvalidInputException;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowRule;
import org.nct.container.NctCodec;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nct bench codec}: compress and decompress throughput of plain AC and EqualInfoAC[b=16] at
 * the default settings on held-out C4 text, both round trips checked, with bits/byte, the peak
 * RSS, and the model work in GFLOP/s beside the forward GEMM rate measured in the same run.
 */
@Command(name = "codec", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Coding speed: plain AC and EqualInfoAC[b=16] at default settings, both directions, with peak RSS.")
public final class CodecBench implements Runnable {
    @Option(names = {"-m", "--model"}, description = "M1 checkpoint (default: the bundled M1; in a build without one, a 3m M1 trained once for this benchmark and cached in ~/.cache/nct)") Path model;
    @Option(names = "--data", arity = "1..*", description = "C4 JSON-lines files or directories (default: ../shared/data/c4)") List<Path> data;
    @Option(names = "--bytes", defaultValue = "262144", description = "bytes of held-out text (default ${DEFAULT-VALUE}; the held-out split may hold fewer)") int bytes;
    @Option(names = "--threads", defaultValue = "2", description = "kernel threads (default ${DEFAULT-VALUE})") int threads;
    @Option(names = "--validation-fraction", defaultValue = "0.05", description = "held-out fraction, as in training (default ${DEFAULT-VALUE})") double validationFraction;

    /** GEMM shape of the forward rate: 256 rows through a 3m block's up projection. */
    static final int GEMM_M = 256, GEMM_K = 256, GEMM_N = 1024;

    @Override
    public void run() {
        LoadAverage.before();
        List<Path> paths = data != null ? data : List.of(Path.of("..", "shared", "data", "c4"));
        for (Path p : paths) if (!Files.exists(p)) throw new InvalidInputException("no such file or directory: " + p + " (use --data)");
        if (bytes < 1) throw new InvalidInputException("--bytes must be at least 1, got " + bytes);
        Path m = model != null || BundledM1.present() ? model : trainedModel(paths);
        JoinedText joined = JoinedText.read(paths, Split.VALIDATION, validationFraction);
        if (joined.bytes().length == 0) throw new InvalidInputException("no held-out text in " + paths);
        byte[] text = Arrays.copyOf(joined.bytes(), Math.min(bytes, joined.bytes().length));
        System.out.printf(Locale.ROOT, "held-out text: %d bytes%s (%s)%n", text.length,
                text.length < bytes ? " (asked for " + bytes + "; the held-out split holds no more)" : "", joined.describe());
        try (Weights w = m != null ? Checkpoint.loadWeights(m) : BundledM1.load(); Kernels k = Backends.create(threads)) {
            ModelConfig cfg = w.config();
            double flopsPerRow = 2.0 * (cfg.numLayers() * ((double) cfg.dModel() * 3 * cfg.attnDim() + (double) cfg.attnDim() * cfg.dModel()
                    + 3.0 * cfg.dModel() * cfg.mlpDim()) + (double) cfg.dModel() * cfg.vocabSize());
            System.out.printf(Locale.ROOT, "M1: %s (%s); kernels %s, %d thread(s); %.2f MFLOP of matrix products per model row%n",
                    cfg.describe(), m != null ? m : "bundled M1, " + BundledM1.SOURCE, k.name(), k.threads(), flopsPerRow / 1e6);
            CodingModel cm = new CodingModel(w, k, IntegerCdf.DEFAULT_PRECISION);
            double gemm = forwardGemmRate(k);
            System.out.printf(Locale.ROOT, "forward GEMM %dx%dx%d: %.1f GFLOP/s%n%n", GEMM_M, GEMM_K, GEMM_N, gemm);
            System.out.printf(Locale.ROOT, "%-22s %9s %8s %11s %13s %10s %10s %s%n", "mode", "bytes", "bits/B", "comp KB/s", "decomp KB/s",
                    "GFLOP/s", "of GEMM", "check");
            double[] ac = mode("AC (2 KiB blocks)", cm, NctCodec.Settings.defaults(0, WindowRule.G), text, flopsPerRow, gemm);
            double[] eq = mode("EqualInfoAC[b=16] G", cm, NctCodec.Settings.defaults(16, WindowRule.G), text, flopsPerRow, gemm);
            long rss = peakRssKiB();
            System.out.println();
            LoadAverage.after();
            System.out.printf(Locale.ROOT, "codec KB/s: ac %.1f/%.1f eqinfo16 %.1f/%.1f peak-rss %d MiB%n", ac[0], ac[1], eq[0], eq[1], rss / 1024);
        } catch (IOException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }

    /** Compresses and decompresses text once; prints the row; returns {compress KB/s, decompress KB/s}. */
    static double[] mode(String name, CodingModel cm, NctCodec.Settings s, byte[] text, double flopsPerRow, double gemm) throws IOException {
        AtomicLong rowsIn = new AtomicLong();
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        NctCodec.compress(cm, s, text, text.length, packed, rowsIn::set);
        long t1 = System.nanoTime();
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        NctCodec.decompress(p -> cm, new ByteArrayInputStream(packed.toByteArray()), back, 0, null);
        long t2 = System.nanoTime();
        boolean ok = Arrays.equals(text, back.toByteArray());
        if (!ok) throw new IllegalStateException(name + ": the round trip did not give the input back");
        double c = text.length / 1e3 / ((t1 - t0) / 1e9), d = text.length / 1e3 / ((t2 - t1) / 1e9);
        // model rows: compress reports them; decompress is counted as one row per byte (a window's closing row is not counted)
        double flops = flopsPerRow * (rowsIn.get() + (double) text.length);
        double rate = flops / ((t2 - t0) / 1e9) / 1e9;
        System.out.printf(Locale.ROOT, "%-22s %9d %8.4f %11.1f %13.1f %10.1f %9.0f%% %s%n", name, packed.size(), 8.0 * packed.size() / text.length,
                c, d, rate, 100 * rate / gemm, "round trip ok");
        return new double[] {c, d};
    }

    /** Y = X·Wᵀ at a 3m layer's shape, repeated for about a second after warm-up. */
    static double forwardGemmRate(Kernels k) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = Buffers.floats(arena, (long) GEMM_M * GEMM_K), w = Buffers.floats(arena, (long) GEMM_N * GEMM_K);
            MemorySegment y = Buffers.floats(arena, (long) GEMM_M * GEMM_N);
            SplittableRandom r = new SplittableRandom(1);
            for (long i = 0; i < x.byteSize() / 4; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
            for (long i = 0; i < w.byteSize() / 4; i++) w.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
            for (int i = 0; i < 200; i++) k.matmulFixedWeights(y, 0, x, 0, w, 0, null, 0, GEMM_M, GEMM_K, GEMM_N, false);
            int reps = 0;
            long t0 = System.nanoTime(), t;
            do {
                k.matmulFixedWeights(y, 0, x, 0, w, 0, null, 0, GEMM_M, GEMM_K, GEMM_N, false);
                reps++;
            } while ((t = System.nanoTime()) - t0 < 1_000_000_000L);
            return 2.0 * GEMM_M * GEMM_K * GEMM_N * reps / ((t - t0) / 1e9) / 1e9;
        }
    }

    /** For a build without the bundled M1: a 3m M1 trained once (≈ 1 minute) and cached. */
    static Path trainedModel(List<Path> paths) {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "nct", "bench-codec-m1-3m.safetensors");
        if (Files.isRegularFile(cache)) return cache;
        System.out.println("no -m and no bundled M1: training a 3m M1 for 60 steps once (cached at " + cache + ")");
        try {
            Files.createDirectories(cache.getParent());
        } catch (IOException e) {
            throw new InvalidInputException("cannot create " + cache.getParent() + ": " + e.getMessage(), e);
        }
        String[] args = {"--preset", "3m", "--steps", "60", "--batch", "16", "--seq", "256", "--optimizer", "adamw", "--lr", "3e-3",
                "--out", cache.toString(), "--data"};
        String[] all = Arrays.copyOf(args, args.length + paths.size());
        for (int i = 0; i < paths.size(); i++) all[args.length + i] = paths.get(i).toString();
        int rc = new CommandLine(new TrainCommand()).execute(all);
        if (rc != 0 || !Files.isRegularFile(cache)) throw new InvalidInputException("training the benchmark's M1 failed (exit " + rc + ")");
        return cache;
    }


    /** The process's peak resident set (VmHWM) in KiB, or -1 where /proc does not tell. */
    static long peakRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }
}
