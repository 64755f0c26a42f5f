package org.nct.kernels.ops;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.nct.kernels.NctMath;

/**
 * The Vector API primitives of {@link VectorOps}, bit-identical to the scalar primitives of
 * {@link ScalarOps}.
 *
 * <p>Reductions keep the 16 canonical partials in 16/L vectors of L lanes (one 512-bit, two
 * 256-bit or four 128-bit vectors): partial j is lane j mod L of vector j / L. A ragged tail is
 * handled with masked loads and a blend, so inactive lanes keep their partial untouched. The fixed
 * pairwise tree (w = 8, 4, 2, 1: p[j] += p[j + w]) first adds whole vectors while the partials span
 * several, then adds lane-shifted copies within one vector; never {@code reduceLanes(ADD)}.
 *
 * <p>Elementwise primitives process whole vectors and return how many elements they did; the
 * caller finishes the tail with the scalar primitive (same per-element operations).
 *
 * <p>The species is a {@code static final} constant of each subclass, so a process that uses one
 * width gets machine vectors (the Vector API needs a constant species to compile to SIMD).
 */
abstract sealed class Lanes permits Lanes.W128, Lanes.W256, Lanes.W512 {

    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    static Lanes of(VectorSpecies<Float> species) {
        return switch (species.vectorBitSize()) {
            case 128 -> new W128();
            case 256 -> new W256();
            case 512 -> new W512();
            default -> throw new IllegalArgumentException("unsupported vector width " + species.vectorBitSize());
        };
    }

    abstract VectorSpecies<Float> species();

    abstract VectorSpecies<Integer> intSpecies();

    /** Lane j takes lane (j + w) mod L, for w in 1, 2, 4, 8. */
    abstract VectorShuffle<Float> shift(int w);

    // ------------------------------------------------------------------ loads and stores (element offsets)

    private static FloatVector ld(VectorSpecies<Float> s, MemorySegment m, long i) {
        return FloatVector.fromMemorySegment(s, m, i * Float.BYTES, NATIVE);
    }

    private static FloatVector ld(VectorSpecies<Float> s, MemorySegment m, long i, VectorMask<Float> k) {
        return FloatVector.fromMemorySegment(s, m, i * Float.BYTES, NATIVE, k);
    }

    private static void st(FloatVector v, MemorySegment m, long i) {
        v.intoMemorySegment(m, i * Float.BYTES, NATIVE);
    }

    private static void st(FloatVector v, MemorySegment m, long i, VectorMask<Float> k) {
        v.intoMemorySegment(m, i * Float.BYTES, NATIVE, k);
    }

    /** a·b + c, rounded once (lanewise Math.fma). */
    private static FloatVector fma(FloatVector a, float b, FloatVector c) {
        return a.fma(FloatVector.broadcast(a.species(), b), c);
    }

    /** The fixed tree over the 16 partials held in p0..p3 (only the first 16/L are used). */
    private float tree(FloatVector p0, FloatVector p1, FloatVector p2, FloatVector p3) {
        int l = species().length();
        if (l == 4) {           // w = 8 across vectors
            p0 = p0.add(p2);
            p1 = p1.add(p3);
        }
        if (l <= 8) p0 = p0.add(p1);                      // w = 8 (256-bit) or w = 4 (128-bit)
        if (l == 16) p0 = p0.add(p0.rearrange(shift(8)));
        if (l >= 8) p0 = p0.add(p0.rearrange(shift(4)));
        p0 = p0.add(p0.rearrange(shift(2)));
        p0 = p0.add(p0.rearrange(shift(1)));
        return p0.lane(0);
    }

    // ------------------------------------------------------------------ reductions

