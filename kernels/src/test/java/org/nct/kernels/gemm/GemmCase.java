package org.nct.kernels.gemm;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * One GEMM problem for the tests: random operands at element offsets inside larger segments,
 * a poisoned (NaN) output, the float64 reference and the exact fp32 chain of the definition.
 */
final class GemmCase {

    enum Form { FORWARD, BACKWARD_DATA, BACKWARD_WEIGHT }

    static final long PAD = 5; // element offset of every operand (not a multiple of a vector)

    final Form form;
    final int m, k, n;
    final boolean bias, accumulate;
    final MemorySegment a, b, biasSeg, out, initial;
    final int outRows, outCols, reduced;

    /**
     * FORWARD: out=Y(M,N), a=X(M,K), b=W(N,K); BACKWARD_DATA: out=dX(M,K), a=dY(M,N), b=W(N,K);
     * BACKWARD_WEIGHT: out=dW(N,K), a=dY(M,N), b=X(M,K).
     */
    GemmCase(Arena arena, SplittableRandom rnd, Form form, int m, int k, int n, boolean bias, boolean accumulate) {
        this.form = form;
        this.m = m; this.k = k; this.n = n;
        this.bias = bias; this.accumulate = accumulate;
        long aLen = switch (form) { case FORWARD -> (long) m * k; default -> (long) m * n; };
        long bLen = switch (form) { case BACKWARD_WEIGHT -> (long) m * k; default -> (long) n * k; };
        outRows = switch (form) { case BACKWARD_WEIGHT -> n; default -> m; };
        outCols = switch (form) { case FORWARD -> n; default -> k; };
        reduced = switch (form) { case FORWARD -> k; case BACKWARD_DATA -> n; case BACKWARD_WEIGHT -> m; };
        a = random(arena, rnd, aLen);
        b = random(arena, rnd, bLen);
        biasSeg = bias ? random(arena, rnd, n) : null;
        initial = random(arena, rnd, (long) outRows * outCols);
        out = arena.allocate((PAD + (long) outRows * outCols + PAD) * Float.BYTES, 64);
        poison();
    }

