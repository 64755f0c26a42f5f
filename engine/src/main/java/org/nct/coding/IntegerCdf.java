package org.nct.coding;

import java.lang.foreign.MemorySegment;
import org.nct.kernels.IntegerCdfRow;

/**
 * Turns 256 float logits into an integer cumulative frequency table {@code cum[0..256]} with
 * {@code cum[0] = 0}, {@code cum[256] = 2^precision} and every symbol at least one count, the same
 * bits on every JVM and backend.
 *
 * <p>Procedure (version {@link #ID}):
 * <ol>
 *   <li>{@code m} = the largest logit (NaN logits count as −∞; if no logit is above −∞ the result
 *       is uniform; if {@code m} is +∞ the +∞ logits share the mass).</li>
 *   <li>{@code e_i = NctMath.exp(z_i − m)} in fp32 (so {@code e_i} ∈ [0, 1] and the argmax has 1),
 *       then {@code q_i = floor(e_i · 2^30)}, an exact conversion to fixed point.</li>
 *   <li>{@code S = Σ q_i} as a long: integer addition is exact, so the sum has no order to fix.</li>
 *   <li>{@code f_i = 1 + floor(q_i · (T − 256) / S)}; the remainder {@code T − Σ f_i} (0..255) goes to
 *       the argmax, the lowest index winning ties.</li>
 * </ol>
 * Everything after the fp32 exp is integer arithmetic, so a CDF depends only on the logits' bits.
 */
public final class IntegerCdf {
    private IntegerCdf() { }

    /** Identifier of this procedure; part of every model id. */
    public static final String ID = "nct-cdf-v1";
    public static final int SYMBOLS = 256;
    /** The default total 2^16. */
    public static final int DEFAULT_PRECISION = 16;
    /** The paper's setting, total 2^14. */
    public static final int PAPER_PRECISION = 14;

    /** Checks that a precision (log2 of the total) is supported: 9..16. */
    public static int checkPrecision(int precision) {
        if (precision < 9 || precision > 16) {
            throw new IllegalArgumentException("CDF precision must be 9..16 bits, got " + precision);
        }
        return precision;
    }

    /**
     * Fills {@code cum[0..256]} from {@code logits[off..off+256)} with total {@code 2^precision}.
     * Allocates nothing.
     */
    public static void fromLogits(float[] logits, int off, int precision, int[] cum) {
        checkPrecision(precision);
        if (cum.length < SYMBOLS + 1) throw new IllegalArgumentException("a CDF needs " + (SYMBOLS + 1) + " entries");
        IntegerCdfRow.fromLogits(MemorySegment.ofArray(logits), off, precision, MemorySegment.ofArray(cum), 0);
    }

    /**
     * Fills {@code cum[0..256]} from non-negative integer weights (e.g. byte counts), total
     * {@code 2^precision}: {@code f_i = 1 + floor(w_i·(T−256)/Σw)}, the remainder to the largest
     * weight (lowest index on ties); all-zero weights give the uniform table.
     */
    public static void fromWeights(long[] weights, int precision, int[] cum) {
        int total = 1 << checkPrecision(precision);
        long s = 0;
        int argmax = 0;
        for (int i = 0; i < SYMBOLS; i++) {
            long w = weights[i];
            if (w < 0 || w > (1L << 40)) throw new IllegalArgumentException("weight out of range: " + w);
            if (w > weights[argmax]) argmax = i;
            s += w;
        }
        if (s == 0) {
            for (int i = 0; i <= SYMBOLS; i++) cum[i] = i * (total / SYMBOLS);
            return;
        }
        long spread = total - SYMBOLS;
        int sumF = 0;
        for (int i = 0; i < SYMBOLS; i++) {
            int f = 1 + (int) ((weights[i] * spread) / s);
            cum[i + 1] = f;
            sumF += f;
        }
        finish(cum, argmax, total, sumF);
    }

    private static void finish(int[] cum, int argmax, int total, int sumF) {
        cum[argmax + 1] += total - sumF;
        cum[0] = 0;
        for (int i = 1; i <= SYMBOLS; i++) cum[i] += cum[i - 1];
    }

    /** Validates a table: cum[0] = 0, cum[256] = total, every symbol ≥ 1 count. */
    public static void check(int[] cum, int total) {
        if (cum.length < SYMBOLS + 1 || cum[0] != 0 || cum[SYMBOLS] != total) {
            throw new IllegalStateException("invalid CDF: cum[0]=" + cum[0] + ", cum[256]=" + cum[SYMBOLS] + ", total " + total);
        }
        for (int i = 0; i < SYMBOLS; i++) {
            if (cum[i + 1] <= cum[i]) throw new IllegalStateException("invalid CDF: symbol " + i + " has no count");
        }
    }
}
