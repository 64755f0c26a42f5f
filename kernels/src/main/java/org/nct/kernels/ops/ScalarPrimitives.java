package org.nct.kernels.ops;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.kernels.IntegerCdfRow;
import org.nct.kernels.Kernels;
import org.nct.kernels.NctMath;
import org.nct.kernels.NumericsProfile;

/**
 * The scalar reference of the non-GEMM kernels' row primitives: plain loops over one row or
 * range, the definition of their bits. {@link OpsDriver} composes them into the ops of the
 * {@link Kernels} contract (docs/kernels-ops.md writes out each op's order); {@link VectorPrimitives}
 * replaces each one with a Vector API version of the same bits.
 *
 * <p>No primitive knows about threads: a reduction takes the caller's 16 partials
 * ({@code float[16]}, overwritten), the other scratch is passed in, and nothing is allocated.
 */
public sealed class ScalarPrimitives permits VectorPrimitives {

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

    /** The scalar reference. */
    public ScalarPrimitives() { }

    /**
     * Scores of a tile of query rows against transposed keys, in GEMM order: for row r (query
     * t0 + r), out[r·outStride + s] = the chain over i = 0..d-1 of fma(a[r·aStride + i],
     * bt[i·btStride + s], acc) from +0, for keys s = 0..t0+r. An override may also write the
     * entries of keys up to t0+rows rounded up to its key block (never past btStride, a multiple
     * of 64); they are never read.
     */
    protected void trainScores(MemorySegment out, long outOff, long outStride, MemorySegment a, long aOff, long aStride,
                               MemorySegment bt, long btOff, long btStride, int t0, int rows, int d) {
        for (int r = 0; r < rows; r++) {
            long o = outOff + r * outStride, ar = aOff + r * aStride;
            for (int s = 0; s <= t0 + r; s++) {
                float acc = 0f;
                for (int i = 0; i < d; i++) acc = Math.fma(a.getAtIndex(F, ar + i), bt.getAtIndex(F, btOff + i * btStride + s), acc);
                out.setAtIndex(F, o + s, acc);
            }
        }
    }

    /**
     * Weighted sums over a triangle, the P·V / dS·K / dSᵀ·Q / Pᵀ·dO form: for output row r
     * (index r0 + r, r &lt; rows) and column i &lt; d, out[r·outStride + i] = the chain over j in
     * increasing order of fma(w[wOff + r·wRowStride + j·wColStride], x[xOff + j·xStride + i], acc),
     * from out's value when accumulate, else from +0; j runs over 0..r0+r when lower, else over
     * r0+r..n-1.
     */
    protected void trainTriangle(MemorySegment out, long outOff, long outStride, boolean accumulate,
                                 MemorySegment w, long wOff, long wRowStride, long wColStride,
                                 MemorySegment x, long xOff, long xStride, boolean lower, int r0, int rows, int n, int d) {
        for (int r = 0; r < rows; r++) {
            long o = outOff + r * outStride, wr = wOff + r * wRowStride;
            if (!accumulate) {
                for (int i = 0; i < d; i++) out.setAtIndex(F, o + i, 0f);
            }
            int lo = lower ? 0 : r0 + r, hi = lower ? r0 + r : n - 1;
            for (int j = lo; j <= hi; j++) {     // out holds each chain's running value
                float wj = w.getAtIndex(F, wr + j * wColStride);
                long xj = xOff + j * xStride;
                for (int i = 0; i < d; i++) out.setAtIndex(F, o + i, Math.fma(wj, x.getAtIndex(F, xj + i), out.getAtIndex(F, o + i)));
            }
        }
    }

