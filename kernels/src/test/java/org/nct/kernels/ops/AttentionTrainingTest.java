package org.nct.kernels.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.nct.kernels.ops.Bufs.F;
import static org.nct.kernels.ops.Bufs.get;
import static org.nct.kernels.ops.Bufs.of;
import static org.nct.kernels.ops.Bufs.poisoned;
import static org.nct.kernels.ops.Bufs.relErr;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nct.kernels.Kernels;
import org.nct.kernels.NctMath;
import org.nct.kernels.NumericsProfile;
import org.nct.kernels.RelativePosition;
import org.nct.kernels.ScalarKernels;

/**
 * The training profile's attention ({@link Kernels#attentionForwardTraining},
 * {@link Kernels#attentionBackwardTraining}): against a float64 forward and analytic backward
 * (itself checked by finite differences), bit for bit against the documented order of operations
 * written out naively here, and bit for bit across backends, vector widths, thread counts (1, 2, 3)
 * and batch compositions.
 */
class AttentionTrainingTest {

    static final int NB = 32, MD = 128;
    /** fp32 kernels vs float64: the same bound as every other kernel (OpsReferenceTest). */
    static final double TOL = 1e-6;

    private final Arena arena = Arena.ofAuto();

    /** Shapes (B, T, H, D): T = 1, T not a multiple of 4 or of the query tile, T = 300 (every bucket), D with and without whole vector blocks. */
    static final int[][] SHAPES = {
        {2, 1, 2, 64}, {1, 2, 1, 16}, {3, 37, 2, 48}, {2, 64, 2, 64}, {1, 300, 1, 64}, {2, 33, 3, 20}, {1, 70, 2, 32},
    };

    // ------------------------------------------------------------------ float64 reference

