package org.nct.kernels.gemm;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled broadcast (outer-product) micro-kernel: one tile of {@link #MR} output rows ×
 * {@link #NR} vectors of columns, advanced over a block of the reduction. For every step p it loads
 * the {@code NR} vectors of the packed B panel (K-major: the tile's columns at step p are
 * contiguous), broadcasts the {@code MR} values A[r,p] and does {@code MR·NR} vector FMAs. Every
 * lane of every accumulator is therefore the sequential chain {@code acc = fma(A[r,p], B[p,c], acc)}
 * in increasing p: vectorised across output columns, never across the reduction.
 *
 * <p>A is read in place through two byte strides (row, step), which covers X and dY rows as well
 * as dY read transposed. The species is a {@code static final} constant of each subclass so that
 * the JIT compiles the Vector API calls to machine vectors; a process that uses one width gets one
 * monomorphic kernel.
 */
abstract sealed class MicroKernel permits MicroKernel.W128, MicroKernel.W256, MicroKernel.W512 {

    /** Rows of a tile (broadcast values per step). */
    static final int MR = 6;
    /** Vectors of columns per tile. */
    static final int NR = 4;

    /** How a tile's accumulators start. */
    static final int START_LOAD = 0, START_ZERO = 1, START_BIAS = 2;

    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    static MicroKernel of(VectorSpecies<Float> species) {
        return switch (species.vectorBitSize()) {
            case 128 -> new W128();
            case 256 -> new W256();
            case 512 -> new W512();
            default -> throw new IllegalArgumentException("unsupported vector width " + species.vectorBitSize());
        };
    }

    abstract VectorSpecies<Float> species();

    /** Columns of a tile: NR vectors. */
    final int tileCols() {
        return NR * species().length();
    }

    /**
     * Advances one full tile over {@code kc} steps. A[r,p] is the float at byte offset
     * {@code ao + r·ars + p·aps} of a; the tile's B columns at step p start at float index
     * {@code bi + p·tileCols()} of b. The tile is read from / written to c at byte offset co with a
     * row pitch of ldc bytes; start says whether the accumulators are loaded from c, zero, or the
     * bias vectors at byte offset bo.
     */
    final void tile(MemorySegment a, long ao, long ars, long aps, float[] b, int bi, int kc,
                    MemorySegment c, long co, long ldc, int start, MemorySegment bias, long bo) {
        final VectorSpecies<Float> s = species();
        final int vl = s.length();
        final long vb = s.vectorByteSize();
        final int w = NR * vl;
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (start == START_LOAD) {
            long o = co;
            c00 = ld(s, c, o); c01 = ld(s, c, o + vb); c02 = ld(s, c, o + 2 * vb); c03 = ld(s, c, o + 3 * vb); o += ldc;
            c10 = ld(s, c, o); c11 = ld(s, c, o + vb); c12 = ld(s, c, o + 2 * vb); c13 = ld(s, c, o + 3 * vb); o += ldc;
            c20 = ld(s, c, o); c21 = ld(s, c, o + vb); c22 = ld(s, c, o + 2 * vb); c23 = ld(s, c, o + 3 * vb); o += ldc;
            c30 = ld(s, c, o); c31 = ld(s, c, o + vb); c32 = ld(s, c, o + 2 * vb); c33 = ld(s, c, o + 3 * vb); o += ldc;
            c40 = ld(s, c, o); c41 = ld(s, c, o + vb); c42 = ld(s, c, o + 2 * vb); c43 = ld(s, c, o + 3 * vb); o += ldc;
            c50 = ld(s, c, o); c51 = ld(s, c, o + vb); c52 = ld(s, c, o + 2 * vb); c53 = ld(s, c, o + 3 * vb);
        } else {
            FloatVector v0, v1, v2, v3;
            if (start == START_BIAS) {
                v0 = ld(s, bias, bo); v1 = ld(s, bias, bo + vb); v2 = ld(s, bias, bo + 2 * vb); v3 = ld(s, bias, bo + 3 * vb);
            } else {
                v0 = v1 = v2 = v3 = FloatVector.zero(s);
            }
            c00 = c10 = c20 = c30 = c40 = c50 = v0;
            c01 = c11 = c21 = c31 = c41 = c51 = v1;
            c02 = c12 = c22 = c32 = c42 = c52 = v2;
            c03 = c13 = c23 = c33 = c43 = c53 = v3;
        }
        for (int p = 0; p < kc; p++) {
            final long ap = ao + p * aps;
            final int bp = bi + p * w;
            final FloatVector b0 = FloatVector.fromArray(s, b, bp);
            final FloatVector b1 = FloatVector.fromArray(s, b, bp + vl);
            final FloatVector b2 = FloatVector.fromArray(s, b, bp + 2 * vl);
            final FloatVector b3 = FloatVector.fromArray(s, b, bp + 3 * vl);
            FloatVector x;
            x = FloatVector.broadcast(s, a.get(JAVA_FLOAT, ap));       c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(s, a.get(JAVA_FLOAT, ap + ars)); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(s, a.get(JAVA_FLOAT, ap + 2 * ars)); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(s, a.get(JAVA_FLOAT, ap + 3 * ars)); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(s, a.get(JAVA_FLOAT, ap + 4 * ars)); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(s, a.get(JAVA_FLOAT, ap + 5 * ars)); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        long o = co;
        st(c00, c, o); st(c01, c, o + vb); st(c02, c, o + 2 * vb); st(c03, c, o + 3 * vb); o += ldc;
        st(c10, c, o); st(c11, c, o + vb); st(c12, c, o + 2 * vb); st(c13, c, o + 3 * vb); o += ldc;
        st(c20, c, o); st(c21, c, o + vb); st(c22, c, o + 2 * vb); st(c23, c, o + 3 * vb); o += ldc;
        st(c30, c, o); st(c31, c, o + vb); st(c32, c, o + 2 * vb); st(c33, c, o + 3 * vb); o += ldc;
        st(c40, c, o); st(c41, c, o + vb); st(c42, c, o + 2 * vb); st(c43, c, o + 3 * vb); o += ldc;
        st(c50, c, o); st(c51, c, o + vb); st(c52, c, o + 2 * vb); st(c53, c, o + 3 * vb);
    }

    private static FloatVector ld(VectorSpecies<Float> s, MemorySegment seg, long byteOff) {
        return FloatVector.fromMemorySegment(s, seg, byteOff, NATIVE);
    }

    private static void st(FloatVector v, MemorySegment seg, long byteOff) {
        v.intoMemorySegment(seg, byteOff, NATIVE);
    }

    static final class W128 extends MicroKernel {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W256 extends MicroKernel {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W512 extends MicroKernel {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
        @Override VectorSpecies<Float> species() { return S; }
    }
}
