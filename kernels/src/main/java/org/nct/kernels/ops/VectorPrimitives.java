package org.nct.kernels.ops;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row primitives with the Vector API at 128, 256 or 512 bits, bit-identical to
 * {@link ScalarPrimitives}: each one runs its {@link Lanes} version and finishes a ragged tail
 * (or a shape the lanes do not take) with the scalar primitive.
 */
public final class VectorPrimitives extends ScalarPrimitives {

    private final Lanes lanes;

    /** The primitives at {@code species}'s width. */
    public VectorPrimitives(VectorSpecies<Float> species) {
        this.lanes = Lanes.of(species);
    }

    @Override protected float dot16(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, float[] partials) {
        return lanes.reduce16(Lanes.DOT, a, aOff, b, bOff, null, 0, n, 0f, partials);
    }

    @Override protected float sum16(MemorySegment x, long xOff, long n, float[] partials) {
        return lanes.reduce16(Lanes.SUM, x, xOff, null, 0, null, 0, n, 0f, partials);
    }

    @Override protected float sumSqEps16(MemorySegment g, long gOff, long n, float eps1, float[] partials) {
        return lanes.reduce16(Lanes.SQUARES_EPS, g, gOff, null, 0, null, 0, n, eps1, partials);
    }

    @Override protected float rmsnormGradDot(MemorySegment dout, long doOff, MemorySegment gain, long gOff, MemorySegment x, long xOff, int c, float[] partials) {
        return lanes.reduce16(Lanes.PRODUCT_DOT, dout, doOff, gain, gOff, x, xOff, c, 0f, partials);
    }

    /** exp pass into out, then the 16-partial sum of what it wrote. */
    @Override protected float expSum16(MemorySegment x, long xOff, MemorySegment out, long outOff, long n, float max, float[] partials) {
        expRange(out, outOff, x, xOff, n, max, 1f, 1f);
        return lanes.reduce16(Lanes.SUM, out, outOff, null, 0, null, 0, n, 0f, partials);
    }

    @Override protected void expRange(MemorySegment out, long outOff, MemorySegment x, long xOff, long n, float shift, float mul1, float mul2) {
        long d = lanes.expRange(out, outOff, x, xOff, n, shift, mul1, mul2);
        if (d < n) super.expRange(out, outOff + d, x, xOff + d, n - d, shift, mul1, mul2);
    }

    @Override protected void scoresTransposed(MemorySegment out, long outOff, MemorySegment q, long qOff,
                                              MemorySegment kt, long ktOff, long ktStride, int n, int d, float[] partials) {
        int done = d % 16 == 0 ? lanes.scoresTransposed(out, outOff, q, qOff, kt, ktOff, ktStride, n, d) : 0;
        if (done < n) super.scoresTransposed(out, outOff + done, q, qOff, kt, ktOff + done, ktStride, n - done, d, partials);
    }

    /** Whole tiles of 16 keys (the last one padded): one contiguous (d, 16) block per tile. */
    @Override protected void scoresCached(MemorySegment out, long outOff, MemorySegment q, long qOff,
                                          MemorySegment kt, long ktOff, int n, int d, float[] partials) {
        if (d % 16 != 0) {
            super.scoresCached(out, outOff, q, qOff, kt, ktOff, n, d, partials);
            return;
        }
        for (int t = 0; t < n; t += 16) lanes.scoresTransposed(out, outOff + t, q, qOff, kt, ktOff + (long) t * d, 16, 16, d);
    }

    /** 4 rows (a prefill group) by {@link Lanes#scoresCached4}, each key vector loaded once for the 4; other shapes row by row. */
    @Override protected void scoresCachedRows(MemorySegment out, long outOff, long outStride, MemorySegment q, long qOff, long qStride,
                                              MemorySegment kt, long ktOff, int n0, int rows, int d, float[] partials, float[] scratch) {
        if (rows != 4 || d % 16 != 0) {
            super.scoresCachedRows(out, outOff, outStride, q, qOff, qStride, kt, ktOff, n0, rows, d, partials, scratch);
            return;
        }
        lanes.scoresCached4(out, outOff, outStride, q, qOff, qStride, kt, ktOff, (n0 + 3 + 15) / 16, d, scratch);
    }

