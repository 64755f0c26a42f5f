package org.nct.kernels.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nct.kernels.ops.Bufs.F;
import static org.nct.kernels.ops.Bufs.get;
import static org.nct.kernels.ops.Bufs.of;
import static org.nct.kernels.ops.Bufs.poisoned;
import static org.nct.kernels.ops.Bufs.relErr;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nct.kernels.Kernels;
import org.nct.kernels.RelativePosition;

/**
 * Every non-GEMM kernel against a float64 re-implementation, on every backend (2 threads), with
 * outputs poisoned with NaN before each call. Backward kernels are checked against central finite
 * differences of the float64 forward. Tolerance: relative L2 error ‖out − ref‖/‖ref‖ ≤ TOL.
 */
class OpsReferenceTest {

    /** fp32 kernels vs float64: measured ≤ ~1e-7 on these inputs; far under the 1e-5 bound. */
    static final double TOL = 1e-6;

    private final Arena arena = Arena.ofAuto();

    private static void within(String what, float[] got, double[] ref) {
        double e = relErr(got, ref);
        if (Boolean.getBoolean("nct.test.verbose")) System.out.printf("%-45s rel.err %.2e%n", what, e);
        assertTrue(e <= TOL, what + ": relative error " + e + " > " + TOL);
    }

    /** Central finite difference gradient of f at x (double), step relative to |x|. */
    private static double[] fdGrad(double[] x, ToDoubleFunction<double[]> f) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double xi = x[i], h = 1e-5 * Math.max(1, Math.abs(xi));
            x[i] = xi + h;
            double fp = f.applyAsDouble(x);
            x[i] = xi - h;
            double fm = f.applyAsDouble(x);
            x[i] = xi;
            g[i] = (fp - fm) / (2 * h);
        }
        return g;
    }

    /**
     * The step itself (p_new − p_old) against the reference step: a 1e-2 step is resolved to
     * ~1e-5 relative by fp32 p (ulp 6e-8 of |p|), so this bound is 1e-4.
     */
    private static void stepWithin(String what, float[] before, float[] after, double[] refAfter) {
        double e = 0, den = 0;
        for (int i = 0; i < before.length; i++) {
            double got = (double) after[i] - before[i], want = refAfter[i] - before[i];
            e += (got - want) * (got - want);
            den += want * want;
        }
        double rel = Math.sqrt(e / den);
        assertTrue(rel < 1e-4, what + " step: relative error " + rel);
    }

    private static double[] plus(float[] base, double[] d) {
        double[] r = new double[d.length];
        for (int i = 0; i < d.length; i++) r[i] = base[i] + d[i];
        return r;
    }

    // ------------------------------------------------------------------ RMSNorm

    static double[] rmsnormRef(double[] x, double[] g, int rows, int c, double eps) {
        double[] out = new double[rows * c];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < c; i++) ss += x[r * c + i] * x[r * c + i];
            double rs = 1 / Math.sqrt(ss / c + eps);
            for (int i = 0; i < c; i++) out[r * c + i] = x[r * c + i] * rs * g[i];
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void rmsnorm(Backend backend) {
        SplittableRandom rng = new SplittableRandom(1);
        int rows = 5, c = 37;
        float eps = 1e-6f;
        float[] x = Bufs.normal(rng, rows * c, 1.5), g = Bufs.uniform(rng, c, 0.5, 1.5), dout = Bufs.normal(rng, rows * c, 1);
        float[] dx0 = Bufs.normal(rng, rows * c, 0.01), dg0 = Bufs.normal(rng, c, 0.01);
        try (Kernels k = backend.open(2)) {
            MemorySegment out = poisoned(arena, rows * c), rstd = poisoned(arena, rows);
            k.rmsnormForward(out, 0, rstd, 0, of(arena, x), 0, of(arena, g), 0, rows, c, eps);
            within("rmsnorm out", get(out), rmsnormRef(Bufs.toDouble(x), Bufs.toDouble(g), rows, c, eps));
            double[] rstdRef = new double[rows];
            for (int r = 0; r < rows; r++) {
                double ss = 0;
                for (int i = 0; i < c; i++) ss += (double) x[r * c + i] * x[r * c + i];
                rstdRef[r] = 1 / Math.sqrt(ss / c + eps);
            }
            within("rmsnorm rstd", get(rstd), rstdRef);

            MemorySegment dx = of(arena, dx0), dg = of(arena, dg0);
            k.rmsnormBackward(dx, 0, dg, 0, of(arena, dout), 0, of(arena, x), 0, of(arena, g), 0, rstd, 0, rows, c);
            double[] xd = Bufs.toDouble(x), gd = Bufs.toDouble(g), dd = Bufs.toDouble(dout);
            within("rmsnorm dx", get(dx), plus(dx0, fdGrad(xd, xx -> dotD(dd, rmsnormRef(xx, gd, rows, c, eps)))));
            within("rmsnorm dgain", get(dg), plus(dg0, fdGrad(gd, gg -> dotD(dd, rmsnormRef(xd, gg, rows, c, eps)))));
        }
    }

    static double dotD(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    // ------------------------------------------------------------------ attention

    /** float64 causal attention with relative bias; returns out (B,T,H·D). */
    static double[] attentionRef(double[] qkv, double[] rb, int b, int t, int h, int d, int nb, int md, double scale) {
        int hd = h * d, stride = 3 * hd;
        double[] out = new double[b * t * hd];
        double[] sc = new double[t];
        for (int seq = 0; seq < b; seq++) {
            for (int head = 0; head < h; head++) {
                for (int tq = 0; tq < t; tq++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= tq; s++) {
                        double dot = 0;
                        for (int i = 0; i < d; i++) {
                            dot += qkv[(seq * t + tq) * stride + head * d + i] * qkv[(seq * t + s) * stride + hd + head * d + i];
                        }
                        sc[s] = dot * scale + rb[head * nb + RelativePosition.bucket(tq - s, nb, md)];
                        max = Math.max(max, sc[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= tq; s++) {
                        sc[s] = Math.exp(sc[s] - max);
                        sum += sc[s];
                    }
                    for (int s = 0; s <= tq; s++) {
                        double p = sc[s] / sum;
                        for (int i = 0; i < d; i++) {
                            out[(seq * t + tq) * hd + head * d + i] += p * qkv[(seq * t + s) * stride + 2 * hd + head * d + i];
                        }
                    }
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void attention(Backend backend) {
        SplittableRandom rng = new SplittableRandom(2);
        int b = 2, t = 21, h = 2, d = 19, nb = 8, md = 16;
        float scale = 0.37f;
        int hd = h * d;
        float[] qkv = Bufs.normal(rng, b * t * 3 * hd, 0.6), rb = Bufs.normal(rng, h * nb, 0.5), dout = Bufs.normal(rng, b * t * hd, 1);
        float[] dqkv0 = Bufs.normal(rng, qkv.length, 0.01), drb0 = Bufs.normal(rng, rb.length, 0.01);
        try (Kernels k = backend.open(2)) {
            MemorySegment out = poisoned(arena, b * t * hd), att = poisoned(arena, (long) b * h * t * t);
            MemorySegment qkvS = of(arena, qkv), rbS = of(arena, rb);
            k.attentionForward(out, 0, att, 0, qkvS, 0, rbS, 0, b, t, h, d, nb, md, scale);
            double[] qd = Bufs.toDouble(qkv), rd = Bufs.toDouble(rb), dd = Bufs.toDouble(dout);
            within("attention out", get(out), attentionRef(qd, rd, b, t, h, d, nb, md, scale));
            float[] a = get(att);
            for (int bh = 0; bh < b * h; bh++) {
                for (int tq = 0; tq < t; tq++) {
                    double sum = 0;
                    for (int s = 0; s < t; s++) {
                        float p = a[(bh * t + tq) * t + s];
                        if (s > tq) assertEquals(0f, p, "att above the diagonal");
                        else sum += p;
                    }
                    assertEquals(1.0, sum, 1e-6, "probabilities of row " + tq);
                }
            }
            MemorySegment dqkv = of(arena, dqkv0), drb = of(arena, drb0);
            k.attentionBackward(dqkv, 0, drb, 0, of(arena, dout), 0, qkvS, 0, att, 0, b, t, h, d, nb, md, scale);
            within("attention dqkv", get(dqkv),
                    plus(dqkv0, fdGrad(qd, qq -> dotD(dd, attentionRef(qq, rd, b, t, h, d, nb, md, scale)))));
            within("attention dRelBias", get(drb),
                    plus(drb0, fdGrad(rd, rr -> dotD(dd, attentionRef(qd, rr, b, t, h, d, nb, md, scale)))));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void attentionWithT5Buckets(Backend backend) {
        SplittableRandom rng = new SplittableRandom(3);
        int b = 1, t = 150, h = 2, d = 16, nb = 32, md = 128;
        int hd = h * d;
        float[] qkv = Bufs.normal(rng, b * t * 3 * hd, 0.3), rb = Bufs.normal(rng, h * nb, 1);
        try (Kernels k = backend.open(2)) {
            MemorySegment out = poisoned(arena, b * t * hd), att = poisoned(arena, (long) b * h * t * t);
            k.attentionForward(out, 0, att, 0, of(arena, qkv), 0, of(arena, rb), 0, b, t, h, d, nb, md, 1f);
            within("attention out (T5 buckets, T=150)", get(out),
                    attentionRef(Bufs.toDouble(qkv), Bufs.toDouble(rb), b, t, h, d, nb, md, 1.0));
        }
    }

    // ------------------------------------------------------------------ gated ReLU, elementwise

    @ParameterizedTest
    @EnumSource(Backend.class)
    void reluGate(Backend backend) {
        SplittableRandom rng = new SplittableRandom(4);
        int n = 40_000 + 13;  // more than two parallel blocks, with a ragged tail
        float[] gate = Bufs.uniform(rng, n, -1, 1), up = Bufs.normal(rng, n, 1), dout = Bufs.normal(rng, n, 1);
        float[] dg0 = Bufs.normal(rng, n, 0.01), du0 = Bufs.normal(rng, n, 0.01);
        try (Kernels k = backend.open(2)) {
            MemorySegment out = poisoned(arena, n);
            k.reluGateForward(out, 0, of(arena, gate), 0, of(arena, up), 0, n);
            double[] ref = new double[n], dgRef = new double[n], duRef = new double[n];
            for (int i = 0; i < n; i++) {
                ref[i] = Math.max(gate[i], 0.0) * up[i];
                // d/dgate and d/dup of dout·relu(gate)·up (gate is never 0 here)
                dgRef[i] = gate[i] > 0 ? (double) dout[i] * up[i] : 0;   // overwritten: dg0, du0 must not leak in
                duRef[i] = Math.max(gate[i], 0.0) * dout[i];
            }
            within("reluGate out", get(out), ref);
            MemorySegment dg = of(arena, dg0), du = of(arena, du0);
            k.reluGateBackward(dg, 0, du, 0, of(arena, dout), 0, of(arena, gate), 0, of(arena, up), 0, n);
            within("reluGate dgate", get(dg), dgRef);
            within("reluGate dup", get(du), duRef);
            // finite differences on a small slice (checks the analytic reference itself)
            double[] g8 = Bufs.toDouble(java.util.Arrays.copyOf(gate, 64)), u8 = Bufs.toDouble(java.util.Arrays.copyOf(up, 64));
            double[] d8 = Bufs.toDouble(java.util.Arrays.copyOf(dout, 64));
            double[] fdG = fdGrad(g8, gg -> { double s = 0; for (int i = 0; i < 64; i++) s += d8[i] * Math.max(gg[i], 0) * u8[i]; return s; });
            double[] fdU = fdGrad(u8, uu -> { double s = 0; for (int i = 0; i < 64; i++) s += d8[i] * Math.max(g8[i], 0) * uu[i]; return s; });
            for (int i = 0; i < 64; i++) {
                assertEquals(dgRef[i], fdG[i], 1e-6 * (1 + Math.abs(fdG[i])), "fd dgate " + i);
                assertEquals(duRef[i], fdU[i], 1e-6 * (1 + Math.abs(fdU[i])), "fd dup " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void addZeroScaleSumSquares(Backend backend) {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 70_001;
        float[] a = Bufs.normal(rng, n, 1), b = Bufs.normal(rng, n, 1);
        try (Kernels k = backend.open(2)) {
            MemorySegment out = poisoned(arena, n), as = of(arena, a);
            k.add(out, 0, as, 0, of(arena, b), 0, n);
            double[] ref = new double[n];
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ref[i] = (double) a[i] + b[i];
                ss += (double) a[i] * a[i];
            }
            within("add", get(out), ref);
            k.add(as, 0, as, 0, out, 0, n);  // aliasing: a = a + (a + b)
            for (int i = 0; i < n; i++) ref[i] += a[i];
            within("add aliased", get(as), ref);

            MemorySegment x = of(arena, a);
            float sq = k.sumSquares(x, 0, n);
            assertTrue(Math.abs(sq - ss) / ss <= TOL, "sumSquares " + sq + " vs " + ss);
            k.scale(x, 0, n, -0.75f);
            double[] sref = new double[n];
            for (int i = 0; i < n; i++) sref[i] = a[i] * -0.75;
            within("scale", get(x), sref);

            MemorySegment z = poisoned(arena, n + 2);
            k.zero(z, 1, n);
            float[] zz = get(z);
            assertTrue(Float.isNaN(zz[0]) && Float.isNaN(zz[n + 1]), "zero wrote outside its range");
            for (int i = 1; i <= n; i++) assertEquals(0, Float.floatToRawIntBits(zz[i]), "zero at " + i);
        }
    }

    // ------------------------------------------------------------------ embedding

    @ParameterizedTest
    @EnumSource(Backend.class)
    void embedding(Backend backend) {
        SplittableRandom rng = new SplittableRandom(6);
        int vocab = 11, c = 35, rows = 23;
        float[] table = Bufs.normal(rng, vocab * c, 1), dout = Bufs.normal(rng, rows * c, 1), dt0 = Bufs.normal(rng, vocab * c, 0.01);
        int[] tok = new int[rows];
        for (int r = 0; r < rows; r++) tok[r] = rng.nextInt(vocab / 2) * 2;  // repeats; odd rows of the table untouched
        try (Kernels k = backend.open(2)) {
            MemorySegment out = poisoned(arena, rows * c), tokS = Bufs.ints(arena, tok);
            k.embeddingForward(out, 0, of(arena, table), 0, tokS, 0, rows, c);
            double[] ref = new double[rows * c];
            for (int r = 0; r < rows; r++) for (int i = 0; i < c; i++) ref[r * c + i] = table[tok[r] * c + i];
            within("embedding forward", get(out), ref);

            MemorySegment dt = of(arena, dt0);
            k.embeddingBackward(dt, 0, of(arena, dout), 0, tokS, 0, rows, c, vocab);
            double[] dref = Bufs.toDouble(dt0);
            for (int r = 0; r < rows; r++) for (int i = 0; i < c; i++) dref[tok[r] * c + i] += dout[r * c + i];
            within("embedding backward", get(dt), dref);
            double[] dd = Bufs.toDouble(dout);
            double[] fd = fdGrad(Bufs.toDouble(table), tb -> {
                double l = 0;
                for (int r = 0; r < rows; r++) for (int i = 0; i < c; i++) l += dd[r * c + i] * tb[tok[r] * c + i];
                return l;
            });
            within("embedding backward (FD)", get(dt), plus(dt0, fd));

            MemorySegment bad = Bufs.ints(arena, new int[] {0, vocab});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.embeddingBackward(dt, 0, of(arena, dout), 0, bad, 0, 2, c, vocab));
            assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ cross-entropy

    static double ceLossRef(double[] l, int[] tgt, int rows, int vocab, double z, double scale, double[] lseOut) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, l[r * vocab + i]);
            double s = 0;
            for (int i = 0; i < vocab; i++) s += Math.exp(l[r * vocab + i] - max);
            double lse = max + Math.log(s);
            if (lseOut != null) lseOut[r] = lse;
            if (tgt[r] >= 0) total += scale * (lse - l[r * vocab + tgt[r]] + z * lse * lse);
        }
        return total;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void crossEntropy(Backend backend) {
        SplittableRandom rng = new SplittableRandom(7);
        int rows = 6, vocab = 301;
        float z = 1e-2f, scale = 0.3f;  // a z-loss larger than 1e-4 so its gradient term is well above fp32 noise
        float[] logits = Bufs.normal(rng, rows * vocab, 3);
        int[] tgt = {5, -1, 300, 0, 17, -1};
        try (Kernels k = backend.open(2)) {
            MemorySegment loss = poisoned(arena, rows), lse = poisoned(arena, rows), ls = of(arena, logits), ts = Bufs.ints(arena, tgt);
            k.crossEntropyForward(loss, 0, lse, 0, ls, 0, ts, 0, rows, vocab, z);
            double[] lseRef = new double[rows], lossRef = new double[rows];
            double[] ld = Bufs.toDouble(logits);
            ceLossRef(ld, tgt, rows, vocab, z, 1, lseRef);
            for (int r = 0; r < rows; r++) {
                lossRef[r] = tgt[r] < 0 ? 0 : lseRef[r] - logits[r * vocab + tgt[r]] + z * lseRef[r] * lseRef[r];
            }
            within("ce lse", get(lse), lseRef);
            within("ce loss", get(loss), lossRef);
            assertEquals(0, Float.floatToRawIntBits(get(loss)[1]), "padding row loss");

            MemorySegment dl = poisoned(arena, rows * vocab);
            k.crossEntropyBackward(dl, 0, ls, 0, lse, 0, ts, 0, rows, vocab, z, scale);
            double[] fd = fdGrad(ld, x -> ceLossRef(x, tgt, rows, vocab, z, scale, null));
            within("ce dlogits", get(dl), fd);
            // in place (dlogits aliases logits) gives the same bits
            k.crossEntropyBackward(ls, 0, ls, 0, lse, 0, ts, 0, rows, vocab, z, scale);
            assertEquals(-1, Bufs.firstBitDiff(get(dl), get(ls)), "aliased backward differs");

            MemorySegment badT = Bufs.ints(arena, new int[] {vocab, 0, 0, 0, 0, 0});
            assertThrows(IllegalArgumentException.class,
                    () -> k.crossEntropyForward(loss, 0, lse, 0, ls, 0, badT, 0, rows, vocab, z));
        }
    }

    // ------------------------------------------------------------------ optimizers

    @ParameterizedTest
    @EnumSource(Backend.class)
    void adamw(Backend backend) {
        SplittableRandom rng = new SplittableRandom(8);
        int n = 33_333;
        float lr = 1e-2f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f;
        int step = 3;
        float c1 = (float) (1 - Math.pow(b1, step)), c2 = (float) (1 - Math.pow(b2, step));
        float[] p = Bufs.normal(rng, n, 1), g = Bufs.normal(rng, n, 0.1), m = Bufs.normal(rng, n, 0.05);
        float[] v = Bufs.uniform(rng, n, 1e-4, 2e-2);
        try (Kernels k = backend.open(2)) {
            MemorySegment ps = of(arena, p), ms = of(arena, m), vs = of(arena, v);
            k.adamw(ps, 0, of(arena, g), 0, ms, 0, vs, 0, n, lr, b1, b2, c1, c2, eps, wd);
            double[] pr = new double[n], mr = new double[n], vr = new double[n];
            for (int i = 0; i < n; i++) {
                mr[i] = b1 * (double) m[i] + (1 - (double) b1) * g[i];
                vr[i] = b2 * (double) v[i] + (1 - (double) b2) * g[i] * (double) g[i];
                double u = (mr[i] / c1) / (Math.sqrt(vr[i] / c2) + eps) + wd * (double) p[i];
                pr[i] = p[i] - lr * u;
            }
            within("adamw m", get(ms), mr);
            within("adamw v", get(vs), vr);
            within("adamw p", get(ps), pr);
            stepWithin("adamw", p, get(ps), pr);
        }
    }

    /** T5X Adafactor in float64 (one step). Returns the new p; updates vr/vc/v in place. */
    static double[] adafactorRef(double[] p, double[] g, double[] vr, double[] vc, double[] v, int rows, int cols,
                                 boolean factored, double lr, double beta2, double eps1, double eps2, double clip) {
        int n = rows * cols;
        double[] u = new double[n];
        if (factored) {
            double[] colMean = new double[cols];
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    double q = g[r * cols + j] * g[r * cols + j] + eps1;
                    s += q;
                    colMean[j] += q / rows;
                }
                vr[r] = beta2 * vr[r] + (1 - beta2) * s / cols;
            }
            for (int j = 0; j < cols; j++) vc[j] = beta2 * vc[j] + (1 - beta2) * colMean[j];
            double meanVr = 0;
            for (int r = 0; r < rows; r++) meanVr += vr[r] / rows;
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    u[r * cols + j] = g[r * cols + j] / Math.sqrt(vr[r] * vc[j] / meanVr);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                v[i] = beta2 * v[i] + (1 - beta2) * (g[i] * g[i] + eps1);
                u[i] = g[i] / Math.sqrt(v[i]);
            }
        }
        double su = 0, sp = 0;
        for (int i = 0; i < n; i++) { su += u[i] * u[i]; sp += p[i] * p[i]; }
        double denom = Math.max(1, Math.sqrt(su / n) / clip);
        double step = lr * Math.max(eps2, Math.sqrt(sp / n));
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = p[i] - step * u[i] / denom;
        return out;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void adafactor(Backend backend) {
        for (boolean factored : new boolean[] {true, false}) {
            SplittableRandom rng = new SplittableRandom(factored ? 9 : 10);
            int rows = factored ? 19 : 1, cols = factored ? 45 : 301, n = rows * cols;
            float lr = 1e-2f, beta2 = 0.8f, eps1 = 1e-30f, eps2 = 1e-3f, clip = 1f;
            float[] p = Bufs.normal(rng, n, 0.5), vr0 = Bufs.uniform(rng, rows, 1e-3, 1e-2), vc0 = Bufs.uniform(rng, cols, 1e-3, 1e-2);
            float[] v0 = Bufs.uniform(rng, n, 1e-3, 1e-2);
            try (Kernels k = backend.open(2)) {
                MemorySegment ps = of(arena, p), vrS = of(arena, vr0), vcS = of(arena, vc0), vS = of(arena, v0), sc = poisoned(arena, n);
                double[] pd = Bufs.toDouble(p), vr = Bufs.toDouble(vr0), vc = Bufs.toDouble(vc0), v = Bufs.toDouble(v0);
                for (int stepNo = 0; stepNo < 3; stepNo++) {  // step 0: clipping active (large g); later: not
                    float[] g = Bufs.normal(rng, n, stepNo == 0 ? 1.0 : 0.05);
                    float[] before = get(ps);
                    double[] vrBefore = Bufs.toDouble(get(vrS)), vcBefore = Bufs.toDouble(get(vcS)), vBefore = Bufs.toDouble(get(vS));
                    Bufs.poison(sc);
                    k.adafactor(ps, 0, of(arena, g), 0, vrS, 0, vcS, 0, vS, 0, sc, 0, rows, cols, factored, lr, beta2, eps1, eps2, clip);
                    double[] vrCopy = vrBefore, vcCopy = vcBefore, vCopy = vBefore;
                    pd = adafactorRef(pd, Bufs.toDouble(g), vr, vc, v, rows, cols, factored, lr, beta2, eps1, eps2, clip);
                    String what = "adafactor factored=" + factored + " step " + stepNo;
                    within(what + " p", get(ps), pd);
                    double[] fromKernelP = adafactorRef(Bufs.toDouble(before), Bufs.toDouble(g), vrCopy, vcCopy, vCopy,
                            rows, cols, factored, lr, beta2, eps1, eps2, clip);
                    stepWithin(what, before, get(ps), fromKernelP);
                    if (factored) {
                        within(what + " vr", get(vrS), vr);
                        within(what + " vc", get(vcS), vc);
                    } else {
                        within(what + " v", get(vS), v);
                    }
                }
            }
        }
    }
}
