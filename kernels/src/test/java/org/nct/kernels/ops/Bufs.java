package org.nct.kernels.ops;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.nct.kernels.Buffers;

/** Test helpers: off-heap buffers from/to arrays, random fills, NaN poisoning, error measures. */
final class Bufs {
    private Bufs() { }

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

    static MemorySegment of(Arena arena, float[] a) {
        MemorySegment s = Buffers.floats(arena, a.length);
        MemorySegment.copy(a, 0, s, F, 0, a.length);
        return s;
    }

    static MemorySegment ints(Arena arena, int[] a) {
        MemorySegment s = Buffers.ints(arena, a.length);
        MemorySegment.copy(a, 0, s, I, 0, a.length);
        return s;
    }

    /** n floats of NaN (an unwritten element then fails every comparison). */
    static MemorySegment poisoned(Arena arena, long n) {
        MemorySegment s = Buffers.floats(arena, n);
        poison(s);
        return s;
    }

    static void poison(MemorySegment s) {
        for (long i = 0; i < s.byteSize() / 4; i++) s.setAtIndex(F, i, Float.NaN);
    }

    static float[] get(MemorySegment s, long off, int n) {
        float[] a = new float[n];
        MemorySegment.copy(s, F, off * 4, a, 0, n);
        return a;
    }

    static float[] get(MemorySegment s) {
        return get(s, 0, (int) (s.byteSize() / 4));
    }

    /** Uniform in [lo, hi), never exactly zero. */
    static float[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            do { v = (float) (lo + (hi - lo) * rng.nextDouble()); } while (v == 0f);
            a[i] = v;
        }
        return a;
    }

    static float[] normal(SplittableRandom rng, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = rng.nextDouble(), u2 = rng.nextDouble();
            float v = (float) (sigma * Math.sqrt(-2 * Math.log1p(-u1)) * Math.cos(2 * Math.PI * u2));
            a[i] = v == 0f ? (float) sigma : v;
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** ‖got − ref‖₂ / ‖ref‖₂ (NaN if any element of got is NaN). */
    static double relErr(float[] got, double[] ref) {
        if (got.length != ref.length) throw new AssertionError("length " + got.length + " != " + ref.length);
        double num = 0, den = 0;
        for (int i = 0; i < got.length; i++) {
            if (Float.isNaN(got[i]) || Float.isInfinite(got[i])) return Double.NaN;
            double e = got[i] - ref[i];
            num += e * e;
            den += ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** Index of the first element whose raw bits differ, or -1. */
    static int firstBitDiff(float[] a, float[] b) {
        if (a.length != b.length) return 0;
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return i;
        }
        return -1;
    }
}