    /**
     * The training profile's softmax of one score row, query t of a row of T keys: x[s] =
     * sc[s]·scale + bias[s] (a product, then a sum) for s &lt; n, m = max(x), e[s] = exp(x[s] − m)
     * ({@link NctMath#exp}), sum = the canonical 16-partial sum of e, att[s] = e[s]·(1/sum) for
     * s &lt; n and +0 for n ≤ s &lt; t. sc is scratch (overwritten). An override may read and write
     * sc, and read bias, up to n rounded up to 16: the caller's rows have that room (their stride,
     * {@code OpsDriver.paddedLength}, is at least T + 16).
     */
    protected void trainSoftmaxRow(MemorySegment att, long attOff, int t, MemorySegment sc, long scOff,
                                   MemorySegment bias, long bOff, int n, float scale, float[] partials) {
        biasScaleRange(sc, scOff, bias, bOff, n, scale);
        float max = max(sc, scOff, n);
        float sum = expSum16(sc, scOff, sc, scOff, n, max, partials);
        scaleRange(att, attOff, sc, scOff, n, 1f / sum);
        zeroRange(att, attOff + n, t - n);
    }

    /**
     * The training profile's softmax backward of one row (n entries) with the bias gradient by
     * distance: r = dot16(p, ds); ds[s] = p[s]·(ds[s] − r); g[s] = g[s] + ds[s]; then
     * ds[s] = ds[s]·scale.
     */
    protected void trainSoftmaxBackwardRow(MemorySegment ds, long dsOff, MemorySegment p, long pOff, MemorySegment g, long gOff,
                                           int n, float scale, float[] partials) {
        float rowDot = dot16(p, pOff, ds, dsOff, n, partials);
        softmaxBackwardRow(ds, dsOff, p, pOff, n, rowDot);
        addRange(g, gOff, g, gOff, ds, dsOff, n);
        scaleRange(ds, dsOff, ds, dsOff, n, scale);
    }

    /** Canonical 16-partial dot ({@link NumericsProfile#dot16}). */
    protected float dot16(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, float[] partials) {
        return NumericsProfile.dot16(a, aOff, b, bOff, n, partials);
    }

    /**
     * out[s] = dot16(q, key s) for s = 0..n-1 with the keys transposed: element i of key s at
     * kt[ktOff + i·ktStride + s] (the same 16 partials and tree as dot16).
     */
    protected void scoresTransposed(MemorySegment out, long outOff, MemorySegment q, long qOff,
                                    MemorySegment kt, long ktOff, long ktStride, int n, int d, float[] partials) {
        for (int s = 0; s < n; s++) {
            float[] p = zeroed(partials);
            for (int i = 0; i < d; i++) {
                p[i & 15] = Math.fma(q.getAtIndex(F, qOff + i), kt.getAtIndex(F, ktOff + i * ktStride + s), p[i & 15]);
            }
            out.setAtIndex(F, outOff + s, NumericsProfile.tree16(p));
        }
    }

    /**
     * out[s] = dot16(q, key s) for s = 0..n-1, keys in tiles of 16 ({@link Kernels#attentionCached}'s
     * layout: element i of key s at kt[ktOff + (s − s%16)·d + i·16 + s%16]). An override may also
     * write the scores of the rest of the last tile (up to n rounded up to 16); they are never used.
     */
    protected void scoresCached(MemorySegment out, long outOff, MemorySegment q, long qOff,
                                MemorySegment kt, long ktOff, int n, int d, float[] partials) {
        for (int t = 0; t < n; t += 16) {
            scoresTransposed(out, outOff + t, q, qOff, kt, ktOff + (long) t * d, 16, Math.min(16, n - t), d, partials);
        }
    }

    /**
     * The scores of {@code rows} query rows against one head's tiled keys (a prefill: consecutive
     * positions of one slot): row g (q at q[qOff + g·qStride]) gets {@link #scoresCached} of
     * n0 + g keys into out[outOff + g·outStride ..]. An override may also write each row's scores
     * of keys up to n0 + rows − 1 rounded up to 16 (never past outStride, a multiple of 16 that
     * is at least that); they are never used. scratch: 256 floats the vector version may use.
     */
    protected void scoresCachedRows(MemorySegment out, long outOff, long outStride, MemorySegment q, long qOff, long qStride,
                                    MemorySegment kt, long ktOff, int n0, int rows, int d, float[] partials, float[] scratch) {
        for (int g = 0; g < rows; g++) {
            scoresCached(out, outOff + g * outStride, q, qOff + g * qStride, kt, ktOff, n0 + g, d, partials);
        }
    }

