package org.nct.kernels.ops;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nct.kernels.IntegerCdfRow;
import org.nct.kernels.NctMath;
import org.nct.kernels.NumericsProfile;

/**
 * The Vector API code of {@link VectorPrimitives}, bit-identical to the scalar reference
 * {@link ScalarPrimitives}.
 *
 * <p>Reductions keep the 16 canonical partials in 16/L vectors of L lanes (one 512-bit, two
 * 256-bit or four 128-bit vectors): partial j is lane j mod L of vector j / L. After the whole
 * 16-element blocks the vectors are spilled to the caller's float[16], the ragged tail continues
 * in scalar code on the same partials, and the fixed pairwise tree runs on the array
 * ({@link NumericsProfile#tree16}); never {@code reduceLanes(ADD)}.
 *
 * <p>Elementwise primitives process whole vectors and return how many elements they did; the
 * caller finishes the tail with the scalar primitive (same per-element operations).
 *
 * <p>JIT rules this class follows: the species is a {@code static final} constant of each
 * subclass (a process that uses one width compiles to machine vectors), and no vector value
 * crosses a method boundary of this class (every vector expression is written inline with the
 * JDK's always-inlined calls), since a vector passed to a method that C2 declines to inline is
 * boxed on the heap.
 */
abstract sealed class Lanes permits Lanes.W128, Lanes.W256, Lanes.W512 {

    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Reduction modes of {@link #reduce16}. */
    static final int DOT = 0, SUM = 1, SQUARES_EPS = 2, PRODUCT_DOT = 3;

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

    // ------------------------------------------------------------------ reductions

    /**
     * The canonical 16-partial reduction over i = 0..n-1 of one term per element:
     * DOT {@code p = fma(a, b, p)}; SUM {@code p = p + a}; SQUARES_EPS {@code p = p + fma(a, a, eps)};
     * PRODUCT_DOT {@code p = fma(a·b, c, p)}. part is scratch of 16 floats.
     */
    final float reduce16(int mode, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
                         long n, float eps, float[] part) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        long vb = 4L * l, ao = aOff * 4, bo = bOff * 4, co = cOff * 4;
        long full = n & ~15L;
        FloatVector p0 = FloatVector.zero(s), p1 = p0, p2 = p0, p3 = p0;
        switch (mode) {
            case DOT -> {
                for (long i = 0; i < full; i += 16, ao += 64, bo += 64) {
                    p0 = FloatVector.fromMemorySegment(s, a, ao, NATIVE).fma(FloatVector.fromMemorySegment(s, b, bo, NATIVE), p0);
                    if (l < 16) p1 = FloatVector.fromMemorySegment(s, a, ao + vb, NATIVE).fma(FloatVector.fromMemorySegment(s, b, bo + vb, NATIVE), p1);
                    if (l < 8) {
                        p2 = FloatVector.fromMemorySegment(s, a, ao + 2 * vb, NATIVE).fma(FloatVector.fromMemorySegment(s, b, bo + 2 * vb, NATIVE), p2);
                        p3 = FloatVector.fromMemorySegment(s, a, ao + 3 * vb, NATIVE).fma(FloatVector.fromMemorySegment(s, b, bo + 3 * vb, NATIVE), p3);
                    }
                }
            }
            case SUM -> {
                for (long i = 0; i < full; i += 16, ao += 64) {
                    p0 = p0.add(FloatVector.fromMemorySegment(s, a, ao, NATIVE));
                    if (l < 16) p1 = p1.add(FloatVector.fromMemorySegment(s, a, ao + vb, NATIVE));
                    if (l < 8) {
                        p2 = p2.add(FloatVector.fromMemorySegment(s, a, ao + 2 * vb, NATIVE));
                        p3 = p3.add(FloatVector.fromMemorySegment(s, a, ao + 3 * vb, NATIVE));
                    }
                }
            }
            case SQUARES_EPS -> {
                FloatVector e = FloatVector.broadcast(s, eps);
                for (long i = 0; i < full; i += 16, ao += 64) {
                    FloatVector x0 = FloatVector.fromMemorySegment(s, a, ao, NATIVE);
                    p0 = p0.add(x0.fma(x0, e));
                    if (l < 16) {
                        FloatVector x1 = FloatVector.fromMemorySegment(s, a, ao + vb, NATIVE);
                        p1 = p1.add(x1.fma(x1, e));
                    }
                    if (l < 8) {
                        FloatVector x2 = FloatVector.fromMemorySegment(s, a, ao + 2 * vb, NATIVE);
                        FloatVector x3 = FloatVector.fromMemorySegment(s, a, ao + 3 * vb, NATIVE);
                        p2 = p2.add(x2.fma(x2, e));
                        p3 = p3.add(x3.fma(x3, e));
                    }
                }
            }
            case PRODUCT_DOT -> {
                for (long i = 0; i < full; i += 16, ao += 64, bo += 64, co += 64) {
                    p0 = FloatVector.fromMemorySegment(s, a, ao, NATIVE).mul(FloatVector.fromMemorySegment(s, b, bo, NATIVE))
                            .fma(FloatVector.fromMemorySegment(s, c, co, NATIVE), p0);
                    if (l < 16) p1 = FloatVector.fromMemorySegment(s, a, ao + vb, NATIVE).mul(FloatVector.fromMemorySegment(s, b, bo + vb, NATIVE))
                            .fma(FloatVector.fromMemorySegment(s, c, co + vb, NATIVE), p1);
                    if (l < 8) {
                        p2 = FloatVector.fromMemorySegment(s, a, ao + 2 * vb, NATIVE).mul(FloatVector.fromMemorySegment(s, b, bo + 2 * vb, NATIVE))
                                .fma(FloatVector.fromMemorySegment(s, c, co + 2 * vb, NATIVE), p2);
                        p3 = FloatVector.fromMemorySegment(s, a, ao + 3 * vb, NATIVE).mul(FloatVector.fromMemorySegment(s, b, bo + 3 * vb, NATIVE))
                                .fma(FloatVector.fromMemorySegment(s, c, co + 3 * vb, NATIVE), p3);
                    }
                }
            }
            default -> throw new IllegalArgumentException("mode " + mode);
        }
        partials(p0, p1, p2, p3, part);
        for (long i = full; i < n; i++) {
            int j = (int) (i & 15);
            float x = a.getAtIndex(ScalarPrimitives.F, aOff + i);
            part[j] = switch (mode) {
                case DOT -> Math.fma(x, b.getAtIndex(ScalarPrimitives.F, bOff + i), part[j]);
                case SUM -> part[j] + x;
                case SQUARES_EPS -> part[j] + Math.fma(x, x, eps);
                default -> Math.fma(x * b.getAtIndex(ScalarPrimitives.F, bOff + i), c.getAtIndex(ScalarPrimitives.F, cOff + i), part[j]);
            };
        }
        return NumericsProfile.tree16(part);
    }