    /** Canonical 16-partial dot (see ScalarOps#dot16). */
    final float dot16(MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        FloatVector z = FloatVector.zero(s), p0 = z, p1 = z, p2 = z, p3 = z;
        long full = n & ~15L, i = 0;
        for (; i < full; i += 16) {
            p0 = ld(s, a, aOff + i).fma(ld(s, b, bOff + i), p0);
            if (l < 16) p1 = ld(s, a, aOff + i + l).fma(ld(s, b, bOff + i + l), p1);
            if (l < 8) {
                p2 = ld(s, a, aOff + i + 2 * l).fma(ld(s, b, bOff + i + 2 * l), p2);
                p3 = ld(s, a, aOff + i + 3 * l).fma(ld(s, b, bOff + i + 3 * l), p3);
            }
        }
        if (i < n) {
            int rem = (int) (n - i);
            VectorMask<Float> k = s.indexInRange(0, rem);
            p0 = p0.blend(ld(s, a, aOff + i, k).fma(ld(s, b, bOff + i, k), p0), k);
            if (l < 16) {
                k = s.indexInRange(l, rem);
                p1 = p1.blend(ld(s, a, aOff + i + l, k).fma(ld(s, b, bOff + i + l, k), p1), k);
            }
            if (l < 8) {
                k = s.indexInRange(2 * l, rem);
                p2 = p2.blend(ld(s, a, aOff + i + 2 * l, k).fma(ld(s, b, bOff + i + 2 * l, k), p2), k);
                k = s.indexInRange(3 * l, rem);
                p3 = p3.blend(ld(s, a, aOff + i + 3 * l, k).fma(ld(s, b, bOff + i + 3 * l, k), p3), k);
            }
        }
        return tree(p0, p1, p2, p3);
    }