    /**
     * The value chains of {@code rows} query rows of one head (a prefill): row g is
     * {@link #weightedRowSum}(out + g·outStride, from +0, weights w[wOff + g·wStride + s] for
     * s = 0..n0+g−1, values rows[rOff + s·rStride ..], d).
     */
    protected void weightedRowSums(MemorySegment out, long outOff, long outStride, MemorySegment w, long wOff, long wStride,
                                   int n0, int rows, MemorySegment v, long vOff, long vStride, int d) {
        for (int g = 0; g < rows; g++) {
            weightedRowSum(out, outOff + g * outStride, false, w, wOff + g * wStride, 1, n0 + g, v, vOff, vStride, d);
        }
    }

    /** p[s] = p[s]·scale + bias[s] (a product, then a sum: two roundings, as attendRow). */
    protected void biasScaleRange(MemorySegment p, long pOff, MemorySegment bias, long bOff, long n, float scale) {
        for (long s = 0; s < n; s++) p.setAtIndex(F, pOff + s, p.getAtIndex(F, pOff + s) * scale + bias.getAtIndex(F, bOff + s));
    }

    /**
     * One row of {@link Kernels#cdfRows}: {@link IntegerCdfRow#fromLogits}. scratch: 256 floats
     * the vector version may use.
     */
    protected void cdfRow(MemorySegment cum, long cumOff, MemorySegment logits, long lOff, int precision, MemorySegment scratch) {
        IntegerCdfRow.fromLogits(logits, lOff, precision, cum, cumOff);
    }

    /** Canonical 16-partial sum ({@link NumericsProfile#sum16}). */
    protected float sum16(MemorySegment x, long xOff, long n, float[] partials) {
        return NumericsProfile.sum16(x, xOff, n, partials);
    }

    /** 16-partial sum of fma(g, g, eps1). */
    protected float sumSqEps16(MemorySegment g, long gOff, long n, float eps1, float[] partials) {
        float[] p = zeroed(partials);
        for (long i = 0; i < n; i++) {
            float x = g.getAtIndex(F, gOff + i);
            p[(int) (i & 15)] += Math.fma(x, x, eps1);
        }
        return NumericsProfile.tree16(p);
    }

    /** e[i] = exp(x[i] − max), stored to out (out may alias x); returns the 16-partial sum of the e[i]. */
    protected float expSum16(MemorySegment x, long xOff, MemorySegment out, long outOff, long n, float max, float[] partials) {
        float[] p = zeroed(partials);
        for (long i = 0; i < n; i++) {
            float e = NctMath.exp(x.getAtIndex(F, xOff + i) - max);
            out.setAtIndex(F, outOff + i, e);
            p[(int) (i & 15)] += e;
        }
        return NumericsProfile.tree16(p);
    }

    /** max over x[0..n) (Math.max; order-free). n ≥ 1. */
    protected float max(MemorySegment x, long xOff, long n) {
        float m = x.getAtIndex(F, xOff);
        for (long i = 1; i < n; i++) m = Math.max(m, x.getAtIndex(F, xOff + i));
        return m;
    }

    /**
     * out[i] = chain over s = 0..n-1 of acc = fma(w[s·wStride], rows[s·rStride + i], acc), acc
     * starting at out[i] when accumulate, else at 0 (i = 0..d-1).
     */
    protected void weightedRowSum(MemorySegment out, long outOff, boolean accumulate, MemorySegment w, long wOff, long wStride,
                                  int n, MemorySegment rows, long rOff, long rStride, int d) {
        for (int i = 0; i < d; i++) {
            float acc = accumulate ? out.getAtIndex(F, outOff + i) : 0f;
            for (int s = 0; s < n; s++) {
                acc = Math.fma(w.getAtIndex(F, wOff + s * wStride), rows.getAtIndex(F, rOff + s * rStride + i), acc);
            }
            out.setAtIndex(F, outOff + i, acc);
        }
    }

    /** out[i] = x[i]·s (out may alias x). */
    protected void scaleRange(MemorySegment out, long outOff, MemorySegment x, long xOff, long n, float s) {
        for (long i = 0; i < n; i++) out.setAtIndex(F, outOff + i, x.getAtIndex(F, xOff + i) * s);
    }

