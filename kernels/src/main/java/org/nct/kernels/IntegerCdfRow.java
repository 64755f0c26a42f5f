package org.nct.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar definition of logits → integer CDF (procedure {@code nct-cdf-v1}); every backend's
 * {@link Kernels#cdfRows} gives these bits.
 *
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
public final class IntegerCdfRow {
    private IntegerCdfRow() { }

    public static final int SYMBOLS = 256;
    /** 2^30: the fixed-point scale of the weights q_i. */
    public static final float FIXED_ONE = 1 << 30;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

    /** Fills cum[cumOff .. cumOff+256] from logits[lOff .. lOff+256) with total 2^precision (9..16). */
    public static void fromLogits(MemorySegment logits, long lOff, int precision, MemorySegment cum, long cumOff) {
        int total = 1 << precision;
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < SYMBOLS; i++) {
            float z = logits.getAtIndex(F, lOff + i);
            if (z > m) m = z;                      // NaN never compares greater
        }
        if (m == Float.NEGATIVE_INFINITY) {
            uniform(cum, cumOff, total);
            return;
        }
        // q_i, held in cum[i + 1] until the prefix sums overwrite it
        long s = 0;
        int argmax = -1;
        for (int i = 0; i < SYMBOLS; i++) {
            float z = logits.getAtIndex(F, lOff + i);
            int q;
            if (z == m) {
                q = 1 << 30;
                if (argmax < 0) argmax = i;
            } else if (z != z || m == Float.POSITIVE_INFINITY) {
                q = 0;
            } else {
                q = (int) (NctMath.exp(z - m) * FIXED_ONE);
            }
            cum.setAtIndex(I, cumOff + i + 1, q);
            s += q;
        }
        spread(cum, cumOff, s, argmax, total);
    }

    /** cum = i·(total/256): the table of no information. */
    public static void uniform(MemorySegment cum, long cumOff, int total) {
        for (int i = 0; i <= SYMBOLS; i++) cum.setAtIndex(I, cumOff + i, i * (total / SYMBOLS));
    }

    /**
     * Weights q_i (≤ 2^30, summing to s &gt; 0) held in cum[cumOff+1 .. cumOff+256] → counts
     * {@code 1 + floor(q_i·(T−256)/s)}, the remainder to argmax → prefix sums from cum[cumOff] = 0.
     */
    public static void spread(MemorySegment cum, long cumOff, long s, int argmax, int total) {
        long spread = total - SYMBOLS;
        int sumF = 0;
        for (int i = 1; i <= SYMBOLS; i++) {
            int f = 1 + (int) ((cum.getAtIndex(I, cumOff + i) * spread) / s);
            cum.setAtIndex(I, cumOff + i, f);
            sumF += f;
        }
        long a = cumOff + argmax + 1;
        cum.setAtIndex(I, a, cum.getAtIndex(I, a) + total - sumF);
        int run = 0;
        cum.setAtIndex(I, cumOff, 0);
        for (int i = 1; i <= SYMBOLS; i++) {
            run += cum.getAtIndex(I, cumOff + i);
            cum.setAtIndex(I, cumOff + i, run);
        }
    }
}
