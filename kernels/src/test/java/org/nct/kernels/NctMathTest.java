package org.nct.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * NctMath exp/log against StrictMath in double, rounded to the ulp of the float result.
 *
 * <p>The sweep visits every STRIDE-th bit pattern (default 61: about 37 million exp and 35 million
 * log arguments, subnormals included). {@code -Dnct.ulp.stride=1} makes it exhaustive; measured
 * that way (docs/kernels-ops.md): exp max 1.0103 ulp at -0x1.782f42p2 over all 2,239,849,423
 * arguments in [EXP_LO, EXP_HI]; log max 0.8265 ulp at 0x1.69e472p0 over all 2,139,095,039
 * positive finite floats. Asserted bounds: exp ≤ 1.02 ulp, log ≤ 0.85 ulp.
 */
class NctMathTest {

    static final int STRIDE = Integer.getInteger("nct.ulp.stride", 61);
    static final double MAX_ULP_EXP = 1.02, MAX_ULP_LOG = 0.85;

    /** |got − exact| in units of the float ulp at exact (the smaller binade's ulp just below a power of two). */
    static double ulpError(float got, double exact) {
        float r = (float) exact;
        double u = Math.ulp(r);
        if (Math.abs(exact) < Math.abs(r) && Math.getExponent(r) > Float.MIN_EXPONENT
                && (Float.floatToRawIntBits(r) & 0x007fffff) == 0) {
            u /= 2;
        }
        return Math.abs(got - exact) / u;
    }

    @Test
    void expErrorOverADenseSweep() {
        double worst = 0;
        float worstAt = 0;
        long count = 0;
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += STRIDE) {
            float x = Float.intBitsToFloat((int) bits);
            if (!(x >= NctMath.EXP_LO && x <= NctMath.EXP_HI)) continue;
            double e = ulpError(NctMath.exp(x), StrictMath.exp(x));
            count++;
            if (e > worst) { worst = e; worstAt = x; }
        }
        System.out.printf("NctMath.exp: %d arguments, max error %.4f ulp at %s%n", count, worst, Float.toHexString(worstAt));
        assertTrue(count > 30_000_000L, "sweep too sparse: " + count);
        assertTrue(worst <= MAX_ULP_EXP, "exp: " + worst + " ulp at " + Float.toHexString(worstAt));
    }

    @Test
    void logErrorOverADenseSweepIncludingSubnormals() {
        double worst = 0;
        float worstAt = 0;
        long count = 0;
        for (long bits = 1; bits < 0x7F800000L; bits += STRIDE) {
            float x = Float.intBitsToFloat((int) bits);
            double e = ulpError(NctMath.log(x), StrictMath.log(x));
            count++;
            if (e > worst) { worst = e; worstAt = x; }
        }
        System.out.printf("NctMath.log: %d arguments, max error %.4f ulp at %s%n", count, worst, Float.toHexString(worstAt));
        assertTrue(count > 30_000_000L, "sweep too sparse: " + count);
        assertTrue(worst <= MAX_ULP_LOG, "log: " + worst + " ulp at " + Float.toHexString(worstAt));
    }

    @Test
    void expSpecialValues() {
        assertTrue(Float.isNaN(NctMath.exp(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, NctMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, NctMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(1f, NctMath.exp(0f));
        assertEquals(1f, NctMath.exp(-0f));
        assertEquals(Float.POSITIVE_INFINITY, NctMath.exp(89f));
        assertEquals(0f, NctMath.exp(-104f));
        assertEquals((float) StrictMath.exp(NctMath.EXP_HI), NctMath.exp(NctMath.EXP_HI));  // largest finite result
        assertEquals(Float.MIN_VALUE, NctMath.exp(Math.nextUp(NctMath.EXP_LO)));  // smallest subnormal result
        assertTrue(NctMath.exp(NctMath.EXP_LO) <= Float.MIN_VALUE);  // exact value is about MIN_VALUE/2
    }

    @Test
    void logSpecialValues() {
        assertTrue(Float.isNaN(NctMath.log(Float.NaN)));
        assertTrue(Float.isNaN(NctMath.log(-1f)));
        assertTrue(Float.isNaN(NctMath.log(Float.NEGATIVE_INFINITY)));
        assertEquals(Float.NEGATIVE_INFINITY, NctMath.log(0f));
        assertEquals(Float.NEGATIVE_INFINITY, NctMath.log(-0f));
        assertEquals(Float.POSITIVE_INFINITY, NctMath.log(Float.POSITIVE_INFINITY));
        assertEquals(0, Float.floatToRawIntBits(NctMath.log(1f)));
        assertEquals((float) StrictMath.log(Float.MIN_VALUE), NctMath.log(Float.MIN_VALUE));
        assertEquals((float) StrictMath.log(Float.MAX_VALUE), NctMath.log(Float.MAX_VALUE));
        assertEquals((float) StrictMath.log(2.0), NctMath.log(2f));
    }
}
