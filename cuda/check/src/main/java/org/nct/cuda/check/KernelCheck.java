package org.nct.cuda.check;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nct.kernels.Kernels;

/**
 * Every kernel of the contract on the GPU against the CPU scalar reference, on fresh random inputs
 * with outputs poisoned (NaN with a marker payload) before the call, through the host-segment path
 * (copy in, launch, copy out), and the steps of incremental decoding (KV cache copies, cached
 * attention, CDF rows) also on buffers of each backend ({@link Kernels#allocateFloats}, the path of
 * the product classes). The deterministic profile must give the same bits
 * ({@code Float.floatToRawIntBits}) for every output element; the fast profile's matrix products
 * must be within a relative error ‖gpu − ref‖/‖ref‖ of 1e-2 (TF32 operands) and other kernels
 * bitwise.
 */
public final class KernelCheck {

    /** Outcome of one kernel check. */
    public record Result(String kernel, boolean passed, long elements, long mismatches, double relError, String detail) {
        @Override
        public String toString() {
            return String.format("%-34s %s  elements %8d  mismatches %6d  rel.err %.2e%s", kernel,
                    passed ? "PASS" : "FAIL", elements, mismatches, relError, detail.isEmpty() ? "" : "  " + detail);
        }
    }

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final int POISON = 0x7fc0dead;

    /** A kernel call on a set of buffers. */
    interface Op {
        void run(Kernels k, MemorySegment[] s);
    }

    /** Buffers of one case: identical copies for the reference and the GPU. */
    private static final class Case {
        final List<MemorySegment> ref = new ArrayList<>(), gpu = new ArrayList<>();
        final List<Integer> compared = new ArrayList<>();
        final Arena arena;
        final SplittableRandom rng;

        Case(Arena arena, long seed) {
            this.arena = arena;
            this.rng = new SplittableRandom(seed);
        }

        private int add(MemorySegment a, boolean compare) {
            MemorySegment b = arena.allocate(a.byteSize(), 64);
            b.copyFrom(a);
            ref.add(a);
            gpu.add(b);
            if (compare) compared.add(ref.size() - 1);
            return ref.size() - 1;
        }

        /** Random floats in [lo, hi); compared after the call when compare (in-out buffers). */
        int floats(long n, double lo, double hi, boolean compare) {
            MemorySegment a = arena.allocate(n * 4, 64);
            for (long i = 0; i < n; i++) a.setAtIndex(F, i, (float) (lo + (hi - lo) * rng.nextDouble()));
            return add(a, compare);
        }

        /** An output buffer, poisoned, compared. */
        int out(long n) {
            MemorySegment a = arena.allocate(n * 4, 64);
            for (long i = 0; i < n; i++) a.setAtIndex(I, i, POISON);
            return add(a, true);
        }

        /** Random int32 in [lo, hi). */
        int ints(long n, int lo, int hi) {
            MemorySegment a = arena.allocate(n * 4, 64);
            for (long i = 0; i < n; i++) a.setAtIndex(I, i, rng.nextInt(lo, hi));
            return add(a, false);
        }

        MemorySegment[] refs() {
            return ref.toArray(new MemorySegment[0]);
        }

        MemorySegment[] gpus() {
            return gpu.toArray(new MemorySegment[0]);
        }
    }

    private final Kernels reference, gpu;
    private final boolean gemmBitwise;
    private final List<Result> results = new ArrayList<>();
    private long seed;

    /**
     * @param gemmBitwise true for the deterministic profile; false for the fast profile (GEMM checked
     *                    by relative error only)
     */
    public KernelCheck(Kernels reference, Kernels gpu, boolean gemmBitwise, long seed) {
        this.reference = reference;
        this.gpu = gpu;
        this.gemmBitwise = gemmBitwise;
        this.seed = seed;
    }

    public List<Result> results() {
        return results;
    }