    /** Probabilities (B,H,T,T) of the float64 forward. */
    static double[] probsRef(double[] qkv, double[] rb, int b, int t, int h, int d, double scale) {
        int hd = h * d, stride = 3 * hd;
        double[] p = new double[b * h * t * t];
        for (int seq = 0; seq < b; seq++) {
            for (int head = 0; head < h; head++) {
                for (int tq = 0; tq < t; tq++) {
                    double max = Double.NEGATIVE_INFINITY;
                    double[] x = new double[tq + 1];
                    for (int s = 0; s <= tq; s++) {
                        double dot = 0;
                        for (int i = 0; i < d; i++) {
                            dot += qkv[(seq * t + tq) * stride + head * d + i] * qkv[(seq * t + s) * stride + hd + head * d + i];
                        }
                        x[s] = dot * scale + rb[head * NB + RelativePosition.bucket(tq - s, NB, MD)];
                        max = Math.max(max, x[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= tq; s++) sum += Math.exp(x[s] - max);
                    for (int s = 0; s <= tq; s++) p[((seq * h + head) * t + tq) * t + s] = Math.exp(x[s] - max) / sum;
                }
            }
        }
        return p;
    }

    /** out (B,T,H·D) of the float64 forward from its probabilities. */
    static double[] outRef(double[] qkv, double[] p, int b, int t, int h, int d) {
        int hd = h * d, stride = 3 * hd;
        double[] out = new double[b * t * hd];
        for (int seq = 0; seq < b; seq++) {
            for (int head = 0; head < h; head++) {
                for (int tq = 0; tq < t; tq++) {
                    for (int s = 0; s <= tq; s++) {
                        double w = p[((seq * h + head) * t + tq) * t + s];
                        for (int i = 0; i < d; i++) out[(seq * t + tq) * hd + head * d + i] += w * qkv[(seq * t + s) * stride + 2 * hd + head * d + i];
                    }
                }
            }
        }
        return out;
    }

    /** The analytic float64 backward: {dqkv (B,T,3·H·D), dRelBias (H,NB)}, each added to the given starting values. */
    static double[][] backwardRef(double[] qkv, double[] rb, double[] dout, double[] dqkv0, double[] drb0, int b, int t, int h, int d, double scale) {
        int hd = h * d, stride = 3 * hd;
        double[] p = probsRef(qkv, rb, b, t, h, d, scale);
        double[] dqkv = dqkv0.clone(), drb = drb0.clone();
        double[] ds = new double[t * t];
        for (int seq = 0; seq < b; seq++) {
            for (int head = 0; head < h; head++) {
                int base = (seq * h + head) * t * t;
                for (int tq = 0; tq < t; tq++) {
                    double r = 0;
                    double[] dp = new double[tq + 1];
                    for (int s = 0; s <= tq; s++) {
                        for (int i = 0; i < d; i++) dp[s] += dout[(seq * t + tq) * hd + head * d + i] * qkv[(seq * t + s) * stride + 2 * hd + head * d + i];
                        r += p[base + tq * t + s] * dp[s];
                    }
                    for (int s = 0; s <= tq; s++) {
                        double g = p[base + tq * t + s] * (dp[s] - r);
                        drb[head * NB + RelativePosition.bucket(tq - s, NB, MD)] += g;
                        ds[tq * t + s] = g * scale;
                    }
                }
                for (int tq = 0; tq < t; tq++) {
                    for (int s = 0; s <= tq; s++) {
                        double g = ds[tq * t + s], w = p[base + tq * t + s];
                        int q = (seq * t + tq) * stride + head * d, k = (seq * t + s) * stride + hd + head * d;
                        for (int i = 0; i < d; i++) {
                            dqkv[q + i] += g * qkv[k + i];                  // dq_t += dS·k_s
                            dqkv[k + i] += g * qkv[q + i];                  // dk_s += dS·q_t
                            dqkv[k + hd + i] += w * dout[(seq * t + tq) * hd + head * d + i];   // dv_s += p·dout_t
                        }
                    }
                }
            }
        }
        return new double[][] {dqkv, drb};
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Test
    void theAnalyticReferenceIsTheGradientOfTheReferenceForward() {
        SplittableRandom rng = new SplittableRandom(1);
        int b = 2, t = 9, h = 2, d = 5;
        double scale = 0.8;
        double[] qkv = Bufs.toDouble(Bufs.normal(rng, b * t * 3 * h * d, 0.7)), rb = Bufs.toDouble(Bufs.normal(rng, h * NB, 0.5));
        double[] dout = Bufs.toDouble(Bufs.normal(rng, b * t * h * d, 1));
        double[][] g = backwardRef(qkv, rb, dout, new double[qkv.length], new double[rb.length], b, t, h, d, scale);
        double[] fq = fd(qkv, x -> dot(dout, outRef(x, probsRef(x, rb, b, t, h, d, scale), b, t, h, d)));
        double[] fr = fd(rb, x -> dot(dout, outRef(qkv, probsRef(qkv, x, b, t, h, d, scale), b, t, h, d)));
        assertTrue(relErr(toFloat(g[0]), fq) < 1e-6, "dqkv vs finite differences: " + relErr(toFloat(g[0]), fq));
        assertTrue(relErr(toFloat(g[1]), fr) < 1e-6, "dRelBias vs finite differences: " + relErr(toFloat(g[1]), fr));
    }

    private static double[] fd(double[] x, java.util.function.ToDoubleFunction<double[]> f) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double xi = x[i], step = 1e-5 * Math.max(1, Math.abs(xi));
            x[i] = xi + step;
            double up = f.applyAsDouble(x);
            x[i] = xi - step;
            double down = f.applyAsDouble(x);
            x[i] = xi;
            g[i] = (up - down) / (2 * step);
        }
        return g;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    private static void within(String what, float[] got, double[] ref) {
        double e = relErr(got, ref);
        if (Boolean.getBoolean("nct.test.verbose")) System.out.printf("%-60s rel.err %.2e%n", what, e);
        assertTrue(e <= TOL, what + ": relative error " + e + " > " + TOL);
    }

    /**
     * One case's inputs: qkv, relBias, dout and the starting dqkv/dRelBias, both non-zero: the
     * backward must overwrite dqkv (the references start it from zeros) and add to dRelBias.
     */
    record Case(int b, int t, int h, int d, float scale, float[] qkv, float[] rb, float[] dout, float[] dqkv0, float[] drb0) {
        static Case random(int[] shape, float scale, long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            int b = shape[0], t = shape[1], h = shape[2], d = shape[3], n = b * t * 3 * h * d;
            return new Case(b, t, h, d, scale, Bufs.normal(rng, n, 0.5), Bufs.normal(rng, h * NB, 0.5),
                    Bufs.normal(rng, b * t * h * d, 1), Bufs.normal(rng, n, 0.01), Bufs.normal(rng, h * NB, 0.01));
        }
    }

    /** Runs forward and backward; returns {out, att, dqkv, dRelBias}. */
    private float[][] run(Kernels k, Case c) {
        int hd = c.h * c.d;
        MemorySegment out = poisoned(arena, (long) c.b * c.t * hd), att = poisoned(arena, (long) c.b * c.h * c.t * c.t);
        MemorySegment qkv = of(arena, c.qkv), rb = of(arena, c.rb);
        k.attentionForwardTraining(out, 0, att, 0, qkv, 0, rb, 0, c.b, c.t, c.h, c.d, NB, MD, c.scale);
        MemorySegment dqkv = of(arena, c.dqkv0), drb = of(arena, c.drb0);
        k.attentionBackwardTraining(dqkv, 0, drb, 0, of(arena, c.dout), 0, qkv, 0, att, 0, c.b, c.t, c.h, c.d, NB, MD, c.scale);
        return new float[][] {get(out), get(att), get(dqkv), get(drb)};
    }

    @Test
    void forwardAndEveryGradientAgreeWithFloat64OnEveryBackend() {
        for (Backend backend : Backend.values()) {
            try (Kernels k = backend.open(2)) {
                for (int[] shape : SHAPES) {
                    for (float scale : new float[] {1f, 0.37f}) {
                        Case c = Case.random(shape, scale, 31L * shape[1] + shape[3]);
                        float[][] got = run(k, c);
                        double[] qd = Bufs.toDouble(c.qkv), rd = Bufs.toDouble(c.rb);
                        double[] p = probsRef(qd, rd, c.b, c.t, c.h, c.d, scale);
                        double[][] g = backwardRef(qd, rd, Bufs.toDouble(c.dout), new double[c.dqkv0.length], Bufs.toDouble(c.drb0), c.b, c.t, c.h, c.d, scale);   // dqkv overwritten
                        String who = k.name() + " B" + c.b + " T" + c.t + " H" + c.h + " D" + c.d + " scale " + scale;
                        within(who + " out", got[0], outRef(qd, p, c.b, c.t, c.h, c.d));
                        within(who + " att", got[1], p);
                        within(who + " dqkv", got[2], g[0]);
                        within(who + " dRelBias", got[3], g[1]);
                    }
                }
            }
        }
    }

    @Test
    void everyBackendWidthAndThreadCountGivesTheScalarBits() {
        List<Case> cases = new ArrayList<>();
        for (int[] shape : SHAPES) cases.add(Case.random(shape, 1f, 7L * shape[1] + shape[2]));
        cases.add(Case.random(new int[] {2, 45, 2, 64}, 0.6f, 99));
        List<float[][]> ref = new ArrayList<>();
        try (Kernels k = new ScalarKernels(1)) {
            for (Case c : cases) ref.add(run(k, c));
        }
        String[] names = {"out", "att", "dqkv", "dRelBias"};
        for (Backend backend : Backend.values()) {
            for (int threads : new int[] {1, 2, 3}) {
                try (Kernels k = backend.open(threads)) {
                    // twice in a row, largest T first: scratch reused with stale contents from other shapes
                    for (int pass = 0; pass < 2; pass++) {
                        for (int i = cases.size() - 1; i >= 0; i--) {
                            Case c = cases.get(i);
                            float[][] got = run(k, c);
                            for (int o = 0; o < names.length; o++) {
                                int at = Bufs.firstBitDiff(ref.get(i)[o], got[o]);
                                if (at >= 0) {
                                    fail(k.name() + "/" + threads + " threads, B" + c.b + " T" + c.t + " H" + c.h + " D" + c.d + " pass " + pass
                                            + ": " + names[o] + "[" + at + "] " + got[o][at] + " vs scalar/1 thread " + ref.get(i)[o][at]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void aSequencesResultDoesNotDependOnTheRestOfTheBatch() {
        Case three = Case.random(new int[] {3, 41, 2, 64}, 1f, 5);
        int hd = three.h * three.d, n1 = three.t * 3 * hd;
        Case one = new Case(1, three.t, three.h, three.d, 1f, java.util.Arrays.copyOf(three.qkv, n1), three.rb,
                java.util.Arrays.copyOf(three.dout, three.t * hd), java.util.Arrays.copyOf(three.dqkv0, n1), new float[three.h * NB]);
        Case threeZeroBias = new Case(3, three.t, three.h, three.d, 1f, three.qkv, three.rb, three.dout, three.dqkv0, new float[three.h * NB]);
        for (Backend backend : Backend.values()) {
            try (Kernels k = backend.open(2)) {
                float[][] a = run(k, one), all = run(k, threeZeroBias);
                assertEquals(-1, Bufs.firstBitDiff(a[0], java.util.Arrays.copyOf(all[0], a[0].length)), k.name() + ": out of sequence 0");
                assertEquals(-1, Bufs.firstBitDiff(a[1], java.util.Arrays.copyOf(all[1], a[1].length)), k.name() + ": att of sequence 0");
                assertEquals(-1, Bufs.firstBitDiff(a[2], java.util.Arrays.copyOf(all[2], a[2].length)), k.name() + ": dqkv of sequence 0");
            }
        }
    }

    // ------------------------------------------------------------------ the documented order, written out

    /** Kernels.attentionForwardTraining's javadoc, step by step in scalar float: {out, att}. */
    static float[][] forwardAsDocumented(Case c) {
        int b = c.b, t = c.t, h = c.h, d = c.d, hd = h * d, stride = 3 * hd;
        float[] out = new float[b * t * hd], att = new float[b * h * t * t];
        float[] p16 = new float[16];
        MemorySegment e = Arena.ofAuto().allocate((long) t * 4, 64);
        for (int seq = 0; seq < b; seq++) {
            for (int head = 0; head < h; head++) {
                for (int tq = 0; tq < t; tq++) {
                    float[] x = new float[tq + 1];
                    float m = Float.NEGATIVE_INFINITY;
                    for (int s = 0; s <= tq; s++) {
                        float acc = 0f;
                        for (int i = 0; i < d; i++) acc = Math.fma(c.qkv[(seq * t + tq) * stride + head * d + i], c.qkv[(seq * t + s) * stride + hd + head * d + i], acc);
                        x[s] = acc * c.scale + c.rb[head * NB + RelativePosition.bucket(tq - s, NB, MD)];
                        m = Math.max(m, x[s]);
                    }
                    for (int s = 0; s <= tq; s++) e.setAtIndex(F, s, NctMath.exp(x[s] - m));
                    float inv = 1f / NumericsProfile.sum16(e, 0, tq + 1, p16);
                    int row = ((seq * h + head) * t + tq) * t;
                    for (int s = 0; s <= tq; s++) att[row + s] = e.getAtIndex(F, s) * inv;
                    for (int i = 0; i < d; i++) {
                        float acc = 0f;
                        for (int s = 0; s <= tq; s++) acc = Math.fma(att[row + s], c.qkv[(seq * t + s) * stride + 2 * hd + head * d + i], acc);
                        out[(seq * t + tq) * hd + head * d + i] = acc;
                    }
                }
            }
        }
        return new float[][] {out, att};
    }

    /** Kernels.attentionBackwardTraining's javadoc, step by step in scalar float: {dqkv, dRelBias}. */
    static float[][] backwardAsDocumented(Case c, float[] att) {
        int b = c.b, t = c.t, h = c.h, d = c.d, hd = h * d, stride = 3 * hd;
        float[] dqkv = new float[c.dqkv0.length], drb = c.drb0.clone(), partials = new float[b * h * NB];   // dqkv: overwritten
        float[] p16 = new float[16];
        MemorySegment pa = Arena.ofAuto().allocate((long) t * 4, 64), pb = Arena.ofAuto().allocate((long) t * 4, 64);
        for (int seq = 0; seq < b; seq++) {
            for (int head = 0; head < h; head++) {
                int base = (seq * h + head) * t * t;
                float[] ds = new float[t * t], g = new float[t];
                for (int tq = 0; tq < t; tq++) {
                    for (int s = 0; s <= tq; s++) {
                        float acc = 0f;
                        for (int i = 0; i < d; i++) acc = Math.fma(c.dout[(seq * t + tq) * hd + head * d + i], c.qkv[(seq * t + s) * stride + 2 * hd + head * d + i], acc);
                        ds[tq * t + s] = acc;
                        pa.setAtIndex(F, s, att[base + tq * t + s]);
                        pb.setAtIndex(F, s, acc);
                    }
                    float r = NumericsProfile.dot16(pa, 0, pb, 0, tq + 1, p16);
                    for (int s = 0; s <= tq; s++) ds[tq * t + s] = att[base + tq * t + s] * (ds[tq * t + s] - r);
                }
                for (int dist = 0; dist < t; dist++) {
                    for (int tq = dist; tq < t; tq++) g[dist] = g[dist] + ds[tq * t + tq - dist];
                }
                int part = (seq * h + head) * NB;
                for (int dist = 0; dist < t; dist++) {
                    int j = part + RelativePosition.bucket(dist, NB, MD);
                    partials[j] = partials[j] + g[dist];
                }
                for (int i = 0; i < t * t; i++) ds[i] = ds[i] * c.scale;
                for (int i = 0; i < d; i++) {
                    for (int tq = 0; tq < t; tq++) {
                        int q = (seq * t + tq) * stride + head * d + i;
                        float acc = dqkv[q];
                        for (int s = 0; s <= tq; s++) acc = Math.fma(ds[tq * t + s], c.qkv[(seq * t + s) * stride + hd + head * d + i], acc);
                        dqkv[q] = acc;
                    }
                    for (int s = 0; s < t; s++) {
                        int k = (seq * t + s) * stride + hd + head * d + i, v = k + hd;
                        float ak = dqkv[k], av = dqkv[v];
                        for (int tq = s; tq < t; tq++) {
                            ak = Math.fma(ds[tq * t + s], c.qkv[(seq * t + tq) * stride + head * d + i], ak);
                            av = Math.fma(att[base + tq * t + s], c.dout[(seq * t + tq) * hd + head * d + i], av);
                        }
                        dqkv[k] = ak;
                        dqkv[v] = av;
                    }
                }
            }
        }
        for (int head = 0; head < h; head++) {
            for (int j = 0; j < NB; j++) {
                float acc = drb[head * NB + j];
                for (int seq = 0; seq < b; seq++) acc += partials[(seq * h + head) * NB + j];
                drb[head * NB + j] = acc;
            }
        }
        return new float[][] {dqkv, drb};
    }

    @Test
    void theKernelsFollowTheDocumentedOrderBitForBit() {
        for (int[] shape : new int[][] {{2, 37, 2, 48}, {1, 1, 1, 64}, {1, 150, 1, 64}}) {
            Case c = Case.random(shape, 0.9f, shape[1]);
            float[][] fw = forwardAsDocumented(c), bw = backwardAsDocumented(c, fw[1]);
            for (Backend backend : Backend.values()) {
                try (Kernels k = backend.open(2)) {
                    float[][] got = run(k, c);
                    String who = k.name() + " T" + c.t + ": ";
                    assertEquals(-1, Bufs.firstBitDiff(fw[0], got[0]), who + "out");
                    assertEquals(-1, Bufs.firstBitDiff(fw[1], got[1]), who + "att");
                    assertEquals(-1, Bufs.firstBitDiff(bw[0], got[2]), who + "dqkv");
                    assertEquals(-1, Bufs.firstBitDiff(bw[1], got[3]), who + "dRelBias");
                }
            }
        }
    }

    @Test
    void theTrainingScoresAreTheGemmChainNotTheCodingProfilesDot16() {
        // inputs on which the sequential chain and the 16-partial dot differ: the two profiles are told apart
        Case c = Case.random(new int[] {1, 40, 1, 64}, 1f, 3);
        try (Kernels k = new ScalarKernels(1)) {
            MemorySegment out = poisoned(arena, 40 * 64), att = poisoned(arena, 40 * 40), qkv = of(arena, c.qkv), rb = of(arena, c.rb);
            k.attentionForward(out, 0, att, 0, qkv, 0, rb, 0, 1, 40, 1, 64, NB, MD, 1f);
            float[] coding = get(att);
            k.attentionForwardTraining(out, 0, att, 0, qkv, 0, rb, 0, 1, 40, 1, 64, NB, MD, 1f);
            assertTrue(Bufs.firstBitDiff(coding, get(att)) >= 0, "the training and coding profiles must differ on these inputs");
            assertEquals(-1, Bufs.firstBitDiff(forwardAsDocumented(c)[1], get(att)));
        }
    }
}
