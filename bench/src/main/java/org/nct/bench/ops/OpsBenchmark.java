package org.nct.bench.ops;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nct.kernels.Backends;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH benchmarks of the hot non-GEMM kernels, scalar reference and Vector API backend in the same
 * run (parameter {@code backend}). Threads: {@code -Dnct.threads} (default: all cores); vector
 * width: {@code -Dnct.vector.bits} (default: the preferred species). The work per call of each
 * benchmark (bytes or flops) is {@link #work}; {@link OpsBenchCommand} turns times into GB/s or
 * GFLOP/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OpsBenchmark {

    /** Shapes (also used by OpsBenchCommand to compute the work per call). */
    static final int RMS_ROWS = 4096, RMS_C = 512;
    static final int ATT_H = 8, ATT_D = 64, ATT_NB = 32, ATT_MD = 128;
    /** The training step's attention: the 3m model (4 heads of 64) on a batch of 16 sequences. */
    static final int TRAIN_B = 16, TRAIN_H = 4;
    static final int CE_ELEMENTS = 1 << 22;
    static final int ADA_ROWS = 2048, ADA_COLS = 512;
    /** The coding path at the 3m model's attention shape: rows (streams) of one batched step. */
    static final int CODE_ROWS = 32, CODE_H = 4, CODE_D = 64, CDF_ROWS = 64;
    /** Plain-AC prefill: PREFILL_ROWS consecutive positions of one slot, the last at PREFILL_CAP − 1. */
    static final int PREFILL_ROWS = 512, PREFILL_CAP = 2048;

    static Kernels open(String backend) {
        int threads = Backends.defaultThreads();
        return switch (backend) {
            case "scalar" -> new ScalarKernels(threads);
            case "vector" -> new VectorKernels(Backends.species(Integer.getInteger("nct.vector.bits", 0)), threads);
            default -> throw new IllegalArgumentException("backend " + backend);
        };
    }

    static MemorySegment random(Arena arena, long n, double scale, long seed) {
        MemorySegment s = Buffers.floats(arena, n);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (scale * (2 * r.nextDouble() - 1)));
        return s;
    }

    /**
     * Work per call: bytes moved (reads + writes of the float buffers) for memory-bound ops, or
     * floating-point operations for attention. Returns {value, 1 if flops else 0}.
     */
    static double[] work(String benchmark, int t, int vocab) {
        double attFlopsFwd = 2.0 * t * (t + 1) * ATT_D * ATT_H;  // QKᵀ and PV over the causal triangle (2 flops per fma)
        double trainFlopsFwd = 2.0 * t * (t + 1) * ATT_D * TRAIN_H * TRAIN_B;
        return switch (benchmark) {
            case "rmsnormForward" -> new double[] {4.0 * (2L * RMS_ROWS * RMS_C + RMS_C + RMS_ROWS), 0};
            case "rmsnormBackward" -> new double[] {4.0 * (5L * RMS_ROWS * RMS_C + 3 * RMS_C + RMS_ROWS), 0};
            case "attentionForward" -> new double[] {attFlopsFwd, 1};
            case "attentionBackward" -> new double[] {2 * attFlopsFwd, 1};   // dP, dQ, dK, dV: four triangles
            case "attentionTrainingForward", "attentionCodingForwardAtTrainingShape" -> new double[] {trainFlopsFwd, 1};
            case "attentionTrainingBackward", "attentionCodingBackwardAtTrainingShape" -> new double[] {2 * trainFlopsFwd, 1};
            case "crossEntropyForward" -> new double[] {4.0 * CE_ELEMENTS, 0};
            case "crossEntropyBackward" -> new double[] {8.0 * CE_ELEMENTS, 0};
            case "adafactor" -> new double[] {4.0 * 8L * ADA_ROWS * ADA_COLS, 0};  // g ×2, u ×3, p ×3 (see docs)
            // one query per row against t cached positions: scores and values, 2 flops per fma
            case "attentionCached", "attentionRowLoop" -> new double[] {4.0 * CODE_ROWS * CODE_H * CODE_D * t, 1};
            case "cdfRows" -> new double[] {4.0 * CDF_ROWS * (256 + 257), 0};
            // row r at position p = CAP − ROWS + r against p + 1 keys: Σ (p + 1) = ROWS·(2·CAP − ROWS + 1)/2
            case "attentionCachedPrefill" -> new double[] {4.0 * CODE_H * CODE_D * PREFILL_ROWS * (2.0 * PREFILL_CAP - PREFILL_ROWS + 1) / 2, 1};
            default -> throw new IllegalArgumentException(benchmark);
        };
    }

    @State(Scope.Benchmark)
    public static class Rms {
        @Param({"scalar", "vector"}) public String backend;
        Kernels k;
        Arena arena;
        MemorySegment x, out, rstd, gain, dx, dgain, dout;

        @Setup(Level.Trial) public void setup() {
            k = open(backend);
            arena = Arena.ofShared();
            long n = (long) RMS_ROWS * RMS_C;
            x = random(arena, n, 1, 1); dout = random(arena, n, 1, 2); gain = random(arena, RMS_C, 1, 3);
            out = Buffers.floats(arena, n); dx = Buffers.floats(arena, n); dgain = Buffers.floats(arena, RMS_C);
            rstd = Buffers.floats(arena, RMS_ROWS);
            k.rmsnormForward(out, 0, rstd, 0, x, 0, gain, 0, RMS_ROWS, RMS_C, 1e-6f);
        }

        @TearDown(Level.Trial) public void tearDown() { k.close(); arena.close(); }
    }

    @Benchmark public void rmsnormForward(Rms s) {
        s.k.rmsnormForward(s.out, 0, s.rstd, 0, s.x, 0, s.gain, 0, RMS_ROWS, RMS_C, 1e-6f);
    }

    @Benchmark public void rmsnormBackward(Rms s) {
        s.k.rmsnormBackward(s.dx, 0, s.dgain, 0, s.dout, 0, s.x, 0, s.gain, 0, s.rstd, 0, RMS_ROWS, RMS_C);
    }

    @State(Scope.Benchmark)
    public static class Attention {
        @Param({"scalar", "vector"}) public String backend;
        @Param({"256", "512"}) public int t;
        Kernels k;
        Arena arena;
        MemorySegment qkv, rb, out, att, dqkv, drb, dout;

        @Setup(Level.Trial) public void setup() {
            k = open(backend);
            arena = Arena.ofShared();
            int hd = ATT_H * ATT_D;
            qkv = random(arena, (long) t * 3 * hd, 0.3, 4); rb = random(arena, ATT_H * ATT_NB, 1, 5);
            dout = random(arena, (long) t * hd, 1, 6);
            out = Buffers.floats(arena, (long) t * hd); att = Buffers.floats(arena, (long) ATT_H * t * t);
            dqkv = Buffers.floats(arena, (long) t * 3 * hd); drb = Buffers.floats(arena, ATT_H * ATT_NB);
            k.attentionForward(out, 0, att, 0, qkv, 0, rb, 0, 1, t, ATT_H, ATT_D, ATT_NB, ATT_MD, 1f);
        }

        @TearDown(Level.Trial) public void tearDown() { k.close(); arena.close(); }
    }

    @Benchmark public void attentionForward(Attention s) {
        s.k.attentionForward(s.out, 0, s.att, 0, s.qkv, 0, s.rb, 0, 1, s.t, ATT_H, ATT_D, ATT_NB, ATT_MD, 1f);
    }

    @Benchmark public void attentionBackward(Attention s) {
        s.k.attentionBackward(s.dqkv, 0, s.drb, 0, s.dout, 0, s.qkv, 0, s.att, 0, 1, s.t, ATT_H, ATT_D, ATT_NB, ATT_MD, 1f);
    }

    /**
     * The training step's attention at the 3m model's shape, B16×T256 and B16×T1024: the training
     * profile's tiled kernels, and the coding profile's kernels at the same shape for comparison.
     * Vector backend only by default (the scalar reference takes minutes per call at T1024; add
     * {@code -p backend=scalar} to time it).
     */
    @State(Scope.Benchmark)
    public static class TrainingShape {
        @Param({"vector"}) public String backend;
        @Param({"256", "1024"}) public int t;
        Kernels k;
        Arena arena;
        MemorySegment qkv, rb, out, att, dqkv, drb, dout;

        @Setup(Level.Trial) public void setup() {
            k = open(backend);
            arena = Arena.ofShared();
            long rows = (long) TRAIN_B * t, hd = TRAIN_H * ATT_D;
            qkv = random(arena, rows * 3 * hd, 0.3, 14); rb = random(arena, TRAIN_H * ATT_NB, 1, 15);
            dout = random(arena, rows * hd, 1, 16);
            out = Buffers.floats(arena, rows * hd); att = Buffers.floats(arena, (long) TRAIN_B * TRAIN_H * t * t);
            dqkv = Buffers.floats(arena, rows * 3 * hd); drb = Buffers.floats(arena, TRAIN_H * ATT_NB);
            k.attentionForwardTraining(out, 0, att, 0, qkv, 0, rb, 0, TRAIN_B, t, TRAIN_H, ATT_D, ATT_NB, ATT_MD, 1f);
        }

        @TearDown(Level.Trial) public void tearDown() { k.close(); arena.close(); }
    }

    @Benchmark public void attentionTrainingForward(TrainingShape s) {
        s.k.attentionForwardTraining(s.out, 0, s.att, 0, s.qkv, 0, s.rb, 0, TRAIN_B, s.t, TRAIN_H, ATT_D, ATT_NB, ATT_MD, 1f);
    }

    /** Backward from the training forward's probabilities (computed once in setup; the backward only reads them). */
    @Benchmark public void attentionTrainingBackward(TrainingShape s) {
        s.k.attentionBackwardTraining(s.dqkv, 0, s.drb, 0, s.dout, 0, s.qkv, 0, s.att, 0, TRAIN_B, s.t, TRAIN_H, ATT_D, ATT_NB, ATT_MD, 1f);
    }

    @Benchmark public void attentionCodingForwardAtTrainingShape(TrainingShape s) {
        s.k.attentionForward(s.out, 0, s.att, 0, s.qkv, 0, s.rb, 0, TRAIN_B, s.t, TRAIN_H, ATT_D, ATT_NB, ATT_MD, 1f);
    }

    @Benchmark public void attentionCodingBackwardAtTrainingShape(TrainingShape s) {
        s.k.attentionBackward(s.dqkv, 0, s.drb, 0, s.dout, 0, s.qkv, 0, s.att, 0, TRAIN_B, s.t, TRAIN_H, ATT_D, ATT_NB, ATT_MD, 1f);
    }

    @State(Scope.Benchmark)
    public static class CrossEntropy {
        @Param({"scalar", "vector"}) public String backend;
        @Param({"256", "65536"}) public int vocab;
        Kernels k;
        Arena arena;
        int rows;
        MemorySegment logits, dlogits, loss, lse, targets;

        @Setup(Level.Trial) public void setup() {
            k = open(backend);
            arena = Arena.ofShared();
            rows = CE_ELEMENTS / vocab;
            logits = random(arena, (long) rows * vocab, 4, 7);
            dlogits = Buffers.floats(arena, (long) rows * vocab);
            loss = Buffers.floats(arena, rows); lse = Buffers.floats(arena, rows);
            targets = Buffers.ints(arena, rows);
            for (int r = 0; r < rows; r++) targets.setAtIndex(ValueLayout.JAVA_INT, r, (r * 7919) % vocab);
            k.crossEntropyForward(loss, 0, lse, 0, logits, 0, targets, 0, rows, vocab, 1e-4f);
        }

        @TearDown(Level.Trial) public void tearDown() { k.close(); arena.close(); }
    }

    @Benchmark public void crossEntropyForward(CrossEntropy s) {
        s.k.crossEntropyForward(s.loss, 0, s.lse, 0, s.logits, 0, s.targets, 0, s.rows, s.vocab, 1e-4f);
    }

    @Benchmark public void crossEntropyBackward(CrossEntropy s) {
        s.k.crossEntropyBackward(s.dlogits, 0, s.logits, 0, s.lse, 0, s.targets, 0, s.rows, s.vocab, 1e-4f, 1f);
    }

    @State(Scope.Benchmark)
    public static class Adafactor {
        @Param({"scalar", "vector"}) public String backend;
        Kernels k;
        Arena arena;
        MemorySegment p, g, vr, vc, u;

        @Setup(Level.Trial) public void setup() {
            k = open(backend);
            arena = Arena.ofShared();
            long n = (long) ADA_ROWS * ADA_COLS;
            p = random(arena, n, 1, 8); g = random(arena, n, 0.01, 9); u = Buffers.floats(arena, n);
            vr = Buffers.floats(arena, ADA_ROWS); vc = Buffers.floats(arena, ADA_COLS);
        }

        @TearDown(Level.Trial) public void tearDown() { k.close(); arena.close(); }
    }

    /** One factored update of a 2048×512 matrix (p changes every call; the work does not). */
    @Benchmark public void adafactor(Adafactor s) {
        s.k.adafactor(s.p, 0, s.g, 0, s.vr, 0, s.vc, 0, null, 0, s.u, 0, ADA_ROWS, ADA_COLS, true,
                1e-3f, 0.999f, 1e-30f, 1e-3f, 1f);
    }

    /**
     * The coding path: {@link Kernels#attentionCached} (CODE_ROWS streams, each one query at
     * position t−1 of its own cache, rows in parallel) beside the same rows through
     * {@link Kernels#attentionRow} one after the other (the per-row kernel it replaces), and
     * logits → CDF for CDF_ROWS rows.
     */
    @State(Scope.Benchmark)
    public static class Coding {
        @Param({"scalar", "vector"}) public String backend;
        @Param({"16", "1024"}) public int t;
        Kernels k;
        Arena arena;
        MemorySegment q, kt, v, bias, out, kvRows, relBias, scratch, logits, cum;
        int cap;
        int[] slot = new int[CODE_ROWS], pos = new int[CODE_ROWS];

        @Setup(Level.Trial) public void setup() {
            k = open(backend);
            arena = Arena.ofShared();
            int a = CODE_H * CODE_D;
            cap = (t + 15) & ~15;
            q = random(arena, (long) CODE_ROWS * a, 0.3, 10);
            kt = random(arena, (long) CODE_ROWS * a * cap, 0.3, 11);
            v = random(arena, (long) CODE_ROWS * a * cap, 1, 12);
            bias = random(arena, (long) CODE_H * cap, 1, 13);
            relBias = random(arena, (long) CODE_H * ATT_NB, 1, 13);
            kvRows = random(arena, (long) CODE_ROWS * t * 2 * a, 0.3, 14);   // per row: (t, 2·A) keys then values
            scratch = Buffers.floats(arena, t);
            out = Buffers.floats(arena, (long) CODE_ROWS * a);
            for (int r = 0; r < CODE_ROWS; r++) {
                slot[r] = r;
                pos[r] = t - 1;
            }
            logits = random(arena, (long) CDF_ROWS * 256, 6, 15);
            cum = Buffers.ints(arena, (long) CDF_ROWS * 257);
        }

        @TearDown(Level.Trial) public void tearDown() { k.close(); arena.close(); }
    }

    @Benchmark public void attentionCached(Coding s) {
        s.k.attentionCached(s.out, 0, CODE_H * CODE_D, s.q, 0, CODE_H * CODE_D, s.kt, 0, s.v, 0, s.cap, s.bias, 0, s.cap,
                s.slot, s.pos, CODE_ROWS, CODE_H, CODE_D, 1f);
    }

    @Benchmark public void attentionRowLoop(Coding s) {
        long a = CODE_H * CODE_D;
        for (int r = 0; r < CODE_ROWS; r++) {
            long base = (long) r * s.t * 2 * a;
            s.k.attentionRow(s.out, r * a, s.q, r * a, s.kvRows, base, s.kvRows, base + a, 2 * a, s.relBias, 0, s.scratch, 0,
                    s.t - 1, CODE_H, CODE_D, ATT_NB, ATT_MD, 1f);
        }
    }

    @Benchmark public void cdfRows(Coding s) {
        s.k.cdfRows(s.cum, 0, s.logits, 0, CDF_ROWS, 16);
    }

    /**
     * Plain-AC compression's prefill step: {@link Kernels#attentionCached} for PREFILL_ROWS rows of
     * one slot at the consecutive positions PREFILL_CAP − PREFILL_ROWS .. PREFILL_CAP − 1 (the last
     * 512-byte step of a 2 KiB block), 3m shapes.
     */
    @State(Scope.Benchmark)
    public static class Prefill {
        @Param({"scalar", "vector"}) public String backend;
        Kernels k;
        Arena arena;
        MemorySegment q, kt, v, bias, out;
        int[] slot = new int[PREFILL_ROWS], pos = new int[PREFILL_ROWS];

        @Setup(Level.Trial) public void setup() {
            k = open(backend);
            arena = Arena.ofShared();
            int a = CODE_H * CODE_D;
            q = random(arena, (long) PREFILL_ROWS * a, 0.3, 20);
            kt = random(arena, (long) a * PREFILL_CAP, 0.3, 21);
            v = random(arena, (long) a * PREFILL_CAP, 1, 22);
            bias = random(arena, (long) CODE_H * PREFILL_CAP, 1, 23);
            out = Buffers.floats(arena, (long) PREFILL_ROWS * a);
            for (int r = 0; r < PREFILL_ROWS; r++) pos[r] = PREFILL_CAP - PREFILL_ROWS + r;
        }

        @TearDown(Level.Trial) public void tearDown() { k.close(); arena.close(); }
    }

    @Benchmark public void attentionCachedPrefill(Prefill s) {
        s.k.attentionCached(s.out, 0, CODE_H * CODE_D, s.q, 0, CODE_H * CODE_D, s.kt, 0, s.v, 0, PREFILL_CAP, s.bias, 0, PREFILL_CAP,
                s.slot, s.pos, PREFILL_ROWS, CODE_H, CODE_D, 1f);
    }
}