    protected void zeroRange(MemorySegment out, long outOff, long n) {
        for (long i = 0; i < n; i++) out.setAtIndex(F, outOff + i, 0f);
    }

    /** out[i] = a[i] + b[i] (out may alias a or b). */
    protected void addRange(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F, outOff + i, a.getAtIndex(F, aOff + i) + b.getAtIndex(F, bOff + i));
        }
    }

    /** out[i] = max(gate[i], 0)·up[i]. */
    protected void reluGateRange(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F, outOff + i, Math.max(gate.getAtIndex(F, gOff + i), 0f) * up.getAtIndex(F, uOff + i));
        }
    }

    /** dgate[i] = +0 + dout·up where gate &gt; 0, else +0; dup[i] = +0 + max(gate, 0)·dout (both overwritten). */
    protected void reluGateBackwardRange(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout, long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        for (long i = 0; i < n; i++) {
            float g = gate.getAtIndex(F, gOff + i), dy = dout.getAtIndex(F, doOff + i);
            dgate.setAtIndex(F, dgOff + i, g > 0f ? 0f + dy * up.getAtIndex(F, uOff + i) : 0f);
            dup.setAtIndex(F, duOff + i, 0f + Math.max(g, 0f) * dy);
        }
    }

    /**
     * m = fma(b1, m, (1−b1)·g); v = fma(b2, v, ((1−b2)·g)·g);
     * u = (m/c1) / (sqrt(v/c2) + eps); u = fma(wd, p, u); p = fma(−lr, u, p).
     */
    protected void adamwRange(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
        float omb1 = 1f - b1, omb2 = 1f - b2;
        for (long i = 0; i < n; i++) {
            float gi = g.getAtIndex(F, gOff + i);
            float mi = Math.fma(b1, m.getAtIndex(F, mOff + i), omb1 * gi);
            float vi = Math.fma(b2, v.getAtIndex(F, vOff + i), omb2 * gi * gi);
            m.setAtIndex(F, mOff + i, mi);
            v.setAtIndex(F, vOff + i, vi);
            float pi = p.getAtIndex(F, pOff + i);
            float u = Math.fma(wd, pi, (mi / c1) / ((float) Math.sqrt(vi / c2) + eps));
            p.setAtIndex(F, pOff + i, Math.fma(-lr, u, pi));
        }
    }

    /** out[i] = (x[i]·rs)·gain[i]. */
    protected void rmsnormRow(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, int c, float rs) {
        for (int i = 0; i < c; i++) {
            out.setAtIndex(F, outOff + i, x.getAtIndex(F, xOff + i) * rs * gain.getAtIndex(F, gOff + i));
        }
    }

    /** 16-partial sum of fma(dout[i]·gain[i], x[i], p). */
    protected float rmsnormGradDot(MemorySegment dout, long doOff, MemorySegment gain, long gOff, MemorySegment x, long xOff, int c, float[] partials) {
        float[] p = zeroed(partials);
        for (int i = 0; i < c; i++) {
            int j = i & 15;
            p[j] = Math.fma(dout.getAtIndex(F, doOff + i) * gain.getAtIndex(F, gOff + i), x.getAtIndex(F, xOff + i), p[j]);
        }
        return NumericsProfile.tree16(p);
    }

    /** dx[i] = dx[i] + rs·fma(−x[i], c2, dout[i]·gain[i]). */
    protected void rmsnormBackwardRow(MemorySegment dx, long dxOff, MemorySegment dout, long doOff, MemorySegment gain, long gOff, MemorySegment x, long xOff, int c, float rs, float c2) {
        for (int i = 0; i < c; i++) {
            float gd = dout.getAtIndex(F, doOff + i) * gain.getAtIndex(F, gOff + i);
            float t = Math.fma(-x.getAtIndex(F, xOff + i), c2, gd);
            dx.setAtIndex(F, dxOff + i, dx.getAtIndex(F, dxOff + i) + rs * t);
        }
    }

    /** dgain[i] = fma(x[i]·rs, dout[i], dgain[i]) (one row of the chain over rows). */
    protected void rmsnormGainRow(MemorySegment dgain, long dgOff, MemorySegment dout, long doOff, MemorySegment x, long xOff, int n, float rs) {
        for (int i = 0; i < n; i++) {
            dgain.setAtIndex(F, dgOff + i, Math.fma(x.getAtIndex(F, xOff + i) * rs, dout.getAtIndex(F, doOff + i), dgain.getAtIndex(F, dgOff + i)));
        }
    }

    /** ds[s] = p[s]·(ds[s] − rowDot) (ds holds dP on entry). */
    protected void softmaxBackwardRow(MemorySegment ds, long dsOff, MemorySegment p, long pOff, int n, float rowDot) {
        for (int s = 0; s < n; s++) {
            ds.setAtIndex(F, dsOff + s, p.getAtIndex(F, pOff + s) * (ds.getAtIndex(F, dsOff + s) - rowDot));
        }
    }

    /** out[i] = exp(x[i] − shift)·mul1·mul2 (out may alias x; multiplying by 1 is exact). */
    protected void expRange(MemorySegment out, long outOff, MemorySegment x, long xOff, long n, float shift, float mul1, float mul2) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F, outOff + i, NctMath.exp(x.getAtIndex(F, xOff + i) - shift) * mul1 * mul2);
        }
    }

    /** acc[j] = acc[j] + fma(g[j], g[j], eps1) (one row of the column chains). */
    protected void addSqEpsRange(MemorySegment acc, long accOff, MemorySegment g, long gOff, int n, float eps1) {
        for (int j = 0; j < n; j++) {
            float x = g.getAtIndex(F, gOff + j);
            acc.setAtIndex(F, accOff + j, acc.getAtIndex(F, accOff + j) + Math.fma(x, x, eps1));
        }
    }

    /** vc[j] = fma(beta2, vc[j], omb·(colSum[j]/rows)); then colSum[j] = 1/sqrt(vc[j]) (the column factor). */
    protected void adafactorColFactors(MemorySegment vc, long vcOff, MemorySegment col, long colOff, int cols, float beta2, float omb, int rows) {
        for (int j = 0; j < cols; j++) {
            float v = Math.fma(beta2, vc.getAtIndex(F, vcOff + j), omb * (col.getAtIndex(F, colOff + j) / rows));
            vc.setAtIndex(F, vcOff + j, v);
            col.setAtIndex(F, colOff + j, 1f / (float) Math.sqrt(v));
        }
    }

    /** u[j] = (g[j]·rowFactor)·colFactor[j]. */
    protected void adafactorFactoredRow(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment colFactor, long cfOff, int cols, float rowFactor) {
        for (int j = 0; j < cols; j++) {
            u.setAtIndex(F, uOff + j, g.getAtIndex(F, gOff + j) * rowFactor * colFactor.getAtIndex(F, cfOff + j));
        }
    }

    /** v = fma(beta2, v, omb·fma(g, g, eps1)); u = g·(1/sqrt(v)). */
    protected void adafactorUnfactoredRange(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment v, long vOff, long n, float beta2, float omb, float eps1) {
        for (long i = 0; i < n; i++) {
            float gi = g.getAtIndex(F, gOff + i);
            float vi = Math.fma(beta2, v.getAtIndex(F, vOff + i), omb * Math.fma(gi, gi, eps1));
            v.setAtIndex(F, vOff + i, vi);
            u.setAtIndex(F, uOff + i, gi * (1f / (float) Math.sqrt(vi)));
        }
    }

    /** p = p − step·(u/denom). */
    protected void adafactorUpdateRange(MemorySegment p, long pOff, MemorySegment u, long uOff, long n, float denom, float step) {
        for (long i = 0; i < n; i++) {
            p.setAtIndex(F, pOff + i, p.getAtIndex(F, pOff + i) - step * (u.getAtIndex(F, uOff + i) / denom));
        }
    }

    /** The 16 partials, zeroed. */
    static float[] zeroed(float[] partials) {
        java.util.Arrays.fill(partials, 0f);
        return partials;
    }
}