    private static MemorySegment random(Arena arena, SplittableRandom rnd, long len) {
        MemorySegment s = arena.allocate((PAD + len + PAD) * Float.BYTES, 64);
        for (long i = 0; i < PAD + len + PAD; i++) s.setAtIndex(JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
        return s;
    }

    /** The output holds NaN everywhere (the call must write every element), or the initial values when accumulating. */
    void poison() {
        for (long i = 0; i < PAD + (long) outRows * outCols + PAD; i++) out.setAtIndex(JAVA_FLOAT, i, Float.NaN);
        if (accumulate) MemorySegment.copy(initial, PAD * Float.BYTES, out, PAD * Float.BYTES, (long) outRows * outCols * Float.BYTES);
    }

    void run(ScalarGemm g) {
        switch (form) {
            case FORWARD -> g.matmul(out, PAD, a, PAD, b, PAD, biasSeg, PAD, m, k, n, accumulate);
            case BACKWARD_DATA -> g.matmulBackwardData(out, PAD, a, PAD, b, PAD, m, k, n, accumulate);
            case BACKWARD_WEIGHT -> g.matmulBackwardWeight(out, PAD, a, PAD, b, PAD, m, k, n, accumulate);
        }
    }

    void run(VectorGemm g) {
        switch (form) {
            case FORWARD -> g.matmul(out, PAD, a, PAD, b, PAD, biasSeg, PAD, m, k, n, accumulate);
            case BACKWARD_DATA -> g.matmulBackwardData(out, PAD, a, PAD, b, PAD, m, k, n, accumulate);
            case BACKWARD_WEIGHT -> g.matmulBackwardWeight(out, PAD, a, PAD, b, PAD, m, k, n, accumulate);
        }
    }

    /** FORWARD through {@link VectorGemm#matmulFixedWeights}. */
    void runFixedWeights(VectorGemm g) {
        g.matmulFixedWeights(out, PAD, a, PAD, b, PAD, biasSeg, PAD, m, k, n, accumulate);
    }

    /** New random values in A (the input rows), the weights B unchanged. */
    void refillA(SplittableRandom rnd) {
        for (long i = 0; i < a.byteSize() / Float.BYTES; i++) a.setAtIndex(JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
    }

    float outAt(int r, int c) {
        return out.getAtIndex(JAVA_FLOAT, PAD + (long) r * outCols + c);
    }

    int[] outputBits() {
        int[] bits = new int[outRows * outCols];
        for (int i = 0; i < bits.length; i++) bits[i] = Float.floatToRawIntBits(out.getAtIndex(JAVA_FLOAT, PAD + i));
        return bits;
    }

    private float start(int r, int c) {
        if (accumulate) return initial.getAtIndex(JAVA_FLOAT, PAD + (long) r * outCols + c);
        if (bias) return biasSeg.getAtIndex(JAVA_FLOAT, PAD + c);
        return 0f;
    }

    /** The two factors of step p of output (r,c)'s chain. */
    private float factorA(int r, int c, int p) {
        return switch (form) {
            case FORWARD -> a.getAtIndex(JAVA_FLOAT, PAD + (long) r * k + p);         // X[r,p]
            case BACKWARD_DATA -> a.getAtIndex(JAVA_FLOAT, PAD + (long) r * n + p);   // dY[r,p]
            case BACKWARD_WEIGHT -> a.getAtIndex(JAVA_FLOAT, PAD + (long) p * n + r); // dY[p,r]
        };
    }

    private float factorB(int r, int c, int p) {
        return switch (form) {
            case FORWARD -> b.getAtIndex(JAVA_FLOAT, PAD + (long) c * k + p);         // W[c,p]
            case BACKWARD_DATA -> b.getAtIndex(JAVA_FLOAT, PAD + (long) p * k + c);   // W[p,c]
            case BACKWARD_WEIGHT -> b.getAtIndex(JAVA_FLOAT, PAD + (long) p * k + c); // X[p,c]
        };
    }

    /** ‖out − ref‖ / ‖ref‖ with ref computed in float64. */
    double relativeErrorVsFloat64() {
        double num = 0, den = 0;
        for (int r = 0; r < outRows; r++) {
            for (int c = 0; c < outCols; c++) {
                double acc = start(r, c);
                for (int p = 0; p < reduced; p++) acc += (double) factorA(r, c, p) * factorB(r, c, p);
                double d = outAt(r, c) - acc;
                num += d * d;
                den += acc * acc;
            }
        }
        return Math.sqrt(num / den);
    }

    /** Every element equals, bit for bit, the fp32 fma chain of the definition; the padding is untouched. */
    void assertEqualsExactChain(String what) {
        for (int r = 0; r < outRows; r++) {
            for (int c = 0; c < outCols; c++) {
                float acc = start(r, c);
                for (int p = 0; p < reduced; p++) acc = Math.fma(factorA(r, c, p), factorB(r, c, p), acc);
                int got = Float.floatToRawIntBits(outAt(r, c));
                if (got != Float.floatToRawIntBits(acc)) {
                    assertEquals(acc, outAt(r, c), what + " at (" + r + "," + c + ")");
                    assertEquals(Float.floatToRawIntBits(acc), got, what + " sign of zero at (" + r + "," + c + ")");
                }
            }
        }
        assertPaddingUntouched(what);
    }

    /** The NaN padding around the output is untouched. */
    void assertPaddingUntouched(String what) {
        for (long i = 0; i < PAD; i++) {
            assertEquals(Float.NaN, out.getAtIndex(JAVA_FLOAT, i), what + ": wrote before the output");
            assertEquals(Float.NaN, out.getAtIndex(JAVA_FLOAT, PAD + (long) outRows * outCols + i), what + ": wrote after the output");
        }
    }
}