    private void check(String name, boolean bitwise, Case c, Op op) {
        MemorySegment[] r = c.refs(), g = c.gpus();
        String detail = "";
        try {
            op.run(reference, r);
            op.run(gpu, g);
        } catch (RuntimeException e) {
            results.add(new Result(name, false, 0, 0, Double.NaN, "threw " + e));
            return;
        }
        long n = 0, bad = 0;
        double num = 0, den = 0;
        for (int idx : c.compared) {
            MemorySegment a = r[idx], b = g[idx];
            long len = a.byteSize() / 4;
            for (long i = 0; i < len; i++) {
                int ab = a.getAtIndex(I, i), bb = b.getAtIndex(I, i);
                float af = Float.intBitsToFloat(ab), bf = Float.intBitsToFloat(bb);
                n++;
                if (ab != bb) {
                    if (bad == 0) detail = String.format("first at buffer %d [%d]: cpu %s gpu %s", idx, i, af, bf);
                    bad++;
                }
                if (bb == POISON && ab != POISON) num = Double.POSITIVE_INFINITY;
                double d = (double) af - bf;
                if (Float.isFinite(af) && Float.isFinite(bf)) {
                    num += d * d;
                    den += (double) af * af;
                } else if (Float.isNaN(af) != Float.isNaN(bf)) {
                    num = Double.POSITIVE_INFINITY;
                }
            }
        }
        double rel = den == 0 ? (num == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(num / den);
        boolean ok = bitwise ? bad == 0 : rel <= 1e-2;
        results.add(new Result(name + (bitwise ? "" : " (fast, tol 1e-2)"), ok, n, bad, rel, detail));
    }

    private Case newCase(Arena arena) {
        return new Case(arena, seed++);
    }

    /**
     * Runs every check; returns the results (also kept in {@link #results()}). With large, the
     * GEMMs also run on products big enough for the GPU's large-tile kernel (a few seconds of CPU
     * reference work).
     */
    public List<Result> runAll(boolean large) {
        try (Arena arena = Arena.ofShared()) {
            gemm(arena, 37, 53, 141);
            gemm(arena, 130, 64, 256);
            gemm(arena, 1, 256, 300);
            if (large) {
                gemm(arena, 2100, 40, 2050);
                gemm(arena, 2100, 2060, 24);
            }
            rmsnorm(arena, 19, 200);
            rmsnorm(arena, 5, 512);
            attention(arena, 2, 37, 3, 24);
            attention(arena, 1, 150, 2, 64);
            attentionTraining(arena, 2, 37, 3, 24);
            attentionTraining(arena, 2, 150, 2, 64);
            attentionRow(arena, 40, 3, 24);
            attentionRow(arena, 149, 2, 64);
            elementwise(arena, 1000);
            elementwise(arena, 70001);
            embedding(arena, 50, 33, 20);
            embedding(arena, 300, 64, 1000);
            crossEntropy(arena, 21, 300);
            crossEntropy(arena, 9, 256);
            optimizers(arena);
            sumSquares(arena, 12345);
            sumSquares(arena, 17);
            kvCache(arena, 5, 2, 24, 48);
            attentionCached(arena, 3, 3, 2, 24, 48);      // few slots, D = 24 (a dot16 tail of 8)
            attentionCached(arena, 40, 40, 2, 16, 32);    // many slots, D = 16
            attentionCachedPrefill(arena, 20, 3, 32, 64);
            cdfRows(arena, 9);
        }
        return results;
    }

    private void gemm(Arena arena, int m, int k, int n) {
        String shape = " " + m + "x" + k + "x" + n;
        Case c = newCase(arena);
        int y = c.out((long) m * n), x = c.floats((long) m * k, -1, 1, false), w = c.floats((long) n * k, -1, 1, false);
        int b = c.floats(n, -1, 1, false);
        check("matmul+bias" + shape, gemmBitwise, c, (kk, s) -> kk.matmul(s[y], 0, s[x], 0, s[w], 0, s[b], 0, m, k, n, false));
        c = newCase(arena);
        int y2 = c.floats((long) m * n, -1, 1, true), x2 = c.floats((long) m * k, -1, 1, false), w2 = c.floats((long) n * k, -1, 1, false);
        check("matmul accumulate" + shape, gemmBitwise, c, (kk, s) -> kk.matmul(s[y2], 0, s[x2], 0, s[w2], 0, null, 0, m, k, n, true));
        c = newCase(arena);
        int dx = c.out((long) m * k), dy = c.floats((long) m * n, -1, 1, false), w3 = c.floats((long) n * k, -1, 1, false);
        check("matmulBackwardData" + shape, gemmBitwise, c, (kk, s) -> kk.matmulBackwardData(s[dx], 0, s[dy], 0, s[w3], 0, m, k, n, false));
        c = newCase(arena);
        int dx2 = c.floats((long) m * k, -1, 1, true), dy2 = c.floats((long) m * n, -1, 1, false), w4 = c.floats((long) n * k, -1, 1, false);
        check("matmulBackwardData acc" + shape, gemmBitwise, c, (kk, s) -> kk.matmulBackwardData(s[dx2], 0, s[dy2], 0, s[w4], 0, m, k, n, true));
        c = newCase(arena);
        int dw = c.out((long) n * k), dy3 = c.floats((long) m * n, -1, 1, false), x3 = c.floats((long) m * k, -1, 1, false);
        check("matmulBackwardWeight" + shape, gemmBitwise, c, (kk, s) -> kk.matmulBackwardWeight(s[dw], 0, s[dy3], 0, s[x3], 0, m, k, n, false));
        c = newCase(arena);
        int dw2 = c.floats((long) n * k, -1, 1, true), dy4 = c.floats((long) m * n, -1, 1, false), x4 = c.floats((long) m * k, -1, 1, false);
        check("matmulBackwardWeight acc" + shape, gemmBitwise, c, (kk, s) -> kk.matmulBackwardWeight(s[dw2], 0, s[dy4], 0, s[x4], 0, m, k, n, true));
    }

    private void rmsnorm(Arena arena, int rows, int cdim) {
        String shape = " " + rows + "x" + cdim;
        Case c = newCase(arena);
        int out = c.out((long) rows * cdim), rstd = c.out(rows), x = c.floats((long) rows * cdim, -2, 2, false), g = c.floats(cdim, 0.5, 1.5, false);
        check("rmsnormForward" + shape, true, c, (k, s) -> k.rmsnormForward(s[out], 0, s[rstd], 0, s[x], 0, s[g], 0, rows, cdim, 1e-6f));
        c = newCase(arena);
        int dx = c.floats((long) rows * cdim, -1, 1, true), dg = c.floats(cdim, -1, 1, true), dout = c.floats((long) rows * cdim, -1, 1, false);
        int x2 = c.floats((long) rows * cdim, -2, 2, false), g2 = c.floats(cdim, 0.5, 1.5, false), r2 = c.floats(rows, 0.5, 2, false);
        check("rmsnormBackward" + shape, true, c, (k, s) -> k.rmsnormBackward(s[dx], 0, s[dg], 0, s[dout], 0, s[x2], 0, s[g2], 0, s[r2], 0, rows, cdim));
    }

    private void attention(Arena arena, int b, int t, int h, int d) {
        String shape = " b" + b + " t" + t + " h" + h + " d" + d;
        long hd = (long) h * d;
        Case c = newCase(arena);
        int out = c.out(b * t * hd), att = c.out((long) b * h * t * t), qkv = c.floats(b * t * 3 * hd, -1, 1, false);
        int rb = c.floats(h * 32L, -0.5, 0.5, false);
        check("attentionForward" + shape, true, c, (k, s) -> k.attentionForward(s[out], 0, s[att], 0, s[qkv], 0, s[rb], 0, b, t, h, d, 32, 128, 1f));
        // backward from the reference forward's probabilities
        Case f = newCase(arena);
        int fo = f.out(b * t * hd), fa = f.out((long) b * h * t * t), fq = f.floats(b * t * 3 * hd, -1, 1, false), fr = f.floats(h * 32L, -0.5, 0.5, false);
        MemorySegment[] fs = f.refs();
        reference.attentionForward(fs[fo], 0, fs[fa], 0, fs[fq], 0, fs[fr], 0, b, t, h, d, 32, 128, 1f);
        Case c2 = newCase(arena);
        int dqkv = c2.floats(b * t * 3 * hd, -1, 1, true), drb = c2.floats(h * 32L, -1, 1, true), dout = c2.floats(b * t * hd, -1, 1, false);
        int q2 = c2.add(copyOf(arena, fs[fq]), false), a2 = c2.add(copyOf(arena, fs[fa]), false);
        check("attentionBackward" + shape, true, c2, (k, s) -> k.attentionBackward(s[dqkv], 0, s[drb], 0, s[dout], 0, s[q2], 0, s[a2], 0,
                b, t, h, d, 32, 128, 1f));
    }

    /**
     * The training profile's attention on host segments (run on the host by CudaKernels) and on
     * backend buffers (the attn_train_* device kernels, the path of a device-resident training step).
     */
    private void attentionTraining(Arena arena, int b, int t, int h, int d) {
        String shape = " b" + b + " t" + t + " h" + h + " d" + d;
        long hd = (long) h * d;
        Case c = newCase(arena);
        int out = c.out(b * t * hd), att = c.out((long) b * h * t * t), qkv = c.floats(b * t * 3 * hd, -1, 1, false);
        int rb = c.floats(h * 32L, -0.5, 0.5, false);
        Op fwd = (k, s) -> k.attentionForwardTraining(s[out], 0, s[att], 0, s[qkv], 0, s[rb], 0, b, t, h, d, 32, 128, 1f);
        check("attentionForwardTraining" + shape, true, c, fwd);
        Case cr = newCase(arena);
        int rOut = cr.out(b * t * hd), rAtt = cr.out((long) b * h * t * t), rQkv = cr.floats(b * t * 3 * hd, -1, 1, false);
        int rRb = cr.floats(h * 32L, -0.5, 0.5, false);
        check("attentionForwardTraining (backend buffers)" + shape, true, cr, resident(new int[] {rOut, rAtt, rQkv, rRb},
                (k, s) -> k.attentionForwardTraining(s[rOut], 0, s[rAtt], 0, s[rQkv], 0, s[rRb], 0, b, t, h, d, 32, 128, 0.125f)));
        Case f = newCase(arena);
        int fo = f.out(b * t * hd), fa = f.out((long) b * h * t * t), fq = f.floats(b * t * 3 * hd, -1, 1, false), fr = f.floats(h * 32L, -0.5, 0.5, false);
        MemorySegment[] fs = f.refs();
        reference.attentionForwardTraining(fs[fo], 0, fs[fa], 0, fs[fq], 0, fs[fr], 0, b, t, h, d, 32, 128, 1f);
        Case c2 = newCase(arena);
        int dqkv = c2.floats(b * t * 3 * hd, -1, 1, true), drb = c2.floats(h * 32L, -1, 1, true), dout = c2.floats(b * t * hd, -1, 1, false);
        int q2 = c2.add(copyOf(arena, fs[fq]), false), a2 = c2.add(copyOf(arena, fs[fa]), false);
        Op bwd = (k, s) -> k.attentionBackwardTraining(s[dqkv], 0, s[drb], 0, s[dout], 0, s[q2], 0, s[a2], 0, b, t, h, d, 32, 128, 1f);
        check("attentionBackwardTraining" + shape, true, c2, bwd);
        Case c3 = newCase(arena);
        int dqkv3 = c3.floats(b * t * 3 * hd, -1, 1, true), drb3 = c3.floats(h * 32L, -1, 1, true), dout3 = c3.floats(b * t * hd, -1, 1, false);
        int q3 = c3.add(copyOf(arena, fs[fq]), false), a3 = c3.add(copyOf(arena, fs[fa]), false);
        check("attentionBackwardTraining (backend buffers)" + shape, true, c3, resident(new int[] {dqkv3, drb3, dout3, q3, a3},
                (k, s) -> k.attentionBackwardTraining(s[dqkv3], 0, s[drb3], 0, s[dout3], 0, s[q3], 0, s[a3], 0, b, t, h, d, 32, 128, 0.125f)));
    }

    private static MemorySegment copyOf(Arena arena, MemorySegment s) {
        MemorySegment c = arena.allocate(s.byteSize(), 64);
        c.copyFrom(s);
        return c;
    }

    private void attentionRow(Arena arena, int pos, int h, int d) {
        String shape = " pos" + pos + " h" + h + " d" + d;
        long hd = (long) h * d, stride = 3 * hd + 5;
        Case c = newCase(arena);
        int out = c.out(hd), q = c.floats(hd, -1, 1, false), kc = c.floats((pos + 1) * stride, -1, 1, false);
        int vc = c.floats((pos + 1) * stride, -1, 1, false), rb = c.floats(h * 32L, -0.5, 0.5, false), sc = c.floats(pos + 1, 0, 1, false);
        check("attentionRow" + shape, true, c, (k, s) -> k.attentionRow(s[out], 0, s[q], 0, s[kc], 0, s[vc], 0, stride, s[rb], 0,
                s[sc], 0, pos, h, d, 32, 128, 1f));
    }

    private void elementwise(Arena arena, long n) {
        Case c = newCase(arena);
        int out = c.out(n), g = c.floats(n, -1, 1, false), u = c.floats(n, -1, 1, false);
        check("reluGateForward n" + n, true, c, (k, s) -> k.reluGateForward(s[out], 0, s[g], 0, s[u], 0, n));
        c = newCase(arena);
        int dg = c.floats(n, -1, 1, true), du = c.floats(n, -1, 1, true), dout = c.floats(n, -1, 1, false);
        int g2 = c.floats(n, -1, 1, false), u2 = c.floats(n, -1, 1, false);
        check("reluGateBackward n" + n, true, c, (k, s) -> k.reluGateBackward(s[dg], 0, s[du], 0, s[dout], 0, s[g2], 0, s[u2], 0, n));
        c = newCase(arena);
        int o3 = c.out(n), a3 = c.floats(n, -1, 1, false), b3 = c.floats(n, -1, 1, false);
        check("add n" + n, true, c, (k, s) -> k.add(s[o3], 0, s[a3], 0, s[b3], 0, n));
        c = newCase(arena);
        int x4 = c.floats(n, -1, 1, true);
        check("scale n" + n, true, c, (k, s) -> k.scale(s[x4], 0, n, 0.3f));
        c = newCase(arena);
        int x5 = c.out(n + 7);
        check("zero n" + n, true, c, (k, s) -> k.zero(s[x5], 3, n));
    }

    private void embedding(Arena arena, int rows, int cdim, int vocab) {
        String shape = " r" + rows + " c" + cdim + " v" + vocab;
        Case c = newCase(arena);
        int out = c.out((long) rows * cdim), table = c.floats((long) vocab * cdim, -1, 1, false), tok = c.ints(rows, 0, vocab);
        check("embeddingForward" + shape, true, c, (k, s) -> k.embeddingForward(s[out], 0, s[table], 0, s[tok], 0, rows, cdim));
        c = newCase(arena);
        int dt = c.floats((long) vocab * cdim, -1, 1, true), dout = c.floats((long) rows * cdim, -1, 1, false), tok2 = c.ints(rows, 0, vocab);
        check("embeddingBackward" + shape, true, c, (k, s) -> k.embeddingBackward(s[dt], 0, s[dout], 0, s[tok2], 0, rows, cdim, vocab));
    }

    private void crossEntropy(Arena arena, int rows, int vocab) {
        String shape = " r" + rows + " v" + vocab;
        Case c = newCase(arena);
        int loss = c.out(rows), lse = c.out(rows), logits = c.floats((long) rows * vocab, -8, 8, false), tgt = c.ints(rows, -1, vocab);
        check("crossEntropyForward" + shape, true, c, (k, s) -> k.crossEntropyForward(s[loss], 0, s[lse], 0, s[logits], 0, s[tgt], 0, rows, vocab, 1e-4f));
        // backward with the reference lse
        c = newCase(arena);
        int dl = c.out((long) rows * vocab), l2 = c.floats((long) rows * vocab, -8, 8, false), t2 = c.ints(rows, -1, vocab), z2 = c.floats(rows, 0, 1, false);
        MemorySegment[] r = c.refs(), g = c.gpus();
        MemorySegment tmp = arena.allocate(rows * 4L, 64);
        reference.crossEntropyForward(tmp, 0, r[z2], 0, r[l2], 0, r[t2], 0, rows, vocab, 1e-4f);
        g[z2].copyFrom(r[z2]);
        check("crossEntropyBackward" + shape, true, c, (k, s) -> k.crossEntropyBackward(s[dl], 0, s[l2], 0, s[z2], 0, s[t2], 0, rows, vocab, 1e-4f, 0.05f));
        c = newCase(arena);
        int l3 = c.floats((long) rows * vocab, -8, 8, true), t3 = c.ints(rows, -1, vocab), z3 = c.floats(rows, 0, 1, false);
        r = c.refs();
        g = c.gpus();
        reference.crossEntropyForward(tmp, 0, r[z3], 0, r[l3], 0, r[t3], 0, rows, vocab, 1e-4f);
        g[z3].copyFrom(r[z3]);
        check("crossEntropyBackward in place" + shape, true, c, (k, s) -> k.crossEntropyBackward(s[l3], 0, s[l3], 0, s[z3], 0, s[t3], 0, rows, vocab, 1e-4f, 0.05f));
    }

    private void optimizers(Arena arena) {
        long n = 5003;
        Case c = newCase(arena);
        int p = c.floats(n, -1, 1, true), g = c.floats(n, -1, 1, false), m = c.floats(n, -0.1, 0.1, true), v = c.floats(n, 0, 0.01, true);
        check("adamw n" + n, true, c, (k, s) -> k.adamw(s[p], 0, s[g], 0, s[m], 0, s[v], 0, n, 1e-3f, 0.9f, 0.999f, 0.19f, 0.00299f, 1e-8f, 0.01f));
        adafactor(arena, 130, 140, true);
        adafactor(arena, 300, 129, true);
        adafactor(arena, 1, 300, false);
        adafactor(arena, 4, 32, false);
    }

    private void adafactor(Arena arena, int rows, int cols, boolean factored) {
        long n = (long) rows * cols;
        Case c = newCase(arena);
        int p = c.floats(n, -1, 1, true), g = c.floats(n, -0.1, 0.1, false);
        int vr = c.floats(rows, 0, 0.01, true), vc = c.floats(cols, 0, 0.01, true), v = c.floats(n, 0, 0.01, true), sc = c.out(n);
        check("adafactor " + rows + "x" + cols + (factored ? " factored" : " full"), true, c,
                (k, s) -> k.adafactor(s[p], 0, s[g], 0, s[vr], 0, s[vc], 0, s[v], 0, s[sc], 0, rows, cols, factored,
                        0.01f, 0.8f, 1e-30f, 1e-3f, 1f));
    }

    /**
     * op on buffers of the backend: the case's segments listed in which are copied into fresh
     * {@link Kernels#allocateFloats} buffers, op runs on those (the others stay host memory), and
     * they are copied back and freed.
     */
    private static Op resident(int[] which, Op op) {
        return (k, s) -> {
            MemorySegment[] b = s.clone();
            for (int i : which) {
                b[i] = k.allocateFloats(s[i].byteSize() / 4);
                k.copy(b[i], 0, s[i], 0, s[i].byteSize() / 4);
            }
            try {
                op.run(k, b);
                for (int i : which) k.copy(s[i], 0, b[i], 0, s[i].byteSize() / 4);
            } finally {
                for (int i : which) k.free(b[i]);
            }
        };
    }

    /** kvStore then kvCopyPosition (two layers), on backend buffers: the cache compared whole. */
    private void kvCache(Arena arena, int slots, int h, int d, int cap) {
        long a = (long) h * d, layer = 2L * slots * a * cap;
        int n = 4;
        int[] slot = {3, 0, 3, 1}, pos = {17, 0, 18, 47};
        Case c = newCase(arena);
        int cache = c.floats(2 * layer, -1, 1, true), qkv = c.floats(n * 3 * a + 7, -1, 1, false);
        check("kvStore+kvCopyPosition (backend buffers) h" + h + " d" + d + " cap" + cap, true, c, resident(new int[] {cache, qkv}, (k, s) -> {
            k.kvStore(s[cache], layer, s[cache], layer + slots * a * cap, cap, s[qkv], 7, 3 * a, slot, pos, n, h, d);
            k.kvCopyPosition(s[cache], 0, s[cache], slots * a * cap, layer, 2, cap, 3, 2, 17, h, d);
            k.kvCopyPosition(s[cache], 0, s[cache], slots * a * cap, layer, 2, cap, 1, 4, 47, h, d);
        }));
    }

    /** attentionCached of n rows of distinct slots at random positions, on host segments and on backend buffers. */
    private void attentionCached(Arena arena, int slots, int n, int h, int d, int cap) {
        long a = (long) h * d, region = (long) slots * a * cap;
        Case c = newCase(arena);
        int[] slot = new int[n], pos = new int[n];
        for (int r = 0; r < n; r++) {
            slot[r] = (r * 7 + 1) % slots;
            pos[r] = c.rng.nextInt(cap);
        }
        int out = c.out(n * (a + 3)), q = c.floats(n * (3 * a), -1, 1, false), kt = c.floats(region, -1, 1, false);
        int v = c.floats(region, -1, 1, false), bias = c.floats(h * (long) cap, -0.5, 0.5, false);
        String shape = " n" + n + " slots" + slots + " h" + h + " d" + d + " cap" + cap;
        Op op = (k, s) -> k.attentionCached(s[out], 0, a + 3, s[q], 0, 3 * a, s[kt], 0, s[v], 0, cap, s[bias], 0, cap, slot, pos, n, h, d, 1f);
        check("attentionCached" + shape, true, c, op);
        Case c2 = newCase(arena);
        int out2 = c2.out(n * (a + 3)), q2 = c2.floats(n * (3 * a), -1, 1, false), kt2 = c2.floats(region, -1, 1, false);
        int v2 = c2.floats(region, -1, 1, false), bias2 = c2.floats(h * (long) cap, -0.5, 0.5, false);
        check("attentionCached (backend buffers)" + shape, true, c2, resident(new int[] {out2, q2, kt2, v2, bias2},
                (k, s) -> k.attentionCached(s[out2], 0, a + 3, s[q2], 0, 3 * a, s[kt2], 0, s[v2], 0, cap, s[bias2], 0, cap, slot, pos, n, h, d, 1f)));
    }

    /** attentionCached of n consecutive positions of one slot (a prefill step), on backend buffers. */
    private void attentionCachedPrefill(Arena arena, int n, int slots, int d, int cap) {
        int h = 2;
        long a = (long) h * d, region = (long) slots * a * cap;
        int[] slot = new int[n], pos = new int[n];
        for (int r = 0; r < n; r++) {
            slot[r] = 1;
            pos[r] = 5 + r;
        }
        Case c = newCase(arena);
        int out = c.out(n * a), q = c.floats(n * 3 * a, -1, 1, false), kt = c.floats(region, -1, 1, false);
        int v = c.floats(region, -1, 1, false), bias = c.floats(h * (long) cap, -0.5, 0.5, false);
        check("attentionCached prefill (backend buffers) n" + n + " d" + d + " cap" + cap, true, c, resident(new int[] {out, q, kt, v, bias},
                (k, s) -> k.attentionCached(s[out], 0, a, s[q], 0, 3 * a, s[kt], 0, s[v], 0, cap, s[bias], 0, cap, slot, pos, n, h, d, 1f)));
        // the same int[] with new contents (as PrefillDriver passes its arrays): the device index buffer must follow
        Case c2 = newCase(arena);
        int out2 = c2.out(2 * n * a), q2 = c2.floats(n * 3 * a, -1, 1, false), kt2 = c2.floats(region, -1, 1, false);
        int v2 = c2.floats(region, -1, 1, false), bias2 = c2.floats(h * (long) cap, -0.5, 0.5, false);
        int[] reused = new int[n];
        check("attentionCached, index arrays reused in place (backend buffers) n" + n + " d" + d + " cap" + cap, true, c2,
                resident(new int[] {out2, q2, kt2, v2, bias2}, (k, s) -> {
                    for (int r = 0; r < n; r++) reused[r] = 5 + r;
                    k.attentionCached(s[out2], 0, a, s[q2], 0, 3 * a, s[kt2], 0, s[v2], 0, cap, s[bias2], 0, cap, slot, reused, n, h, d, 1f);
                    for (int r = 0; r < n; r++) reused[r] = 6 + r;
                    k.attentionCached(s[out2], n * a, a, s[q2], 0, 3 * a, s[kt2], 0, s[v2], 0, cap, s[bias2], 0, cap, slot, reused, n, h, d, 1f);
                }));
    }

    /** cdfRows from logits in a backend buffer into host memory. */
    private void cdfRows(Arena arena, int rows) {
        Case c = newCase(arena);
        int cum = c.out(rows * 257L), logits = c.floats(rows * 256L, -6, 6, false);
        check("cdfRows (backend logits) r" + rows, true, c, resident(new int[] {logits}, (k, s) -> k.cdfRows(s[cum], 0, s[logits], 0, rows, 16)));
    }

    private void sumSquares(Arena arena, long n) {
        Case c = newCase(arena);
        int x = c.floats(n, -1, 1, false), out = c.out(1);
        check("sumSquares n" + n, true, c, (k, s) -> s[out].setAtIndex(F, 0, k.sumSquares(s[x], 0, n)));
    }
}
