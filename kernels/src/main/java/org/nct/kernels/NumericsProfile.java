package org.nct.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The deterministic numerics profile. Its id goes into every model id and container header: bump
 * it whenever any kernel's bits change.
 *
 * <p>Canonical orders (every backend implements exactly these):
 * <ol>
 *   <li><b>GEMM</b>: each output is a sequential fp32 FMA chain over the reduced index.</li>
 *   <li><b>Row reductions</b> (sums, dots): the 16-partial sum. Partial j (0..15) accumulates
 *       elements i ≡ j (mod 16) in increasing i ({@code p[j] += x[i]}, or for dots
 *       {@code p[j] = fma(a[i], b[i], p[j])}); then the fixed pairwise tree
 *       {@code for w in 8,4,2,1: p[j] = p[j] + p[j+w] for j < w}; the result is p[0]. This order
 *       does not depend on the vector width (one 512-bit, two 256-bit or four 128-bit vectors).
 *       Max reductions are order-free.</li>
 *   <li><b>Transcendentals</b>: {@link NctMath#exp}, {@link NctMath#log}; 1/sqrt(x) is
 *       {@code 1f / (float) Math.sqrt(x)} (both correctly rounded).</li>
 * </ol>
 */
public final class NumericsProfile {
    private NumericsProfile() { }

    /** Version of the profile; part of model ids and container headers. */
    public static final String ID = "nct-fp32-det-v1";

    /**
     * The training step's profile: this one except attention, which uses
     * {@link Kernels#attentionForwardTraining}/{@link Kernels#attentionBackwardTraining} (scores
     * and dP as GEMM-order chains, the relative-bias gradient summed by distance first). Training
     * checkpoints and the experiment's training stages record it; the coding path never uses it,
     * so it is not part of model ids or container headers.
     */
    public static final String TRAINING_ID = "nct-fp32-det-v1+train-attn-v1";

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Canonical 16-partial sum of x[off..off+n) (scalar definition); p is caller-owned scratch of 16 floats. */
    public static float sum16(MemorySegment x, long off, long n, float[] p) {
        java.util.Arrays.fill(p, 0f);
        for (long i = 0; i < n; i++) {
            p[(int) (i & 15)] += x.getAtIndex(F, off + i);
        }
        return tree16(p);
    }

    /** Canonical 16-partial dot product of a[aOff..aOff+n) and b[bOff..bOff+n); p is scratch of 16 floats. */
    public static float dot16(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, float[] p) {
        java.util.Arrays.fill(p, 0f);
        for (long i = 0; i < n; i++) {
            int j = (int) (i & 15);
            p[j] = Math.fma(a.getAtIndex(F, aOff + i), b.getAtIndex(F, bOff + i), p[j]);
        }
        return tree16(p);
    }

    /** The fixed pairwise tree over 16 partials (destroys p). */
    public static float tree16(float[] p) {
        for (int w = 8; w >= 1; w >>= 1) {
            for (int j = 0; j < w; j++) p[j] = p[j] + p[j + w];
        }
        return p[0];
    }
}
