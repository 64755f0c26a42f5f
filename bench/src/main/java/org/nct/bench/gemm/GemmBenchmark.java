package org.nct.bench.gemm;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nct.kernels.Backends;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.kernels.VectorKernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * GEMM throughput of nct's Vector API kernels and of the peer, OpenBLAS {@code cblas_sgemm}
 * (through FFM), on the same shapes, forms and thread count. Score: calls per second; GFLOP/s =
 * score · 2·M·K·N / 1e9 (see {@link GemmCommand}). Every trial first checks the implementation's
 * output against a float64 reference on sampled output rows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GemmBenchmark {

    /** M×K×N. */
    @Param({"4096x256x1024", "4096x1024x256", "4096x256x768", "4096x512x2048", "4096x2048x512"})
    public String shape;

    /** forward: Y = X·Wᵀ; backward-data: dX = dY·W; backward-weight: dW += dYᵀ·X. */
    @Param({"forward", "backward-data", "backward-weight"})
    public String form;

    /**
     * nct (VectorKernels at the preferred width) or openblas. JMH orders parameters by name, so
     * this one (sorting last) varies fastest: each nct trial runs right before OpenBLAS's on the
     * same shape and form, and both see about the same machine load.
     */
    @Param({"nct", "openblas"})
    public String variant;

    @Param({"2"})
    public int threads;

    /** Relative error (‖out−ref‖/‖ref‖ over the sampled rows) above which a trial fails. */
    static final double MAX_RELATIVE_ERROR = 1e-5;

    private int m, k, n;
    private Arena arena;
    private MemorySegment x, w, y, dy, dx, dw;
    private Kernels nct;
    private OpenBlas blas;

    @Setup
    public void setup() {
        int[] s = parseShape(shape);
        m = s[0]; k = s[1]; n = s[2];
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(42);
        x = random(rnd, (long) m * k);
        w = random(rnd, (long) n * k);
        dy = random(rnd, (long) m * n);
        y = random(rnd, (long) m * n);
        dx = random(rnd, (long) m * k);
        dw = random(rnd, (long) n * k);
        switch (variant) {
            case "nct" -> nct = new VectorKernels(Backends.species(0), threads);
            case "openblas" -> {
                blas = OpenBlas.load().orElseThrow(() -> new IllegalStateException(OpenBlas.INSTALL_HINT));
                blas.setThreads(threads);
            }
            default -> throw new IllegalArgumentException("variant must be nct or openblas, got " + variant);
        }
        if (nct != null) warmUpJit();
        validate();
    }

    @TearDown
    public void tearDown() {
        if (nct != null) nct.close();
        arena.close();
    }

    @Benchmark
    public void gemm() {
        call();
    }

    private void call() {
        switch (form) {
            case "forward" -> {
                if (nct != null) nct.matmul(y, 0, x, 0, w, 0, null, 0, m, k, n, false);
                else blas.matmul(y, x, w, m, k, n);
            }
            case "backward-data" -> {
                if (nct != null) nct.matmulBackwardData(dx, 0, dy, 0, w, 0, m, k, n, false);
                else blas.matmulBackwardData(dx, dy, w, m, k, n);
            }
            case "backward-weight" -> {
                if (nct != null) nct.matmulBackwardWeight(dw, 0, dy, 0, x, 0, m, k, n, true);
                else blas.matmulBackwardWeight(dw, dy, x, m, k, n);
            }
            default -> throw new IllegalArgumentException("form must be forward, backward-data or backward-weight, got " + form);
        }
    }

    /**
     * Vector API code is orders of magnitude slower before the JIT compiles it, and one call at the
     * benchmark shapes takes seconds that way; so the kernels are first compiled on a small problem
     * (same form and buffers, M ≤ 48, K ≤ 256, N ≤ 256) for about a second.
     */
    private void warmUpJit() {
        int sm = Math.min(48, m), sk = Math.min(256, k), sn = Math.min(256, n);
        int[] saved = {m, k, n};
        m = sm; k = sk; n = sn;
        long end = System.nanoTime() + 1_000_000_000L;
        for (int i = 0; i < 5000 && System.nanoTime() < end; i++) call();
        m = saved[0]; k = saved[1]; n = saved[2];
    }

    /** One call, then sampled output rows against float64 (dW: against its value before the call plus the product). */
    private void validate() {
        int outRows = form.equals("backward-weight") ? n : m;
        int outCols = form.equals("forward") ? n : k;
        MemorySegment out = switch (form) { case "forward" -> y; case "backward-data" -> dx; default -> dw; };
        int[] rows = {0, 1, outRows / 3, outRows / 2 + 1, outRows - 2, outRows - 1};
        double[][] before = new double[rows.length][outCols];
        for (int i = 0; i < rows.length; i++) {
            for (int c = 0; c < outCols; c++) before[i][c] = out.getAtIndex(JAVA_FLOAT, (long) rows[i] * outCols + c);
        }
        call();
        double num = 0, den = 0;
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            for (int c = 0; c < outCols; c++) {
                double ref = form.equals("backward-weight") ? before[i][c] : 0;
                switch (form) {
                    case "forward" -> { for (int p = 0; p < k; p++) ref += (double) at(x, (long) r * k + p) * at(w, (long) c * k + p); }
                    case "backward-data" -> { for (int p = 0; p < n; p++) ref += (double) at(dy, (long) r * n + p) * at(w, (long) p * k + c); }
                    default -> { for (int p = 0; p < m; p++) ref += (double) at(dy, (long) p * n + r) * at(x, (long) p * k + c); }
                }
                double d = at(out, (long) r * outCols + c) - ref;
                num += d * d;
                den += ref * ref;
            }
        }
        double rel = Math.sqrt(num / den);
        if (!(rel <= MAX_RELATIVE_ERROR)) {
            throw new IllegalStateException(variant + " " + form + " " + shape + ": relative error " + rel + " vs float64 exceeds " + MAX_RELATIVE_ERROR);
        }
    }

    private static float at(MemorySegment s, long i) {
        return s.getAtIndex(JAVA_FLOAT, i);
    }

    private MemorySegment random(SplittableRandom rnd, long len) {
        MemorySegment s = Buffers.floats(arena, len);
        for (long i = 0; i < len; i++) s.setAtIndex(JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
        return s;
    }

    /** "MxKxN" → {M, K, N}; a one-line error for anything else. */
    static int[] parseShape(String s) {
        String[] p = s.trim().toLowerCase().split("x");
        if (p.length != 3) throw new IllegalArgumentException("shape must be MxKxN (e.g. 4096x256x1024), got '" + s + "'");
        int[] v = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                v[i] = Integer.parseInt(p[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("shape must be MxKxN with positive integers, got '" + s + "'");
            }
            if (v[i] < 1) throw new IllegalArgumentException("shape must be MxKxN with positive integers, got '" + s + "'");
        }
        return v;
    }
}