    /**
     * 4 rows (a prefill group) over whole blocks of 4 vectors of columns: the keys all 4 rows take
     * (s &lt; n0) by {@link Lanes#block4}, each value row loaded once for the 4, then the keys only
     * the later rows take (n0 .. n0+2) by {@link Lanes#axpy}, so each row's chain runs in increasing
     * s. The other columns, and other shapes, row by row.
     */
    @Override protected void weightedRowSums(MemorySegment out, long outOff, long outStride, MemorySegment w, long wOff, long wStride,
                                             int n0, int rows, MemorySegment v, long vOff, long vStride, int d) {
        int full = d - d % (4 * lanes.species().length());
        if (rows != 4 || full == 0) {
            super.weightedRowSums(out, outOff, outStride, w, wOff, wStride, n0, rows, v, vOff, vStride, d);
            return;
        }
        lanes.block4(out, outOff, outStride, false, w, wOff, wStride, 1, v, vOff, vStride, 0, n0 - 1, full);
        for (int s = n0; s < n0 + 3; s++) {
            for (int g = s - n0 + 1; g < 4; g++) lanes.axpy(out, outOff + g * outStride, w.getAtIndex(F, wOff + g * wStride + s), v, vOff + s * vStride, full);
        }
        if (full < d) super.weightedRowSums(out, outOff + full, outStride, w, wOff, wStride, n0, rows, v, vOff + full, vStride, d - full);
    }

