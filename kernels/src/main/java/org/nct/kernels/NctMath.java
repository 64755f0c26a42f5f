package org.nct.kernels;

/**
 * The project's own {@code exp} and {@code log} in fp32, built only from correctly rounded IEEE
 * operations (+ − × ÷ fma sqrt) and exact bit manipulation, so that every backend (scalar,
 * Vector API, CUDA) computes the same bits. Cephes-style range reduction and minimax polynomials.
 * Vector implementations must follow exactly these steps, in this order.
 */
public final class NctMath {
    private NctMath() { }

    public static final float LOG2E = 1.44269504088896341f;
    public static final float LN2_HI = 0.693359375f;
    public static final float LN2_LO = -2.12194440e-4f;
    public static final float ROUND_MAGIC = 12582912f; // 1.5·2^23: fma(x, log2e, magic) − magic rounds to nearest
    public static final float EXP_HI = 88.7228391f;
    public static final float EXP_LO = -103.972084f;

    public static final float E0 = 1.9875691500E-4f, E1 = 1.3981999507E-3f, E2 = 8.3334519073E-3f,
            E3 = 4.1665795894E-2f, E4 = 1.6666665459E-1f, E5 = 5.0000001201E-1f;

    /** e^x with at most a few ulp error (see NctMathTest); exp(NaN)=NaN, exp(+inf)=+inf, exp(−inf)=0. */
    public static float exp(float x) {
        if (x != x) return x;
        if (x > EXP_HI) return Float.POSITIVE_INFINITY;
        if (x < EXP_LO) return 0f;
        float kf = Math.fma(x, LOG2E, ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(kf, -LN2_HI, x);
        r = Math.fma(kf, -LN2_LO, r);
        float p = Math.fma(E0, r, E1);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E5);
        float r2 = r * r;
        float y = Math.fma(p, r2, r) + 1f;
        int n = (int) kf;
        int n1 = n >> 1;
        int n2 = n - n1;
        return y * pow2(n1) * pow2(n2);
    }

    /** 2^n as a float for n in [-126, 127] (exact, by construction of the exponent bits). */
    static float pow2(int n) {
        return Float.intBitsToFloat((n + 127) << 23);
    }

    public static final float SQRTHF = 0.707106781186547524f;
    public static final float L0 = 7.0376836292E-2f, L1 = -1.1514610310E-1f, L2 = 1.1676998740E-1f,
            L3 = -1.2420140846E-1f, L4 = 1.4249322787E-1f, L5 = -1.6668057665E-1f,
            L6 = 2.0000714765E-1f, L7 = -2.4999993993E-1f, L8 = 3.3333331174E-1f;

    /** Natural logarithm; log(x&lt;0)=NaN, log(0)=−inf, log(+inf)=+inf. */
    public static float log(float x) {
        if (x != x || x < 0f) return Float.NaN;
        if (x == 0f) return Float.NEGATIVE_INFINITY;
        if (x == Float.POSITIVE_INFINITY) return x;
        int bits = Float.floatToRawIntBits(x);
        int e = 0;
        if (bits < 0x00800000) {            // subnormal: scale by 2^23 (exact)
            x = x * 8388608f;
            bits = Float.floatToRawIntBits(x);
            e = -23;
        }
        e += ((bits >>> 23) & 0xff) - 126;   // x = m·2^e with m in [0.5, 1)
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f000000);
        if (m < SQRTHF) {
            e -= 1;
            m = m + m - 1f;
        } else {
            m = m - 1f;
        }
        float fe = (float) e;
        float z = m * m;
        float p = Math.fma(L0, m, L1);
        p = Math.fma(p, m, L2);
        p = Math.fma(p, m, L3);
        p = Math.fma(p, m, L4);
        p = Math.fma(p, m, L5);
        p = Math.fma(p, m, L6);
        p = Math.fma(p, m, L7);
        p = Math.fma(p, m, L8);
        float y = m * z * p;
        y = Math.fma(fe, LN2_LO, y);
        y = Math.fma(-0.5f, z, y);
        float r = m + y;
        return Math.fma(fe, LN2_HI, r);
    }
}