    /** Canonical 16-partial sum of x, or of fma(x, x, eps) when squares (see ScalarOps#sum16, #sumSqEps16). */
    final float sum16(MemorySegment x, long xOff, long n, boolean squares, float eps) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        FloatVector z = FloatVector.zero(s), p0 = z, p1 = z, p2 = z, p3 = z;
        long full = n & ~15L, i = 0;
        for (; i < full; i += 16) {
            p0 = p0.add(term(ld(s, x, xOff + i), squares, eps));
            if (l < 16) p1 = p1.add(term(ld(s, x, xOff + i + l), squares, eps));
            if (l < 8) {
                p2 = p2.add(term(ld(s, x, xOff + i + 2 * l), squares, eps));
                p3 = p3.add(term(ld(s, x, xOff + i + 3 * l), squares, eps));
            }
        }
        if (i < n) {
            int rem = (int) (n - i);
            VectorMask<Float> k = s.indexInRange(0, rem);
            p0 = p0.blend(p0.add(term(ld(s, x, xOff + i, k), squares, eps)), k);
            if (l < 16) {
                k = s.indexInRange(l, rem);
                p1 = p1.blend(p1.add(term(ld(s, x, xOff + i + l, k), squares, eps)), k);
            }
            if (l < 8) {
                k = s.indexInRange(2 * l, rem);
                p2 = p2.blend(p2.add(term(ld(s, x, xOff + i + 2 * l, k), squares, eps)), k);
                k = s.indexInRange(3 * l, rem);
                p3 = p3.blend(p3.add(term(ld(s, x, xOff + i + 3 * l, k), squares, eps)), k);
            }
        }
        return tree(p0, p1, p2, p3);
    }

    private static FloatVector term(FloatVector x, boolean squares, float eps) {
        return squares ? x.fma(x, FloatVector.broadcast(x.species(), eps)) : x;
    }

    /** e = exp(x − max), stored to out unless null; returns the 16-partial sum of e (see ScalarOps#expSum16). */
    final float expSum16(MemorySegment x, long xOff, MemorySegment out, long outOff, long n, float max) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        FloatVector z = FloatVector.zero(s), p0 = z, p1 = z, p2 = z, p3 = z;
        long full = n & ~15L, i = 0;
        for (; i < full; i += 16) {
            p0 = p0.add(expStore(ld(s, x, xOff + i).sub(max), out, outOff + i));
            if (l < 16) p1 = p1.add(expStore(ld(s, x, xOff + i + l).sub(max), out, outOff + i + l));
            if (l < 8) {
                p2 = p2.add(expStore(ld(s, x, xOff + i + 2 * l).sub(max), out, outOff + i + 2 * l));
                p3 = p3.add(expStore(ld(s, x, xOff + i + 3 * l).sub(max), out, outOff + i + 3 * l));
            }
        }
        if (i < n) {
            int rem = (int) (n - i);
            VectorMask<Float> k = s.indexInRange(0, rem);
            p0 = p0.blend(p0.add(expStore(ld(s, x, xOff + i, k).sub(max), out, outOff + i, k)), k);
            if (l < 16) {
                k = s.indexInRange(l, rem);
                p1 = p1.blend(p1.add(expStore(ld(s, x, xOff + i + l, k).sub(max), out, outOff + i + l, k)), k);
            }
            if (l < 8) {
                k = s.indexInRange(2 * l, rem);
                p2 = p2.blend(p2.add(expStore(ld(s, x, xOff + i + 2 * l, k).sub(max), out, outOff + i + 2 * l, k)), k);
                k = s.indexInRange(3 * l, rem);
                p3 = p3.blend(p3.add(expStore(ld(s, x, xOff + i + 3 * l, k).sub(max), out, outOff + i + 3 * l, k)), k);
            }
        }
        return tree(p0, p1, p2, p3);
    }

    private FloatVector expStore(FloatVector x, MemorySegment out, long i) {
        FloatVector e = exp(x);
        if (out != null) st(e, out, i);
        return e;
    }

    private FloatVector expStore(FloatVector x, MemorySegment out, long i, VectorMask<Float> k) {
        FloatVector e = exp(x);
        if (out != null) st(e, out, i, k);
        return e;
    }

    /** 16-partial sum of fma(dout[i]·gain[i], x[i], p) (see ScalarOps#rmsnormGradDot). */
    final float rmsnormGradDot(MemorySegment dout, long doOff, MemorySegment gain, long gOff, MemorySegment x, long xOff, int n) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        FloatVector z = FloatVector.zero(s), p0 = z, p1 = z, p2 = z, p3 = z;
        int full = n & ~15, i = 0;
        for (; i < full; i += 16) {
            p0 = ld(s, dout, doOff + i).mul(ld(s, gain, gOff + i)).fma(ld(s, x, xOff + i), p0);
            if (l < 16) p1 = ld(s, dout, doOff + i + l).mul(ld(s, gain, gOff + i + l)).fma(ld(s, x, xOff + i + l), p1);
            if (l < 8) {
                p2 = ld(s, dout, doOff + i + 2 * l).mul(ld(s, gain, gOff + i + 2 * l)).fma(ld(s, x, xOff + i + 2 * l), p2);
                p3 = ld(s, dout, doOff + i + 3 * l).mul(ld(s, gain, gOff + i + 3 * l)).fma(ld(s, x, xOff + i + 3 * l), p3);
            }
        }
        if (i < n) {
            int rem = n - i;
            for (int q = 0; q < 16 / l; q++) {
                VectorMask<Float> k = s.indexInRange(q * l, rem);
                long o = i + (long) q * l;
                FloatVector t = ld(s, dout, doOff + o, k).mul(ld(s, gain, gOff + o, k));
                switch (q) {
                    case 0 -> p0 = p0.blend(t.fma(ld(s, x, xOff + o, k), p0), k);
                    case 1 -> p1 = p1.blend(t.fma(ld(s, x, xOff + o, k), p1), k);
                    case 2 -> p2 = p2.blend(t.fma(ld(s, x, xOff + o, k), p2), k);
                    default -> p3 = p3.blend(t.fma(ld(s, x, xOff + o, k), p3), k);
                }
            }
        }
        return tree(p0, p1, p2, p3);
    }

    /** max over x[0..n); MAX is order-free (Math.max semantics). Returns -inf for n == 0 whole vectors. */
    final float max(MemorySegment x, long xOff, long n) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        long full = n - n % l;
        FloatVector m = FloatVector.broadcast(s, Float.NEGATIVE_INFINITY);
        for (long i = 0; i < full; i += l) m = m.max(ld(s, x, xOff + i));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (long i = full; i < n; i++) r = Math.max(r, x.getAtIndex(ScalarOps.F, xOff + i));
        return r;
    }

    // ------------------------------------------------------------------ NctMath, lanewise

    /** NctMath.exp, lanewise, with exactly its steps. */
    final FloatVector exp(FloatVector x) {
        FloatVector kf = x.fma(NctMath.LOG2E, NctMath.ROUND_MAGIC).sub(NctMath.ROUND_MAGIC);
        FloatVector r = fma(kf, -NctMath.LN2_HI, x);
        r = fma(kf, -NctMath.LN2_LO, r);
        FloatVector p = r.fma(NctMath.E0, NctMath.E1);
        p = p.fma(r, FloatVector.broadcast(x.species(), NctMath.E2));
        p = p.fma(r, FloatVector.broadcast(x.species(), NctMath.E3));
        p = p.fma(r, FloatVector.broadcast(x.species(), NctMath.E4));
        p = p.fma(r, FloatVector.broadcast(x.species(), NctMath.E5));
        FloatVector r2 = r.mul(r);
        FloatVector y = p.fma(r2, r).add(1f);
        IntVector n = (IntVector) kf.convertShape(VectorOperators.F2I, intSpecies(), 0);
        IntVector n1 = n.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = n.sub(n1);
        FloatVector e = y.mul(pow2(n1)).mul(pow2(n2));
        e = e.blend(0f, x.lt(NctMath.EXP_LO));
        e = e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, NctMath.EXP_HI));
        return e.blend(x, x.test(VectorOperators.IS_NAN));
    }

    private static FloatVector pow2(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** NctMath.log, lanewise, with exactly its steps. */
    final FloatVector log(FloatVector x) {
        VectorSpecies<Integer> is = intSpecies();
        IntVector bits = x.reinterpretAsInts();
        VectorMask<Integer> sub = bits.compare(VectorOperators.LT, 0x00800000);   // subnormal or zero (or negative)
        FloatVector xs = x.blend(x.mul(8388608f), sub.cast(x.species()));
        bits = xs.reinterpretAsInts();
        IntVector e = IntVector.zero(is).blend(-23, sub)
                .add(bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(126));
        FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
        VectorMask<Float> small = m.lt(NctMath.SQRTHF);
        e = e.sub(IntVector.broadcast(is, 1).blend(0, small.not().cast(is)));
        m = m.add(m).sub(1f).blend(m.sub(1f), small.not());
        FloatVector fe = (FloatVector) e.convertShape(VectorOperators.I2F, x.species(), 0);
        FloatVector z = m.mul(m);
        FloatVector p = m.fma(NctMath.L0, NctMath.L1);
        p = p.fma(m, FloatVector.broadcast(x.species(), NctMath.L2));
        p = p.fma(m, FloatVector.broadcast(x.species(), NctMath.L3));
        p = p.fma(m, FloatVector.broadcast(x.species(), NctMath.L4));
        p = p.fma(m, FloatVector.broadcast(x.species(), NctMath.L5));
        p = p.fma(m, FloatVector.broadcast(x.species(), NctMath.L6));
        p = p.fma(m, FloatVector.broadcast(x.species(), NctMath.L7));
        p = p.fma(m, FloatVector.broadcast(x.species(), NctMath.L8));
        FloatVector y = m.mul(z).mul(p);
        y = fma(fe, NctMath.LN2_LO, y);
        y = fma(z, -0.5f, y);
        FloatVector r = m.add(y);
        FloatVector out = fma(fe, NctMath.LN2_HI, r);
        out = out.blend(Float.POSITIVE_INFINITY, x.eq(Float.POSITIVE_INFINITY));
        out = out.blend(Float.NEGATIVE_INFINITY, x.eq(0f));
        return out.blend(Float.NaN, x.lt(0f).or(x.test(VectorOperators.IS_NAN)));
    }

    // ------------------------------------------------------------------ elementwise (return elements done)

    /**
     * out[i] = chain over s of fma(w[s·wStride], rows[s·rStride + i], acc) from out[i] or 0, for
     * the whole vectors of i in [0, d); accumulators stay in registers (4 vectors at a time).
     */
    final int weightedRowSum(MemorySegment out, long outOff, boolean accumulate, MemorySegment w, long wOff, long wStride,
                             int n, MemorySegment rows, long rOff, long rStride, int d) {
        VectorSpecies<Float> s = species();
        int l = s.length(), full = d - d % l, i = 0;
        FloatVector z = FloatVector.zero(s);
        for (; i + 4 * l <= full; i += 4 * l) {
            long o = outOff + i;
            FloatVector a0 = accumulate ? ld(s, out, o) : z, a1 = accumulate ? ld(s, out, o + l) : z;
            FloatVector a2 = accumulate ? ld(s, out, o + 2 * l) : z, a3 = accumulate ? ld(s, out, o + 3 * l) : z;
            for (int k = 0; k < n; k++) {
                FloatVector wv = FloatVector.broadcast(s, w.getAtIndex(ScalarOps.F, wOff + k * wStride));
                long r = rOff + k * rStride + i;
                a0 = ld(s, rows, r).fma(wv, a0);
                a1 = ld(s, rows, r + l).fma(wv, a1);
                a2 = ld(s, rows, r + 2 * l).fma(wv, a2);
                a3 = ld(s, rows, r + 3 * l).fma(wv, a3);
            }
            st(a0, out, o); st(a1, out, o + l); st(a2, out, o + 2 * l); st(a3, out, o + 3 * l);
        }
        for (; i < full; i += l) {
            long o = outOff + i;
            FloatVector a0 = accumulate ? ld(s, out, o) : z;
            for (int k = 0; k < n; k++) {
                a0 = ld(s, rows, rOff + k * rStride + i).fma(FloatVector.broadcast(s, w.getAtIndex(ScalarOps.F, wOff + k * wStride)), a0);
            }
            st(a0, out, o);
        }
        return full;
    }

    final long scale(MemorySegment out, long outOff, MemorySegment x, long xOff, long n, float f) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) st(ld(s, x, xOff + i).mul(f), out, outOff + i);
        return full;
    }

    final long zero(MemorySegment out, long outOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        FloatVector z = FloatVector.zero(s);
        for (long i = 0; i < full; i += s.length()) st(z, out, outOff + i);
        return full;
    }

    final long add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) st(ld(s, a, aOff + i).add(ld(s, b, bOff + i)), out, outOff + i);
        return full;
    }

    final long reluGate(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            st(ld(s, gate, gOff + i).max(0f).mul(ld(s, up, uOff + i)), out, outOff + i);
        }
        return full;
    }

    final long reluGateBackward(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout, long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            FloatVector g = ld(s, gate, gOff + i), dy = ld(s, dout, doOff + i);
            FloatVector dg = ld(s, dgate, dgOff + i);
            st(dg.blend(dg.add(dy.mul(ld(s, up, uOff + i))), g.compare(VectorOperators.GT, 0f)), dgate, dgOff + i);
            st(ld(s, dup, duOff + i).add(g.max(0f).mul(dy)), dup, duOff + i);
        }
        return full;
    }

    final long adamw(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        float omb1 = 1f - b1, omb2 = 1f - b2;
        FloatVector vb1 = FloatVector.broadcast(s, b1), vb2 = FloatVector.broadcast(s, b2);
        for (long i = 0; i < full; i += s.length()) {
            FloatVector gi = ld(s, g, gOff + i);
            FloatVector mi = vb1.fma(ld(s, m, mOff + i), gi.mul(omb1));
            FloatVector vi = vb2.fma(ld(s, v, vOff + i), gi.mul(omb2).mul(gi));
            st(mi, m, mOff + i);
            st(vi, v, vOff + i);
            FloatVector pi = ld(s, p, pOff + i);
            FloatVector u = mi.div(c1).div(vi.div(c2).sqrt().add(eps));
            u = fma(pi, wd, u);
            st(fma(u, -lr, pi), p, pOff + i);
        }
        return full;
    }

    final int rmsnormRow(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, int c, float rs) {
        VectorSpecies<Float> s = species();
        int full = c - c % s.length();
        for (int i = 0; i < full; i += s.length()) {
            st(ld(s, x, xOff + i).mul(rs).mul(ld(s, gain, gOff + i)), out, outOff + i);
        }
        return full;
    }

    final int rmsnormBackwardRow(MemorySegment dx, long dxOff, MemorySegment dout, long doOff, MemorySegment gain, long gOff, MemorySegment x, long xOff, int c, float rs, float c2) {
        VectorSpecies<Float> s = species();
        int full = c - c % s.length();
        FloatVector vc2 = FloatVector.broadcast(s, c2);
        for (int i = 0; i < full; i += s.length()) {
            FloatVector gd = ld(s, dout, doOff + i).mul(ld(s, gain, gOff + i));
            FloatVector t = ld(s, x, xOff + i).neg().fma(vc2, gd);
            st(ld(s, dx, dxOff + i).add(t.mul(rs)), dx, dxOff + i);
        }
        return full;
    }

    final int rmsnormGainRow(MemorySegment dgain, long dgOff, MemorySegment dout, long doOff, MemorySegment x, long xOff, int n, float rs) {
        VectorSpecies<Float> s = species();
        int full = n - n % s.length();
        for (int i = 0; i < full; i += s.length()) {
            st(ld(s, x, xOff + i).mul(rs).fma(ld(s, dout, doOff + i), ld(s, dgain, dgOff + i)), dgain, dgOff + i);
        }
        return full;
    }

    final int softmaxBackwardRow(MemorySegment ds, long dsOff, MemorySegment p, long pOff, int n, float rowDot) {
        VectorSpecies<Float> s = species();
        int full = n - n % s.length();
        for (int i = 0; i < full; i += s.length()) {
            st(ld(s, p, pOff + i).mul(ld(s, ds, dsOff + i).sub(rowDot)), ds, dsOff + i);
        }
        return full;
    }

    final int softmaxGradRow(MemorySegment d, long dOff, MemorySegment l, long lOff, int n, float lse, float f, float scale) {
        VectorSpecies<Float> s = species();
        int full = n - n % s.length();
        for (int i = 0; i < full; i += s.length()) {
            st(exp(ld(s, l, lOff + i).sub(lse)).mul(f).mul(scale), d, dOff + i);
        }
        return full;
    }

    final int addSqEps(MemorySegment acc, long accOff, MemorySegment g, long gOff, int n, float eps1) {
        VectorSpecies<Float> s = species();
        int full = n - n % s.length();
        FloatVector e = FloatVector.broadcast(s, eps1);
        for (int i = 0; i < full; i += s.length()) {
            FloatVector x = ld(s, g, gOff + i);
            st(ld(s, acc, accOff + i).add(x.fma(x, e)), acc, accOff + i);
        }
        return full;
    }

    final int adafactorColFactors(MemorySegment vc, long vcOff, MemorySegment col, long colOff, int cols, float beta2, float omb, int rows) {
        VectorSpecies<Float> s = species();
        int full = cols - cols % s.length();
        FloatVector vb = FloatVector.broadcast(s, beta2);
        for (int j = 0; j < full; j += s.length()) {
            FloatVector v = vb.fma(ld(s, vc, vcOff + j), ld(s, col, colOff + j).div(rows).mul(omb));
            st(v, vc, vcOff + j);
            st(FloatVector.broadcast(s, 1f).div(v.sqrt()), col, colOff + j);
        }
        return full;
    }

    final int adafactorFactoredRow(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment colFactor, long cfOff, int cols, float rowFactor) {
        VectorSpecies<Float> s = species();
        int full = cols - cols % s.length();
        for (int j = 0; j < full; j += s.length()) {
            st(ld(s, g, gOff + j).mul(rowFactor).mul(ld(s, colFactor, cfOff + j)), u, uOff + j);
        }
        return full;
    }

    final long adafactorUnfactored(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment v, long vOff, long n, float beta2, float omb, float eps1) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        FloatVector vb = FloatVector.broadcast(s, beta2), e = FloatVector.broadcast(s, eps1), one = FloatVector.broadcast(s, 1f);
        for (long i = 0; i < full; i += s.length()) {
            FloatVector gi = ld(s, g, gOff + i);
            FloatVector vi = vb.fma(ld(s, v, vOff + i), gi.fma(gi, e).mul(omb));
            st(vi, v, vOff + i);
            st(gi.mul(one.div(vi.sqrt())), u, uOff + i);
        }
        return full;
    }

    final long adafactorUpdate(MemorySegment p, long pOff, MemorySegment u, long uOff, long n, float denom, float step) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            st(ld(s, p, pOff + i).sub(ld(s, u, uOff + i).div(denom).mul(step)), p, pOff + i);
        }
        return full;
    }

    // ------------------------------------------------------------------ widths

    static final class W128 extends Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;
        private static final VectorSpecies<Integer> IS = IntVector.SPECIES_128;
        private static final VectorShuffle<Float> R1 = VectorShuffle.iota(S, 1, 1, true), R2 = VectorShuffle.iota(S, 2, 1, true);
        @Override VectorSpecies<Float> species() { return S; }
        @Override VectorSpecies<Integer> intSpecies() { return IS; }
        @Override VectorShuffle<Float> shift(int w) { return w == 1 ? R1 : R2; }
    }

    static final class W256 extends Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
        private static final VectorSpecies<Integer> IS = IntVector.SPECIES_256;
        private static final VectorShuffle<Float> R1 = VectorShuffle.iota(S, 1, 1, true), R2 = VectorShuffle.iota(S, 2, 1, true),
                R4 = VectorShuffle.iota(S, 4, 1, true);
        @Override VectorSpecies<Float> species() { return S; }
        @Override VectorSpecies<Integer> intSpecies() { return IS; }
        @Override VectorShuffle<Float> shift(int w) { return w == 1 ? R1 : w == 2 ? R2 : R4; }
    }

    static final class W512 extends Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> IS = IntVector.SPECIES_512;
        private static final VectorShuffle<Float> R1 = VectorShuffle.iota(S, 1, 1, true), R2 = VectorShuffle.iota(S, 2, 1, true),
                R4 = VectorShuffle.iota(S, 4, 1, true), R8 = VectorShuffle.iota(S, 8, 1, true);
        @Override VectorSpecies<Float> species() { return S; }
        @Override VectorSpecies<Integer> intSpecies() { return IS; }
        @Override VectorShuffle<Float> shift(int w) { return w == 1 ? R1 : w == 2 ? R2 : w == 4 ? R4 : R8; }
    }
}