    /** The 16 partials held in p0 (and p1..p3 below 512 bits) into part[0..16), partial j at index j. */
    private void partials(FloatVector p0, FloatVector p1, FloatVector p2, FloatVector p3, float[] part) {
        int l = species().length();
        p0.intoArray(part, 0);
        if (l < 16) p1.intoArray(part, l);
        if (l < 8) {
            p2.intoArray(part, 2 * l);
            p3.intoArray(part, 3 * l);
        }
    }

    /** {@link NumericsProfile#tree16} of the 16 partials held in p0..p3 (part is scratch). */
    private float tree16(FloatVector p0, FloatVector p1, FloatVector p2, FloatVector p3, float[] part) {
        partials(p0, p1, p2, p3, part);
        return NumericsProfile.tree16(part);
    }

    /**
     * out[s] = dot16(q, key s) for the whole vectors of keys s in [0, n), keys transposed (element i
     * of key s at kt[ktOff + i·ktStride + s]): lanes are keys, the 16 partials are 16 vectors
     * (partial j gets i ≡ j mod 16 in increasing i), then the fixed tree as whole-vector adds.
     * d must be a multiple of 16 (the caller uses the scalar primitive otherwise).
     */
    final int scoresTransposed(MemorySegment out, long outOff, MemorySegment q, long qOff,
                               MemorySegment kt, long ktOff, long ktStride, int n, int d) {
        VectorSpecies<Float> s = species();
        int l = s.length(), full = n - n % l;
        long rs = ktStride * 4;
        for (int k = 0; k < full; k += l) {
            FloatVector z = FloatVector.zero(s);
            FloatVector p0 = z, p1 = z, p2 = z, p3 = z, p4 = z, p5 = z, p6 = z, p7 = z,
                    p8 = z, p9 = z, p10 = z, p11 = z, p12 = z, p13 = z, p14 = z, p15 = z;
            long base = (ktOff + k) * 4;
            for (int i = 0; i < d; i += 16) {
                long o = base + i * rs;
                    p0 = FloatVector.fromMemorySegment(s, kt, o + 0 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 0)), p0);
                    p1 = FloatVector.fromMemorySegment(s, kt, o + 1 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 1)), p1);
                    p2 = FloatVector.fromMemorySegment(s, kt, o + 2 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 2)), p2);
                    p3 = FloatVector.fromMemorySegment(s, kt, o + 3 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 3)), p3);
                    p4 = FloatVector.fromMemorySegment(s, kt, o + 4 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 4)), p4);
                    p5 = FloatVector.fromMemorySegment(s, kt, o + 5 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 5)), p5);
                    p6 = FloatVector.fromMemorySegment(s, kt, o + 6 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 6)), p6);
                    p7 = FloatVector.fromMemorySegment(s, kt, o + 7 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 7)), p7);
                    p8 = FloatVector.fromMemorySegment(s, kt, o + 8 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 8)), p8);
                    p9 = FloatVector.fromMemorySegment(s, kt, o + 9 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 9)), p9);
                    p10 = FloatVector.fromMemorySegment(s, kt, o + 10 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 10)), p10);
                    p11 = FloatVector.fromMemorySegment(s, kt, o + 11 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 11)), p11);
                    p12 = FloatVector.fromMemorySegment(s, kt, o + 12 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 12)), p12);
                    p13 = FloatVector.fromMemorySegment(s, kt, o + 13 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 13)), p13);
                    p14 = FloatVector.fromMemorySegment(s, kt, o + 14 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 14)), p14);
                    p15 = FloatVector.fromMemorySegment(s, kt, o + 15 * rs, NATIVE).fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, qOff + i + 15)), p15);
            }
            p0 = p0.add(p8); p1 = p1.add(p9); p2 = p2.add(p10); p3 = p3.add(p11);
            p4 = p4.add(p12); p5 = p5.add(p13); p6 = p6.add(p14); p7 = p7.add(p15);
            p0 = p0.add(p4); p1 = p1.add(p5); p2 = p2.add(p6); p3 = p3.add(p7);
            p0 = p0.add(p2); p1 = p1.add(p3);
            p0.add(p1).intoMemorySegment(out, (outOff + k) * 4L, NATIVE);
        }
        return full;
    }

    /**
     * {@link ScalarPrimitives#scoresCachedRows} for 4 query rows over the whole tiles [0, nt) of 16
     * keys ({@link org.nct.kernels.Kernels#attentionCached}'s layout: tile t at kt[ktOff + t·16·d],
     * element i of its key s at + i·16 + s), lanes are keys: each key vector is loaded once for the
     * 4 rows. Row g's score of key s is dot16(q_g, k_s) — partial j the FMA chain over i ≡ j
     * (mod 16) in increasing i from +0, then the fixed tree — computed a quad of partials at a time:
     * quad j (j = 0..3) holds partials j, j+4, j+8, j+12 of the 4 rows (16 accumulators) and ends
     * as the tree's first two levels, (p_j + p_{j+8}) + (p_{j+4} + p_{j+12}); the quads wait in
     * {@code scratch} (4 rows × 4 quads × one vector) for the last two, (q_0 + q_2) + (q_1 + q_3).
     * d must be a multiple of 16.
     */
    final void scoresCached4(MemorySegment out, long outOff, long outStride, MemorySegment q, long qOff, long qStride,
                             MemorySegment kt, long ktOff, int nt, int d, float[] scratch) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        long q0 = qOff, q1 = qOff + qStride, q2 = qOff + 2 * qStride, q3 = qOff + 3 * qStride, os = outStride * 4;
        for (int k = 0; k < nt * 16; k += l) {          // key vector k..k+l−1: in tile k/16 at lane offset k%16
            long base = (ktOff + (long) (k & ~15) * d + (k & 15)) * 4;
            for (int j = 0; j < 4; j++) {
                FloatVector z = FloatVector.zero(s);
                FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z,
                        a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
                for (int i = j; i < d; i += 16) {       // row gu: row g's partial i%16 + 4u
                    long o = base + i * 64L;
                    FloatVector k0 = FloatVector.fromMemorySegment(s, kt, o, NATIVE), k1 = FloatVector.fromMemorySegment(s, kt, o + 256, NATIVE);
                    FloatVector k2 = FloatVector.fromMemorySegment(s, kt, o + 512, NATIVE), k3 = FloatVector.fromMemorySegment(s, kt, o + 768, NATIVE);
                    a00 = k0.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q0 + i)), a00);
                    a01 = k1.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q0 + i + 4)), a01);
                    a02 = k2.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q0 + i + 8)), a02);
                    a03 = k3.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q0 + i + 12)), a03);
                    a10 = k0.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q1 + i)), a10);
                    a11 = k1.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q1 + i + 4)), a11);
                    a12 = k2.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q1 + i + 8)), a12);
                    a13 = k3.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q1 + i + 12)), a13);
                    a20 = k0.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q2 + i)), a20);
                    a21 = k1.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q2 + i + 4)), a21);
                    a22 = k2.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q2 + i + 8)), a22);
                    a23 = k3.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q2 + i + 12)), a23);
                    a30 = k0.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q3 + i)), a30);
                    a31 = k1.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q3 + i + 4)), a31);
                    a32 = k2.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q3 + i + 8)), a32);
                    a33 = k3.fma(FloatVector.broadcast(s, q.getAtIndex(ScalarPrimitives.F, q3 + i + 12)), a33);
                }
                a00.add(a02).add(a01.add(a03)).intoArray(scratch, j * l);
                a10.add(a12).add(a11.add(a13)).intoArray(scratch, (4 + j) * l);
                a20.add(a22).add(a21.add(a23)).intoArray(scratch, (8 + j) * l);
                a30.add(a32).add(a31.add(a33)).intoArray(scratch, (12 + j) * l);
            }
            long o = (outOff + k) * 4;
            for (int g = 0; g < 4; g++, o += os) {
                int b = 4 * g * l;
                FloatVector.fromArray(s, scratch, b).add(FloatVector.fromArray(s, scratch, b + 2 * l))
                        .add(FloatVector.fromArray(s, scratch, b + l).add(FloatVector.fromArray(s, scratch, b + 3 * l)))
                        .intoMemorySegment(out, o, NATIVE);
            }
        }
    }

    // ------------------------------------------------------------------ training attention tiles

    /**
     * {@link ScalarPrimitives#trainScores} for 4 query rows (t0..t0+3) at once, register-blocked: 4 rows
     * × 2 vectors of keys (lanes are keys) in 8 accumulators; each is the sequential FMA chain over
     * i = 0..d-1 from +0, so the bits are the scalar chain's at every width. Writes the keys
     * [0, t0+4 rounded up to 2 vectors): the caller's btStride and outStride must hold them.
     */
    final void scores4(MemorySegment out, long outOff, long outStride, MemorySegment a, long aOff, long aStride,
                       MemorySegment bt, long btOff, long btStride, int t0, int d) {
        VectorSpecies<Float> s = species();
        int l = s.length(), kb = 2 * l, nk = (t0 + 4 + kb - 1) / kb * kb;
        long bs = btStride * 4, a0 = aOff, a1 = aOff + aStride, a2 = aOff + 2 * aStride, a3 = aOff + 3 * aStride;
        for (int k = 0; k < nk; k += kb) {
            FloatVector z = FloatVector.zero(s);
            FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
            long bo = (btOff + k) * 4;
            for (int i = 0; i < d; i++, bo += bs) {
                FloatVector k0 = FloatVector.fromMemorySegment(s, bt, bo, NATIVE), k1 = FloatVector.fromMemorySegment(s, bt, bo + 4L * l, NATIVE);
                FloatVector q = FloatVector.broadcast(s, a.getAtIndex(ScalarPrimitives.F, a0 + i));
                c00 = k0.fma(q, c00); c01 = k1.fma(q, c01);
                q = FloatVector.broadcast(s, a.getAtIndex(ScalarPrimitives.F, a1 + i));
                c10 = k0.fma(q, c10); c11 = k1.fma(q, c11);
                q = FloatVector.broadcast(s, a.getAtIndex(ScalarPrimitives.F, a2 + i));
                c20 = k0.fma(q, c20); c21 = k1.fma(q, c21);
                q = FloatVector.broadcast(s, a.getAtIndex(ScalarPrimitives.F, a3 + i));
                c30 = k0.fma(q, c30); c31 = k1.fma(q, c31);
            }
            long o = (outOff + k) * 4, os = outStride * 4, v = 4L * l;
            c00.intoMemorySegment(out, o, NATIVE); c01.intoMemorySegment(out, o + v, NATIVE);
            c10.intoMemorySegment(out, o + os, NATIVE); c11.intoMemorySegment(out, o + os + v, NATIVE);
            c20.intoMemorySegment(out, o + 2 * os, NATIVE); c21.intoMemorySegment(out, o + 2 * os + v, NATIVE);
            c30.intoMemorySegment(out, o + 3 * os, NATIVE); c31.intoMemorySegment(out, o + 3 * os + v, NATIVE);
        }
    }

    /**
     * The common part of {@link ScalarPrimitives#trainTriangle} for 4 output rows at once, for the columns
     * [0, returned) (whole blocks of 4 vectors): out[k·outStride + i] = the chain over j = j0..j1
     * in increasing order of fma(w[wOff + k·wRowStride + j·wColStride], x[xOff + j·xStride + i], acc),
     * from out's value when accumulate, else from +0, for k = 0..3 — 4 rows × 4 vectors in 16
     * accumulators. The triangle's edge (the j that only some rows take) is {@link #axpy}'s, before
     * or after this, so every row's chain keeps its order. One loop, so that C1 and C2 compile it
     * (a longer method with the edges inline ran out of C1's virtual registers and stayed
     * interpreted-speed).
     */
    final int block4(MemorySegment out, long outOff, long outStride, boolean accumulate,
                     MemorySegment w, long wOff, long wRowStride, long wColStride,
                     MemorySegment x, long xOff, long xStride, int j0, int j1, int d) {
        VectorSpecies<Float> s = species();
        int l = s.length(), full = d - d % (4 * l);
        long w0 = wOff, w1 = wOff + wRowStride, w2 = wOff + 2 * wRowStride, w3 = wOff + 3 * wRowStride, v = 4L * l;
        long os = outStride * 4;
        FloatVector z = FloatVector.zero(s);
        for (int c = 0; c < full; c += 4 * l) {
            long o = (outOff + c) * 4;
            FloatVector a00 = accumulate ? FloatVector.fromMemorySegment(s, out, o, NATIVE) : z;
            FloatVector a01 = accumulate ? FloatVector.fromMemorySegment(s, out, o + v, NATIVE) : z;
            FloatVector a02 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 2 * v, NATIVE) : z;
            FloatVector a03 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 3 * v, NATIVE) : z;
            FloatVector a10 = accumulate ? FloatVector.fromMemorySegment(s, out, o + os, NATIVE) : z;
            FloatVector a11 = accumulate ? FloatVector.fromMemorySegment(s, out, o + os + v, NATIVE) : z;
            FloatVector a12 = accumulate ? FloatVector.fromMemorySegment(s, out, o + os + 2 * v, NATIVE) : z;
            FloatVector a13 = accumulate ? FloatVector.fromMemorySegment(s, out, o + os + 3 * v, NATIVE) : z;
            FloatVector a20 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 2 * os, NATIVE) : z;
            FloatVector a21 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 2 * os + v, NATIVE) : z;
            FloatVector a22 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 2 * os + 2 * v, NATIVE) : z;
            FloatVector a23 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 2 * os + 3 * v, NATIVE) : z;
            FloatVector a30 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 3 * os, NATIVE) : z;
            FloatVector a31 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 3 * os + v, NATIVE) : z;
            FloatVector a32 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 3 * os + 2 * v, NATIVE) : z;
            FloatVector a33 = accumulate ? FloatVector.fromMemorySegment(s, out, o + 3 * os + 3 * v, NATIVE) : z;
            for (int j = j0; j <= j1; j++) {
                long xo = (xOff + j * xStride + c) * 4, wj = j * wColStride;
                FloatVector x0 = FloatVector.fromMemorySegment(s, x, xo, NATIVE), x1 = FloatVector.fromMemorySegment(s, x, xo + v, NATIVE);
                FloatVector x2 = FloatVector.fromMemorySegment(s, x, xo + 2 * v, NATIVE), x3 = FloatVector.fromMemorySegment(s, x, xo + 3 * v, NATIVE);
                FloatVector p = FloatVector.broadcast(s, w.getAtIndex(ScalarPrimitives.F, w0 + wj));
                a00 = x0.fma(p, a00); a01 = x1.fma(p, a01); a02 = x2.fma(p, a02); a03 = x3.fma(p, a03);
                p = FloatVector.broadcast(s, w.getAtIndex(ScalarPrimitives.F, w1 + wj));
                a10 = x0.fma(p, a10); a11 = x1.fma(p, a11); a12 = x2.fma(p, a12); a13 = x3.fma(p, a13);
                p = FloatVector.broadcast(s, w.getAtIndex(ScalarPrimitives.F, w2 + wj));
                a20 = x0.fma(p, a20); a21 = x1.fma(p, a21); a22 = x2.fma(p, a22); a23 = x3.fma(p, a23);
                p = FloatVector.broadcast(s, w.getAtIndex(ScalarPrimitives.F, w3 + wj));
                a30 = x0.fma(p, a30); a31 = x1.fma(p, a31); a32 = x2.fma(p, a32); a33 = x3.fma(p, a33);
            }
            a00.intoMemorySegment(out, o, NATIVE); a01.intoMemorySegment(out, o + v, NATIVE);
            a02.intoMemorySegment(out, o + 2 * v, NATIVE); a03.intoMemorySegment(out, o + 3 * v, NATIVE);
            a10.intoMemorySegment(out, o + os, NATIVE); a11.intoMemorySegment(out, o + os + v, NATIVE);
            a12.intoMemorySegment(out, o + os + 2 * v, NATIVE); a13.intoMemorySegment(out, o + os + 3 * v, NATIVE);
            a20.intoMemorySegment(out, o + 2 * os, NATIVE); a21.intoMemorySegment(out, o + 2 * os + v, NATIVE);
            a22.intoMemorySegment(out, o + 2 * os + 2 * v, NATIVE); a23.intoMemorySegment(out, o + 2 * os + 3 * v, NATIVE);
            a30.intoMemorySegment(out, o + 3 * os, NATIVE); a31.intoMemorySegment(out, o + 3 * os + v, NATIVE);
            a32.intoMemorySegment(out, o + 3 * os + 2 * v, NATIVE); a33.intoMemorySegment(out, o + 3 * os + 3 * v, NATIVE);
        }
        return full;
    }

    /** out[i] = fma(a, x[i], out[i]) for the whole vectors of i in [0, n): one step of n chains (the triangle's edge). */
    final long axpy(MemorySegment out, long outOff, float a, MemorySegment x, long xOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        FloatVector av = FloatVector.broadcast(s, a);
        for (long i = 0; i < full; i += s.length()) {
            FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE).fma(av, FloatVector.fromMemorySegment(s, out, (outOff + i) * 4L, NATIVE))
                    .intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        }
        return full;
    }

    /** p[s] = p[s]·scale + bias[s] for the whole vectors of s in [0, n) (a product, then a sum). */
    final long biasScale(MemorySegment p, long pOff, MemorySegment bias, long bOff, long n, float scale) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            FloatVector x = FloatVector.fromMemorySegment(s, p, (pOff + i) * 4L, NATIVE);
            x.mul(scale).add(FloatVector.fromMemorySegment(s, bias, (bOff + i) * 4L, NATIVE)).intoMemorySegment(p, (pOff + i) * 4L, NATIVE);
        }
        return full;
    }

    /**
     * {@link IntegerCdfRow#fromLogits} with the max and the fixed-point weights q_i computed
     * lanewise: e_i by {@link #expRange} (NctMath's exact steps) into {@code e} (256 floats of
     * scratch), then q_i = (int)(e_i·2^30) (the conversion truncates as Java's cast does); the
     * integer spread stays scalar. Returns false, having written nothing, when the row needs the
     * scalar path's special cases (no finite maximum).
     */
    final boolean cdfRow(MemorySegment cum, long cumOff, MemorySegment logits, long lOff, int precision, MemorySegment e) {
        VectorSpecies<Float> s = species();
        VectorSpecies<Integer> is = intSpecies();
        int l = s.length();
        long lo = lOff * 4L;
        FloatVector mv = FloatVector.broadcast(s, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < IntegerCdfRow.SYMBOLS; i += l) {
            FloatVector z = FloatVector.fromMemorySegment(s, logits, lo + i * 4L, NATIVE);
            mv = mv.max(z.blend(Float.NEGATIVE_INFINITY, z.test(VectorOperators.IS_NAN)));
        }
        float m = mv.reduceLanes(VectorOperators.MAX);
        if (m == Float.NEGATIVE_INFINITY || m == Float.POSITIVE_INFINITY) return false;
        expRange(e, 0, logits, lOff, IntegerCdfRow.SYMBOLS, m, 1f, 1f);
        int argmax = -1;
        for (int i = 0; i < IntegerCdfRow.SYMBOLS; i += l) {
            FloatVector z = FloatVector.fromMemorySegment(s, logits, lo + i * 4L, NATIVE);
            IntVector q = (IntVector) FloatVector.fromMemorySegment(s, e, i * 4L, NATIVE).mul(IntegerCdfRow.FIXED_ONE)
                    .convertShape(VectorOperators.F2I, is, 0);
            VectorMask<Float> top = z.eq(m);
            q = q.blend(0, z.test(VectorOperators.IS_NAN).cast(is)).blend(1 << 30, top.cast(is));
            q.intoMemorySegment(cum, (cumOff + 1 + i) * 4L, NATIVE);
            if (argmax < 0 && top.anyTrue()) argmax = i + top.firstTrue();
        }
        long sum = 0;
        for (int i = 1; i <= IntegerCdfRow.SYMBOLS; i++) sum += cum.getAtIndex(ScalarPrimitives.I, cumOff + i);   // exact, in long
        IntegerCdfRow.spread(cum, cumOff, sum, argmax, 1 << precision);
        return true;
    }

    /** max over x[0..n); MAX is order-free (Math.max semantics). */
    final float max(MemorySegment x, long xOff, long n) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        long full = n - n % l;
        FloatVector m = FloatVector.broadcast(s, Float.NEGATIVE_INFINITY);
        for (long i = 0; i < full; i += l) m = m.max(FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (long i = full; i < n; i++) r = Math.max(r, x.getAtIndex(ScalarPrimitives.F, xOff + i));
        return r;
    }

    // ------------------------------------------------------------------ NctMath, lanewise

    /** out[i] = NctMath.exp(x[i] − shift)·mul1·mul2 with exactly NctMath's steps, lanewise (out may alias x). */
    final long expRange(MemorySegment out, long outOff, MemorySegment x, long xOff, long n, float shift, float mul1, float mul2) {
        VectorSpecies<Float> s = species();
        VectorSpecies<Integer> is = intSpecies();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            exp(FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE).sub(shift), is)
                    .mul(mul1).mul(mul2).intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        }
        return full;
    }

    /** NctMath.exp(v) lanewise, with exactly NctMath's steps. */
    private static FloatVector exp(FloatVector v, VectorSpecies<Integer> is) {
        FloatVector kf = v.fma(NctMath.LOG2E, NctMath.ROUND_MAGIC).sub(NctMath.ROUND_MAGIC);
        FloatVector r = kf.lanewise(VectorOperators.FMA, -NctMath.LN2_HI, v);
        r = kf.lanewise(VectorOperators.FMA, -NctMath.LN2_LO, r);
        FloatVector p = r.fma(NctMath.E0, NctMath.E1);
        p = p.lanewise(VectorOperators.FMA, r, NctMath.E2);
        p = p.lanewise(VectorOperators.FMA, r, NctMath.E3);
        p = p.lanewise(VectorOperators.FMA, r, NctMath.E4);
        p = p.lanewise(VectorOperators.FMA, r, NctMath.E5);
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector k = (IntVector) kf.convertShape(VectorOperators.F2I, is, 0);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = k.sub(k1);
        FloatVector e = y.mul(k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        e = e.blend(0f, v.lt(NctMath.EXP_LO));
        e = e.blend(Float.POSITIVE_INFINITY, v.compare(VectorOperators.GT, NctMath.EXP_HI));
        return e.blend(v, v.test(VectorOperators.IS_NAN));
    }

    /**
     * {@link ScalarPrimitives#trainSoftmaxRow} over whole blocks of 16 entries, the last one
     * padded: lanes at or past n hold −∞ in x and +0 in e, which leave the max and the 16 partial
     * sums as the n entries make them. sc and bias must hold n rounded up to 16; att gets [0, t),
     * its last vector through a mask.
     */
    final void trainSoftmaxRow(MemorySegment att, long attOff, int t, MemorySegment sc, long scOff,
                               MemorySegment bias, long bOff, int n, float scale, float[] part) {
        VectorSpecies<Float> s = species();
        VectorSpecies<Integer> is = intSpecies();
        int l = s.length(), n16 = (n + 15) & ~15;
        long so = scOff * 4, bo = bOff * 4, ao = attOff * 4;
        FloatVector z = FloatVector.zero(s), ninf = FloatVector.broadcast(s, Float.NEGATIVE_INFINITY), m = ninf;
        for (int i = 0; i < n16; i += l) {
            FloatVector x = FloatVector.fromMemorySegment(s, sc, so + 4L * i, NATIVE).mul(scale)
                    .add(FloatVector.fromMemorySegment(s, bias, bo + 4L * i, NATIVE));
            if (i + l > n) x = x.blend(ninf, s.indexInRange(i, n).not());
            x.intoMemorySegment(sc, so + 4L * i, NATIVE);
            m = m.max(x);
        }
        float max = m.reduceLanes(VectorOperators.MAX);
        FloatVector p0 = z, p1 = z, p2 = z, p3 = z;
        for (int i = 0; i < n16; i += 16) {
            boolean tail = i + 16 > n;
            for (int v = 0; v < 16; v += l) {
                long o = so + 4L * (i + v);
                FloatVector e = exp(FloatVector.fromMemorySegment(s, sc, o, NATIVE).sub(max), is);
                if (tail) e = e.blend(z, s.indexInRange(i + v, n).not());
                e.intoMemorySegment(sc, o, NATIVE);
                if (v == 0) p0 = p0.add(e);
                else if (v == l) p1 = p1.add(e);
                else if (v == 2 * l) p2 = p2.add(e);
                else p3 = p3.add(e);
            }
        }
        float inv = 1f / tree16(p0, p1, p2, p3, part);
        for (int i = 0; i < t; i += l) {
            FloatVector p = z;
            if (i < n16) {
                p = FloatVector.fromMemorySegment(s, sc, so + 4L * i, NATIVE).mul(inv);
                if (i + l > n) p = p.blend(z, s.indexInRange(i, n).not());
            }
            if (i + l <= t) p.intoMemorySegment(att, ao + 4L * i, NATIVE);
            else p.intoMemorySegment(att, ao + 4L * i, NATIVE, s.indexInRange(i, t));
        }
    }

    /**
     * {@link ScalarPrimitives#trainSoftmaxBackwardRow} by whole vectors, the last one through a
     * mask (its other lanes load as +0 and are not stored), so the 16 partials of the dot and every
     * entry are the scalar loop's.
     */
    final void trainSoftmaxBackwardRow(MemorySegment ds, long dsOff, MemorySegment p, long pOff, MemorySegment g, long gOff,
                                       int n, float scale, float[] part) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        long dso = dsOff * 4, po = pOff * 4, go = gOff * 4;
        FloatVector z = FloatVector.zero(s), p0 = z, p1 = z, p2 = z, p3 = z;
        for (int i = 0; i < n; i += 16) {
            for (int v = 0; v < 16; v += l) {
                int j = i + v;
                FloatVector a, b;
                if (j + l <= n) {
                    a = FloatVector.fromMemorySegment(s, p, po + 4L * j, NATIVE);
                    b = FloatVector.fromMemorySegment(s, ds, dso + 4L * j, NATIVE);
                } else {
                    VectorMask<Float> k = s.indexInRange(j, n);
                    a = FloatVector.fromMemorySegment(s, p, po + 4L * j, NATIVE, k);
                    b = FloatVector.fromMemorySegment(s, ds, dso + 4L * j, NATIVE, k);
                }
                if (v == 0) p0 = a.fma(b, p0);
                else if (v == l) p1 = a.fma(b, p1);
                else if (v == 2 * l) p2 = a.fma(b, p2);
                else p3 = a.fma(b, p3);
            }
        }
        float rowDot = tree16(p0, p1, p2, p3, part);
        for (int i = 0; i < n; i += l) {
            long o = 4L * i;
            if (i + l <= n) {
                FloatVector d = FloatVector.fromMemorySegment(s, p, po + o, NATIVE).mul(FloatVector.fromMemorySegment(s, ds, dso + o, NATIVE).sub(rowDot));
                FloatVector.fromMemorySegment(s, g, go + o, NATIVE).add(d).intoMemorySegment(g, go + o, NATIVE);
                d.mul(scale).intoMemorySegment(ds, dso + o, NATIVE);
            } else {
                VectorMask<Float> k = s.indexInRange(i, n);
                FloatVector d = FloatVector.fromMemorySegment(s, p, po + o, NATIVE, k).mul(FloatVector.fromMemorySegment(s, ds, dso + o, NATIVE, k).sub(rowDot));
                FloatVector.fromMemorySegment(s, g, go + o, NATIVE, k).add(d).intoMemorySegment(g, go + o, NATIVE, k);
                d.mul(scale).intoMemorySegment(ds, dso + o, NATIVE, k);
            }
        }
    }

    /** out[i] = NctMath.log(x[i]) with exactly NctMath's steps, lanewise (out may alias x). */
    final long logRange(MemorySegment out, long outOff, MemorySegment x, long xOff, long n) {
        VectorSpecies<Float> s = species();
        VectorSpecies<Integer> is = intSpecies();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            FloatVector v = FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE);
            VectorMask<Integer> sub = v.reinterpretAsInts().compare(VectorOperators.LT, 0x00800000);  // subnormal, zero or negative
            IntVector bits = v.blend(v.mul(8388608f), sub.cast(s)).reinterpretAsInts();
            IntVector e = IntVector.zero(is).blend(-23, sub)
                    .add(bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(126));
            FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
            VectorMask<Float> small = m.lt(NctMath.SQRTHF);
            e = e.sub(IntVector.zero(is).blend(1, small.cast(is)));
            m = m.sub(1f).blend(m.add(m).sub(1f), small);
            FloatVector fe = (FloatVector) e.convertShape(VectorOperators.I2F, s, 0);
            FloatVector z = m.mul(m);
            FloatVector p = m.fma(NctMath.L0, NctMath.L1);
            p = p.lanewise(VectorOperators.FMA, m, NctMath.L2);
            p = p.lanewise(VectorOperators.FMA, m, NctMath.L3);
            p = p.lanewise(VectorOperators.FMA, m, NctMath.L4);
            p = p.lanewise(VectorOperators.FMA, m, NctMath.L5);
            p = p.lanewise(VectorOperators.FMA, m, NctMath.L6);
            p = p.lanewise(VectorOperators.FMA, m, NctMath.L7);
            p = p.lanewise(VectorOperators.FMA, m, NctMath.L8);
            FloatVector y = m.mul(z).mul(p);
            y = fe.lanewise(VectorOperators.FMA, NctMath.LN2_LO, y);
            y = z.lanewise(VectorOperators.FMA, -0.5f, y);
            FloatVector res = fe.lanewise(VectorOperators.FMA, NctMath.LN2_HI, m.add(y));
            res = res.blend(Float.POSITIVE_INFINITY, v.eq(Float.POSITIVE_INFINITY));
            res = res.blend(Float.NEGATIVE_INFINITY, v.eq(0f));
            res = res.blend(Float.NaN, v.lt(0f).or(v.test(VectorOperators.IS_NAN)));
            res.intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        }
        return full;
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
            FloatVector a0 = accumulate ? FloatVector.fromMemorySegment(s, out, (o) * 4L, NATIVE) : z, a1 = accumulate ? FloatVector.fromMemorySegment(s, out, (o + l) * 4L, NATIVE) : z;
            FloatVector a2 = accumulate ? FloatVector.fromMemorySegment(s, out, (o + 2 * l) * 4L, NATIVE) : z, a3 = accumulate ? FloatVector.fromMemorySegment(s, out, (o + 3 * l) * 4L, NATIVE) : z;
            for (int k = 0; k < n; k++) {
                FloatVector wv = FloatVector.broadcast(s, w.getAtIndex(ScalarPrimitives.F, wOff + k * wStride));
                long r = rOff + k * rStride + i;
                a0 = FloatVector.fromMemorySegment(s, rows, (r) * 4L, NATIVE).fma(wv, a0);
                a1 = FloatVector.fromMemorySegment(s, rows, (r + l) * 4L, NATIVE).fma(wv, a1);
                a2 = FloatVector.fromMemorySegment(s, rows, (r + 2 * l) * 4L, NATIVE).fma(wv, a2);
                a3 = FloatVector.fromMemorySegment(s, rows, (r + 3 * l) * 4L, NATIVE).fma(wv, a3);
            }
            a0.intoMemorySegment(out, (o) * 4L, NATIVE); a1.intoMemorySegment(out, (o + l) * 4L, NATIVE); a2.intoMemorySegment(out, (o + 2 * l) * 4L, NATIVE); a3.intoMemorySegment(out, (o + 3 * l) * 4L, NATIVE);
        }
        for (; i < full; i += l) {
            long o = outOff + i;
            FloatVector a0 = accumulate ? FloatVector.fromMemorySegment(s, out, (o) * 4L, NATIVE) : z;
            for (int k = 0; k < n; k++) {
                a0 = FloatVector.fromMemorySegment(s, rows, (rOff + k * rStride + i) * 4L, NATIVE).fma(FloatVector.broadcast(s, w.getAtIndex(ScalarPrimitives.F, wOff + k * wStride)), a0);
            }
            a0.intoMemorySegment(out, (o) * 4L, NATIVE);
        }
        return full;
    }

    final long scale(MemorySegment out, long outOff, MemorySegment x, long xOff, long n, float f) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE).mul(f).intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        return full;
    }

    final long zero(MemorySegment out, long outOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        FloatVector z = FloatVector.zero(s);
        for (long i = 0; i < full; i += s.length()) z.intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        return full;
    }

    final long add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) FloatVector.fromMemorySegment(s, a, (aOff + i) * 4L, NATIVE).add(FloatVector.fromMemorySegment(s, b, (bOff + i) * 4L, NATIVE)).intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        return full;
    }

    final long reluGate(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            FloatVector.fromMemorySegment(s, gate, (gOff + i) * 4L, NATIVE).max(0f).mul(FloatVector.fromMemorySegment(s, up, (uOff + i) * 4L, NATIVE)).intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final long reluGateBackward(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout, long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            FloatVector g = FloatVector.fromMemorySegment(s, gate, (gOff + i) * 4L, NATIVE), dy = FloatVector.fromMemorySegment(s, dout, (doOff + i) * 4L, NATIVE);
            FloatVector z = FloatVector.zero(s);
            z.blend(z.add(dy.mul(FloatVector.fromMemorySegment(s, up, (uOff + i) * 4L, NATIVE))), g.compare(VectorOperators.GT, 0f)).intoMemorySegment(dgate, (dgOff + i) * 4L, NATIVE);
            z.add(g.max(0f).mul(dy)).intoMemorySegment(dup, (duOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final long adamw(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        float omb1 = 1f - b1, omb2 = 1f - b2;
        FloatVector vb1 = FloatVector.broadcast(s, b1), vb2 = FloatVector.broadcast(s, b2);
        for (long i = 0; i < full; i += s.length()) {
            FloatVector gi = FloatVector.fromMemorySegment(s, g, (gOff + i) * 4L, NATIVE);
            FloatVector mi = vb1.fma(FloatVector.fromMemorySegment(s, m, (mOff + i) * 4L, NATIVE), gi.mul(omb1));
            FloatVector vi = vb2.fma(FloatVector.fromMemorySegment(s, v, (vOff + i) * 4L, NATIVE), gi.mul(omb2).mul(gi));
            mi.intoMemorySegment(m, (mOff + i) * 4L, NATIVE);
            vi.intoMemorySegment(v, (vOff + i) * 4L, NATIVE);
            FloatVector pi = FloatVector.fromMemorySegment(s, p, (pOff + i) * 4L, NATIVE);
            FloatVector u = mi.div(c1).div(vi.div(c2).sqrt().add(eps));
            u = pi.lanewise(VectorOperators.FMA, wd, u);
            u.lanewise(VectorOperators.FMA, -lr, pi).intoMemorySegment(p, (pOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final int rmsnormRow(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, int c, float rs) {
        VectorSpecies<Float> s = species();
        int full = c - c % s.length();
        for (int i = 0; i < full; i += s.length()) {
            FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE).mul(rs).mul(FloatVector.fromMemorySegment(s, gain, (gOff + i) * 4L, NATIVE)).intoMemorySegment(out, (outOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final int rmsnormBackwardRow(MemorySegment dx, long dxOff, MemorySegment dout, long doOff, MemorySegment gain, long gOff, MemorySegment x, long xOff, int c, float rs, float c2) {
        VectorSpecies<Float> s = species();
        int full = c - c % s.length();
        FloatVector vc2 = FloatVector.broadcast(s, c2);
        for (int i = 0; i < full; i += s.length()) {
            FloatVector gd = FloatVector.fromMemorySegment(s, dout, (doOff + i) * 4L, NATIVE).mul(FloatVector.fromMemorySegment(s, gain, (gOff + i) * 4L, NATIVE));
            FloatVector t = FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE).neg().fma(vc2, gd);
            FloatVector.fromMemorySegment(s, dx, (dxOff + i) * 4L, NATIVE).add(t.mul(rs)).intoMemorySegment(dx, (dxOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final int rmsnormGainRow(MemorySegment dgain, long dgOff, MemorySegment dout, long doOff, MemorySegment x, long xOff, int n, float rs) {
        VectorSpecies<Float> s = species();
        int full = n - n % s.length();
        for (int i = 0; i < full; i += s.length()) {
            FloatVector.fromMemorySegment(s, x, (xOff + i) * 4L, NATIVE).mul(rs).fma(FloatVector.fromMemorySegment(s, dout, (doOff + i) * 4L, NATIVE), FloatVector.fromMemorySegment(s, dgain, (dgOff + i) * 4L, NATIVE)).intoMemorySegment(dgain, (dgOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final int softmaxBackwardRow(MemorySegment ds, long dsOff, MemorySegment p, long pOff, int n, float rowDot) {
        VectorSpecies<Float> s = species();
        int full = n - n % s.length();
        for (int i = 0; i < full; i += s.length()) {
            FloatVector.fromMemorySegment(s, p, (pOff + i) * 4L, NATIVE).mul(FloatVector.fromMemorySegment(s, ds, (dsOff + i) * 4L, NATIVE).sub(rowDot)).intoMemorySegment(ds, (dsOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final int addSqEps(MemorySegment acc, long accOff, MemorySegment g, long gOff, int n, float eps1) {
        VectorSpecies<Float> s = species();
        int full = n - n % s.length();
        FloatVector e = FloatVector.broadcast(s, eps1);
        for (int i = 0; i < full; i += s.length()) {
            FloatVector x = FloatVector.fromMemorySegment(s, g, (gOff + i) * 4L, NATIVE);
            FloatVector.fromMemorySegment(s, acc, (accOff + i) * 4L, NATIVE).add(x.fma(x, e)).intoMemorySegment(acc, (accOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final int adafactorColFactors(MemorySegment vc, long vcOff, MemorySegment col, long colOff, int cols, float beta2, float omb, int rows) {
        VectorSpecies<Float> s = species();
        int full = cols - cols % s.length();
        FloatVector vb = FloatVector.broadcast(s, beta2);
        for (int j = 0; j < full; j += s.length()) {
            FloatVector v = vb.fma(FloatVector.fromMemorySegment(s, vc, (vcOff + j) * 4L, NATIVE), FloatVector.fromMemorySegment(s, col, (colOff + j) * 4L, NATIVE).div(rows).mul(omb));
            v.intoMemorySegment(vc, (vcOff + j) * 4L, NATIVE);
            FloatVector.broadcast(s, 1f).div(v.sqrt()).intoMemorySegment(col, (colOff + j) * 4L, NATIVE);
        }
        return full;
    }

    final int adafactorFactoredRow(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment colFactor, long cfOff, int cols, float rowFactor) {
        VectorSpecies<Float> s = species();
        int full = cols - cols % s.length();
        for (int j = 0; j < full; j += s.length()) {
            FloatVector.fromMemorySegment(s, g, (gOff + j) * 4L, NATIVE).mul(rowFactor).mul(FloatVector.fromMemorySegment(s, colFactor, (cfOff + j) * 4L, NATIVE)).intoMemorySegment(u, (uOff + j) * 4L, NATIVE);
        }
        return full;
    }

    final long adafactorUnfactored(MemorySegment u, long uOff, MemorySegment g, long gOff, MemorySegment v, long vOff, long n, float beta2, float omb, float eps1) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        FloatVector vb = FloatVector.broadcast(s, beta2), e = FloatVector.broadcast(s, eps1), one = FloatVector.broadcast(s, 1f);
        for (long i = 0; i < full; i += s.length()) {
            FloatVector gi = FloatVector.fromMemorySegment(s, g, (gOff + i) * 4L, NATIVE);
            FloatVector vi = vb.fma(FloatVector.fromMemorySegment(s, v, (vOff + i) * 4L, NATIVE), gi.fma(gi, e).mul(omb));
            vi.intoMemorySegment(v, (vOff + i) * 4L, NATIVE);
            gi.mul(one.div(vi.sqrt())).intoMemorySegment(u, (uOff + i) * 4L, NATIVE);
        }
        return full;
    }

    final long adafactorUpdate(MemorySegment p, long pOff, MemorySegment u, long uOff, long n, float denom, float step) {
        VectorSpecies<Float> s = species();
        long full = n - n % s.length();
        for (long i = 0; i < full; i += s.length()) {
            FloatVector.fromMemorySegment(s, p, (pOff + i) * 4L, NATIVE).sub(FloatVector.fromMemorySegment(s, u, (uOff + i) * 4L, NATIVE).div(denom).mul(step)).intoMemorySegment(p, (pOff + i) * 4L, NATIVE);
        }
        return full;
    }

    // ------------------------------------------------------------------ widths

    static final class W128 extends Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;
        private static final VectorSpecies<Integer> IS = IntVector.SPECIES_128;
        @Override VectorSpecies<Float> species() { return S; }
        @Override VectorSpecies<Integer> intSpecies() { return IS; }
    }

    static final class W256 extends Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
        private static final VectorSpecies<Integer> IS = IntVector.SPECIES_256;
        @Override VectorSpecies<Float> species() { return S; }
        @Override VectorSpecies<Integer> intSpecies() { return IS; }
    }

    static final class W512 extends Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> IS = IntVector.SPECIES_512;
        @Override VectorSpecies<Float> species() { return S; }
        @Override VectorSpecies<Integer> intSpecies() { return IS; }
    }
}
