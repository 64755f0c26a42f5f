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
 * as dY read transposed. The accumulators start from and end in a small row-major tile array
 * ({@code MR × tileCols()} floats, L1-resident); {@link #loadTile}, {@link #storeTile} and
 * {@link #biasTile} move tiles between it and the output. Keeping the output's memory-segment
 * accesses out of {@link #tile} keeps that method small enough for the JIT to compile every
 * Vector API call in it to machine vectors.
 *
 * <p>The species is a {@code static final} constant of each subclass so that the JIT compiles the
 * Vector API calls to machine vectors; a process that uses one width gets one monomorphic kernel.
 */
abstract sealed class MicroKernel permits MicroKernel.W128, MicroKernel.W256, MicroKernel.W512 {

    /** Rows of a tile (broadcast values per step). */
    static final int MR = 6;
    /** Vectors of columns per tile. */
    static final int NR = 4;

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
     * Advances the tile in t (row r, column c at {@code r·tileCols() + c}) over {@code kc} steps,
     * starting from zero instead of t's values when {@code zero}. A[r,p] is the float at byte
     * offset {@code ao + r·ars + p·aps} of a; the tile's B columns at step p start at float index
     * {@code bi + p·tileCols()} of b.
     */
    final void tile(MemorySegment a, long ao, long ars, long aps, float[] b, int bi, int kc, float[] t, boolean zero) {
        final VectorSpecies<Float> s = species();
        final int vl = s.length();
        final int w = NR * vl;
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (zero) {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = FloatVector.zero(s);
            c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = FloatVector.zero(s);
        } else {
            c00 = FloatVector.fromArray(s, t, 0 * vl); c01 = FloatVector.fromArray(s, t, 1 * vl); c02 = FloatVector.fromArray(s, t, 2 * vl); c03 = FloatVector.fromArray(s, t, 3 * vl);
            c10 = FloatVector.fromArray(s, t, 4 * vl); c11 = FloatVector.fromArray(s, t, 5 * vl); c12 = FloatVector.fromArray(s, t, 6 * vl); c13 = FloatVector.fromArray(s, t, 7 * vl);
            c20 = FloatVector.fromArray(s, t, 8 * vl); c21 = FloatVector.fromArray(s, t, 9 * vl); c22 = FloatVector.fromArray(s, t, 10 * vl); c23 = FloatVector.fromArray(s, t, 11 * vl);
            c30 = FloatVector.fromArray(s, t, 12 * vl); c31 = FloatVector.fromArray(s, t, 13 * vl); c32 = FloatVector.fromArray(s, t, 14 * vl); c33 = FloatVector.fromArray(s, t, 15 * vl);
            c40 = FloatVector.fromArray(s, t, 16 * vl); c41 = FloatVector.fromArray(s, t, 17 * vl); c42 = FloatVector.fromArray(s, t, 18 * vl); c43 = FloatVector.fromArray(s, t, 19 * vl);
            c50 = FloatVector.fromArray(s, t, 20 * vl); c51 = FloatVector.fromArray(s, t, 21 * vl); c52 = FloatVector.fromArray(s, t, 22 * vl); c53 = FloatVector.fromArray(s, t, 23 * vl);
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
        c00.intoArray(t, 0 * vl); c01.intoArray(t, 1 * vl); c02.intoArray(t, 2 * vl); c03.intoArray(t, 3 * vl);
        c10.intoArray(t, 4 * vl); c11.intoArray(t, 5 * vl); c12.intoArray(t, 6 * vl); c13.intoArray(t, 7 * vl);
        c20.intoArray(t, 8 * vl); c21.intoArray(t, 9 * vl); c22.intoArray(t, 10 * vl); c23.intoArray(t, 11 * vl);
        c30.intoArray(t, 12 * vl); c31.intoArray(t, 13 * vl); c32.intoArray(t, 14 * vl); c33.intoArray(t, 15 * vl);
        c40.intoArray(t, 16 * vl); c41.intoArray(t, 17 * vl); c42.intoArray(t, 18 * vl); c43.intoArray(t, 19 * vl);
        c50.intoArray(t, 20 * vl); c51.intoArray(t, 21 * vl); c52.intoArray(t, 22 * vl); c53.intoArray(t, 23 * vl);
    }

    /** t ← the full tile of c at byte offset co, row pitch ldc bytes. */
    final void loadTile(MemorySegment c, long co, long ldc, float[] t) {
        final VectorSpecies<Float> s = species();
        final int vl = s.length();
        final long vb = s.vectorByteSize();
        for (int r = 0; r < MR; r++) {
            long o = co + r * ldc;
            int i = r * NR * vl;
            for (int v = 0; v < NR; v++) FloatVector.fromMemorySegment(s, c, o + v * vb, NATIVE).intoArray(t, i + v * vl);
        }
    }

    /** The full tile of c at byte offset co, row pitch ldc bytes ← t. */
    final void storeTile(float[] t, MemorySegment c, long co, long ldc) {
        final VectorSpecies<Float> s = species();
        final int vl = s.length();
        final long vb = s.vectorByteSize();
        for (int r = 0; r < MR; r++) {
            long o = co + r * ldc;
            int i = r * NR * vl;
            for (int v = 0; v < NR; v++) FloatVector.fromArray(s, t, i + v * vl).intoMemorySegment(c, o + v * vb, NATIVE);
        }
    }

    /** dst[di … di + tileCols()) ← the tileCols() floats of src at byte offset so (one packed B row). */
    final void copyRow(MemorySegment src, long so, float[] dst, int di) {
        final VectorSpecies<Float> s = species();
        final int vl = s.length();
        final long vb = s.vectorByteSize();
        for (int v = 0; v < NR; v++) FloatVector.fromMemorySegment(s, src, so + v * vb, NATIVE).intoArray(dst, di + v * vl);
    }

    /** Every row of t ← the tileCols() bias values at byte offset bo. */
    final void biasTile(MemorySegment bias, long bo, float[] t) {
        final VectorSpecies<Float> s = species();
        final int vl = s.length();
        final long vb = s.vectorByteSize();
        for (int v = 0; v < NR; v++) {
            FloatVector x = FloatVector.fromMemorySegment(s, bias, bo + v * vb, NATIVE);
            for (int r = 0; r < MR; r++) x.intoArray(t, (r * NR + v) * vl);
        }
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