    /** Blocks of 4 query rows by {@link Lanes#scores4}; the last rows (fewer than 4) by the scalar primitive. */
    @Override protected void trainScores(MemorySegment out, long outOff, long outStride, MemorySegment a, long aOff, long aStride,
                                         MemorySegment bt, long btOff, long btStride, int t0, int rows, int d) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) lanes.scores4(out, outOff + r * outStride, outStride, a, aOff + r * aStride, aStride, bt, btOff, btStride, t0 + r, d);
        if (r < rows) super.trainScores(out, outOff + r * outStride, outStride, a, aOff + r * aStride, aStride, bt, btOff, btStride, t0 + r, rows - r, d);
    }

    /**
     * Blocks of 4 rows over whole blocks of 4 vectors of columns: the j that only some of the 4 rows
     * take (at most 3, before the common range of an upper triangle or after that of a lower one)
     * by {@link Lanes#axpy} on the output rows, the common range by {@link Lanes#block4}, so each
     * row's chain runs in increasing j. The other columns of those rows and the last rows (fewer
     * than 4) by the scalar primitive (each column's chain is independent of the others).
     */
    @Override protected void trainTriangle(MemorySegment out, long outOff, long outStride, boolean accumulate,
                                           MemorySegment w, long wOff, long wRowStride, long wColStride,
                                           MemorySegment x, long xOff, long xStride, boolean lower, int r0, int rows, int n, int d) {
        int full = d - d % (4 * lanes.species().length()), r = 0;
        for (; r + 4 <= rows; r += 4) {
            long o = outOff + r * outStride, wr = wOff + r * wRowStride;
            int rr = r0 + r;
            if (full > 0) {
                boolean acc = accumulate;
                if (!lower) {       // row k starts at j = rr + k: rows 0..2 take j = rr .. rr+2 alone first
                    if (!acc) {
                        for (int k = 0; k < 4; k++) lanes.zero(out, o + k * outStride, full);
                        acc = true;
                    }
                    for (int j = rr; j < rr + 3; j++) {
                        for (int k = 0; k <= j - rr; k++) lanes.axpy(out, o + k * outStride, w.getAtIndex(F, wr + k * wRowStride + j * wColStride), x, xOff + j * xStride, full);
                    }
                    lanes.block4(out, o, outStride, acc, w, wr, wRowStride, wColStride, x, xOff, xStride, rr + 3, n - 1, full);
                } else {            // row k ends at j = rr + k: rows 1..3 take j = rr+1 .. rr+3 alone last
                    lanes.block4(out, o, outStride, acc, w, wr, wRowStride, wColStride, x, xOff, xStride, 0, rr, full);
                    for (int j = rr + 1; j <= rr + 3; j++) {
                        for (int k = j - rr; k < 4; k++) lanes.axpy(out, o + k * outStride, w.getAtIndex(F, wr + k * wRowStride + j * wColStride), x, xOff + j * xStride, full);
                    }
                }
            }
            if (full < d) super.trainTriangle(out, o + full, outStride, accumulate, w, wr, wRowStride, wColStride, x, xOff + full, xStride, lower, rr, 4, n, d - full);
        }
        if (r < rows) super.trainTriangle(out, outOff + r * outStride, outStride, accumulate, w, wOff + r * wRowStride, wRowStride, wColStride, x, xOff, xStride, lower, r0 + r, rows - r, n, d);
    }

    /** Whole blocks of 16 by {@link Lanes#trainSoftmaxRow}. */
    @Override protected void trainSoftmaxRow(MemorySegment att, long attOff, int t, MemorySegment sc, long scOff,
                                             MemorySegment bias, long bOff, int n, float scale, float[] partials) {
        lanes.trainSoftmaxRow(att, attOff, t, sc, scOff, bias, bOff, n, scale, partials);
    }

    @Override protected void trainSoftmaxBackwardRow(MemorySegment ds, long dsOff, MemorySegment p, long pOff, MemorySegment g, long gOff,
                                                     int n, float scale, float[] partials) {
        lanes.trainSoftmaxBackwardRow(ds, dsOff, p, pOff, g, gOff, n, scale, partials);
    }

    @Override protected void biasScaleRange(MemorySegment p, long pOff, MemorySegment bias, long bOff, long n, float scale) {
        long done = lanes.biasScale(p, pOff, bias, bOff, n, scale);
        if (done < n) super.biasScaleRange(p, pOff + done, bias, bOff + done, n - done, scale);
    }

    @Override protected void cdfRow(MemorySegment cum, long cumOff, MemorySegment logits, long lOff, int precision, MemorySegment scratch) {
        if (!lanes.cdfRow(cum, cumOff, logits, lOff, precision, scratch)) super.cdfRow(cum, cumOff, logits, lOff, precision, scratch);
    }

    @Override protected float max(MemorySegment x, long xOff, long n) {
        return lanes.max(x, xOff, n);
    }

    @Override protected void weightedRowSum(MemorySegment out, long outOff, boolean accumulate, MemorySegment w, long wOff, long wStride,
                                            int n, MemorySegment rows, long rOff, long rStride, int d) {
        int done = lanes.weightedRowSum(out, outOff, accumulate, w, wOff, wStride, n, rows, rOff, rStride, d);
        if (done < d) super.weightedRowSum(out, outOff + done, accumulate, w, wOff, wStride, n, rows, rOff + done, rStride, d - done);
    }

    @Override protected void scaleRange(MemorySegment out, long outOff, MemorySegment x, long xOff, long n, float s) {
        long d = lanes.scale(out, outOff, x, xOff, n, s);
        if (d < n) super.scaleRange(out, outOff + d, x, xOff + d, n - d, s);
    }

    @Override protected void zeroRange(MemorySegment out, long outOff, long n) {
        long d = lanes.zero(out, outOff, n);
        if (d < n) super.zeroRange(out, outOff + d, n - d);
    }

    @Override protected void addRange(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        long d = lanes.add(out, outOff, a, aOff, b, bOff, n);
        if (d < n) super.addRange(out, outOff + d, a, aOff + d, b, bOff + d, n - d);
    }

    @Override protected void reluGateRange(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        long d = lanes.reluGate(out, outOff, gate, gOff, up, uOff, n);
        if (d < n) super.reluGateRange(out, outOff + d, gate, gOff + d, up, uOff + d, n - d);
    }

    @Override protected void reluGateBackwardRange(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout, long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        long d = lanes.reluGateBackward(dgate, dgOff, dup, duOff, dout, doOff, gate, gOff, up, uOff, n);
        if (d < n) super.reluGateBackwardRange(dgate, dgOff + d, dup, duOff + d, dout, doOff + d, gate, gOff + d, up, uOff + d, n - d);
    }

    @Override protected void adamwRange(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
        long d = lanes.adamw(p, pOff, g, gOff, m, mOff, v, vOff, n, lr, b1, b2, c1, c2, eps, wd);
        if (d < n) super.adamwRange(p, pOff + d, g, gOff + d, m, mOff + d, v, vOff + d, n - d, lr, b1, b2, c1, c2, eps, wd);
    }

    @Override protected void rmsnormRow(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, int c, float rs) {
        int d = lanes.rmsnormRow(out, outOff, x, xOff, gain, gOff, c, rs);
        if (d < c) super.rmsnormRow(out, outOff + d, x, xOff + d, gain, gOff + d, c - d, rs);
    }

    @Override protected void rmsnormBackwardRow(MemorySegment dx, long dxOff, MemorySegment dout, long doOff, MemorySegment gain, long gOff, MemorySegment x, long xOff, int c, float rs, float c2) {
        int d = lanes.rmsnormBackwardRow(dx, dxOff, dout, doOff, gain, gOff, x, xOff, c, rs, c2);
        if (d < c) super.rmsnormBackwardRow(dx, dxOff + d, dout, doOff + d, gain, gOff + d, x, xOff + d, c - d, rs, c2);
    }

    @Override protected void rmsnormGainRow(MemorySegment dgain, long dgOff, MemorySegment dout, long doOff, MemorySegment x, long xOff, int n, float rs) {
        int d = lanes.rmsnormGainRow(dgain, dgOff, dout, doOff, x, xOff, n, rs);
        if (d < n) super.rmsnormGainRow(dgain, dgOff + d, dout, doOff + d, x, xOff + d, n - d, rs);
    }

    @Override protected void softmaxBackwardRow(MemorySegment ds, long dsOff, MemorySegment p, long pOff, int n, float rowDot) {
        int d = lanes.softmaxBackwardRow(ds, dsOff, p, pOff, n, rowDot);
        if (d < n) super.softmaxBackwardRow(ds, dsOff + d, p, pOff + d, n - d, rowDot);
    }

    @Override protected void addSqEpsRange(MemorySegment acc, long accOff, MemorySegment g, long gOff, int n, float eps1) {
        int d = lanes.addSqEps(acc, accOff, g, gOff, n, eps1);
        if (d < n) super.addSqEpsRange(acc, accOff + d, g, gOff + d, n - d, eps1);
    }

    @Override protected void adafactorColFactors(MemorySegment vc, long vcOff, MemorySegment col, long colOff, int cols, float beta2, float omb, int rows) {
        int d = lanes.adafactorColFactors(vc, vcOff, col, colOff, cols, beta2, omb, rows);
        if (d < cols) super.adafactorColFactors(vc, vcOff + d, col, colOff + d, cols - d, beta2, omb, rows);
    }

    @Override protected void adafactorFactoredRow(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment colFactor, long cfOff, int cols, float rowFactor) {
        int d = lanes.adafactorFactoredRow(u, uOff, g, gOff, colFactor, cfOff, cols, rowFactor);
        if (d < cols) super.adafactorFactoredRow(u, uOff + d, g, gOff + d, colFactor, cfOff + d, cols - d, rowFactor);
    }

    @Override protected void adafactorUnfactoredRange(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment v, long vOff, long n, float beta2, float omb, float eps1) {
        long d = lanes.adafactorUnfactored(u, uOff, g, gOff, v, vOff, n, beta2, omb, eps1);
        if (d < n) super.adafactorUnfactoredRange(u, uOff + d, g, gOff + d, v, vOff + d, n - d, beta2, omb, eps1);
    }

    @Override protected void adafactorUpdateRange(MemorySegment p, long pOff, MemorySegment u, long uOff, long n, float denom, float step) {
        long d = lanes.adafactorUpdate(p, pOff, u, uOff, n, denom, step);
        if (d < n) super.adafactorUpdateRange(p, pOff + d, u, uOff + d, n - d, denom, step);
    }
}
