package org.nct.kernels.gemm;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorSpecies;
import org.nct.kernels.Parallel;

/**
 * Vector API GEMM, bit-identical to {@link ScalarGemm} at every width and thread count.
 *
 * <p>All three forms are one problem, out[r,c] = chain over p of fma(A[r,p], B[p,c], acc), that
 * differ only in where A and B live (strides) and how the chain starts:
 * <pre>
 *   form                 out (R×C)   A[r,p]        B[p,c]       reduction P
 *   Y  = X·Wᵀ (+bias)    Y  (M×N)    X[r,p]        W[c,p]       K
 *   dX = dY·W            dX (M×K)    dY[r,p]       W[p,c]       N
 *   dW = dYᵀ·X           dW (N×K)    dY[p,r]       X[p,c]       M
 * </pre>
 * B is packed once per call (in parallel) into K-major panels of {@link MicroKernel#tileCols()}
 * columns; each worker packs blocks of A into MR-row micro-panels and runs the one
 * {@link MicroKernel} over its output tiles. The reduction is cut into blocks of {@link #KC} steps
 * that run in order on the same output tile (partials are stored and reloaded as fp32, which is
 * exact), so every output is still one sequential chain. Threads split output tiles only: row
 * blocks, or column panels when there are fewer row blocks than threads. Tiles at the edges run on
 * a zero-padded scratch tile and copy back only their valid elements.
 *
 * <p>Packing buffers belong to the instance and grow on first use; steady-state calls allocate
 * nothing. One instance serves one caller at a time.
 */
public final class VectorGemm {

    /** Reduction steps per block (the packed B micro-panel of one block stays in L1). */
    static final int KC = Integer.getInteger("nct.gemm.kc", 128);
    /** Output rows per packed A block (a multiple of MR; the block stays in L2). */
    static final int MC = Integer.getInteger("nct.gemm.mc", 256) / MicroKernel.MR * MicroKernel.MR;

    private static final int MR = MicroKernel.MR;

    private final MicroKernel kernel;
    private final int tileCols;
    private final Parallel pool;
    private final Problem problem = new Problem();
    private final PackB packB = new PackB();
    private final Compute compute = new Compute();
    private final float[][] packedA;
    private final MemorySegment[] edgeTile;
    private float[] packedB = new float[0];

    public VectorGemm(VectorSpecies<Float> species, Parallel pool) {
        this.kernel = MicroKernel.of(species);
        this.tileCols = kernel.tileCols();
        this.pool = pool;
        int t = pool.threads();
        this.packedA = new float[t][MC * KC];
        this.edgeTile = new MemorySegment[t];
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < t; i++) edgeTile[i] = arena.allocate((long) MR * tileCols * Float.BYTES, 64);
    }

    /** Y = X·Wᵀ (+ bias); see {@link org.nct.kernels.Kernels#matmul}. */
    public void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                       MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, bias != null, accumulate);
        problem.set(y, yOff, m, n, k, x, xOff, k, 1, w, wOff, 1, k, accumulate, bias, bOff);
        run();
    }

    /** dX (+)= dY·W; see {@link org.nct.kernels.Kernels#matmulBackwardData}. */
    public void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w, long wOff,
                                   int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, false, accumulate);
        problem.set(dx, dxOff, m, k, n, dy, dyOff, n, 1, w, wOff, k, 1, accumulate, null, 0);
        run();
    }

    /** dW (+)= dYᵀ·X; see {@link org.nct.kernels.Kernels#matmulBackwardWeight}. */
    public void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x, long xOff,
                                     int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, false, accumulate);
        problem.set(dw, dwOff, n, k, m, dy, dyOff, 1, n, x, xOff, k, 1, accumulate, null, 0);
        run();
    }

    private void run() {
        Problem pr = problem;
        try {
            if (pr.rows == 0 || pr.cols == 0) return;
            int panels = (pr.cols + tileCols - 1) / tileCols;
            long need = (long) panels * pr.steps * tileCols;
            if (need > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("GEMM too large to pack: " + need + " floats");
            if (packedB.length < need) packedB = new float[(int) need];
            pr.panels = panels;
            if (pr.steps > 0) pool.forRange(panels, packB);
            int rowBlocks = (pr.rows + MR - 1) / MR;
            pr.splitRows = rowBlocks >= pool.threads() || panels < rowBlocks;
            pool.forRange(pr.splitRows ? rowBlocks : panels, compute);
        } finally {
            pr.clear();
        }
    }

    /** The arguments of one call as the generic problem out[r,c] = chain over p of fma(A[r,p], B[p,c], acc). */
    private static final class Problem {
        MemorySegment out, a, b, bias;
        long outOff, aOff, bOff, biasOff;
        int rows, cols, steps;
        long aRowStride, aStepStride, bStepStride, bColStride;
        boolean accumulate;
        int panels;
        boolean splitRows;

        void set(MemorySegment out, long outOff, int rows, int cols, int steps,
                 MemorySegment a, long aOff, long aRowStride, long aStepStride,
                 MemorySegment b, long bOff, long bStepStride, long bColStride,
                 boolean accumulate, MemorySegment bias, long biasOff) {
            this.out = out; this.outOff = outOff;
            this.rows = rows; this.cols = cols; this.steps = steps;
            this.a = a; this.aOff = aOff; this.aRowStride = aRowStride; this.aStepStride = aStepStride;
            this.b = b; this.bOff = bOff; this.bStepStride = bStepStride; this.bColStride = bColStride;
            this.accumulate = accumulate;
            this.bias = bias; this.biasOff = biasOff;
        }

        void clear() {
            out = a = b = bias = null;
        }

        /** How the chains start in the first reduction block. */
        int firstStart() {
            return accumulate ? MicroKernel.START_LOAD : bias != null ? MicroKernel.START_BIAS : MicroKernel.START_ZERO;
        }
    }

    /** Packs column panels [from,to) of B: panel j, step p, column c at (j·P + p)·tileCols + c; padding columns 0. */
    private final class PackB implements Parallel.Range {
        @Override
        public void run(int from, int to, int worker) {
            Problem pr = problem;
            float[] dst = packedB;
            int w = tileCols, steps = pr.steps;
            for (int j = from; j < to; j++) {
                int c0 = j * w, valid = Math.min(w, pr.cols - c0);
                int base = j * steps * w;
                if (pr.bColStride == 1) {
                    for (int p = 0; p < steps; p++) {
                        long src = (pr.bOff + p * pr.bStepStride + c0) * Float.BYTES;
                        MemorySegment.copy(pr.b, JAVA_FLOAT, src, dst, base + p * w, valid);
                        for (int c = valid; c < w; c++) dst[base + p * w + c] = 0f;
                    }
                } else {
                    for (int c = 0; c < w; c++) {
                        if (c < valid) {
                            long src = pr.bOff + (c0 + c) * pr.bColStride;
                            for (int p = 0; p < steps; p++) dst[base + p * w + c] = pr.b.getAtIndex(JAVA_FLOAT, src + p * pr.bStepStride);
                        } else {
                            for (int p = 0; p < steps; p++) dst[base + p * w + c] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Runs the tiles of row blocks or column panels [from,to). */
    private final class Compute implements Parallel.Range {
        @Override
        public void run(int from, int to, int worker) {
            Problem pr = problem;
            int r0, r1, j0, j1;
            if (pr.splitRows) {
                r0 = from * MR; r1 = Math.min(pr.rows, to * MR); j0 = 0; j1 = pr.panels;
            } else {
                r0 = 0; r1 = pr.rows; j0 = from; j1 = to;
            }
            float[] a = packedA[worker];
            float[] b = packedB;
            int w = tileCols;
            long ldc = (long) pr.cols * Float.BYTES;
            if (pr.steps == 0) {
                // no reduction: every output is its start value
                for (int ic = r0; ic < r1; ic += MR) {
                    for (int j = j0; j < j1; j++) edge(worker, a, 0, b, 0, 0, ic, Math.min(MR, r1 - ic), j, pr.firstStart());
                }
                return;
            }
            for (int pc = 0; pc < pr.steps; pc += KC) {
                int kc = Math.min(KC, pr.steps - pc);
                int start = pc == 0 ? pr.firstStart() : MicroKernel.START_LOAD;
                for (int ic = r0; ic < r1; ic += MC) {
                    int mc = Math.min(MC, r1 - ic);
                    packA(a, pr, ic, mc, pc, kc);
                    for (int j = j0; j < j1; j++) {
                        int c0 = j * w;
                        int bi = (j * pr.steps + pc) * w;
                        boolean fullCols = c0 + w <= pr.cols;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int ai = ir * kc;
                            int r = ic + ir;
                            if (fullCols && ir + MR <= mc) {
                                long co = (pr.outOff + (long) r * pr.cols + c0) * Float.BYTES;
                                kernel.tile(a, ai, b, bi, kc, pr.out, co, ldc, start, pr.bias, (pr.biasOff + c0) * Float.BYTES);
                            } else {
                                edge(worker, a, ai, b, bi, kc, r, Math.min(MR, mc - ir), j, start);
                            }
                        }
                    }
                }
            }
        }

        /** A tile with fewer than MR rows or tileCols columns, run on the zero-padded scratch tile. */
        private void edge(int worker, float[] a, int ai, float[] b, int bi, int kc, int r, int rows, int j, int start) {
            Problem pr = problem;
            MemorySegment t = edgeTile[worker];
            int w = tileCols, c0 = j * w, cols = Math.min(w, pr.cols - c0);
            for (int rr = 0; rr < MR; rr++) {
                long o = pr.outOff + (long) (r + rr) * pr.cols + c0;
                for (int c = 0; c < w; c++) {
                    float v = 0f;
                    if (rr < rows && c < cols) {
                        if (start == MicroKernel.START_LOAD) v = pr.out.getAtIndex(JAVA_FLOAT, o + c);
                        else if (start == MicroKernel.START_BIAS) v = pr.bias.getAtIndex(JAVA_FLOAT, pr.biasOff + c0 + c);
                    }
                    t.setAtIndex(JAVA_FLOAT, (long) rr * w + c, v);
                }
            }
            kernel.tile(a, ai, b, bi, kc, t, 0, (long) w * Float.BYTES, MicroKernel.START_LOAD, null, 0);
            for (int rr = 0; rr < rows; rr++) {
                long o = pr.outOff + (long) (r + rr) * pr.cols + c0;
                for (int c = 0; c < cols; c++) pr.out.setAtIndex(JAVA_FLOAT, o + c, t.getAtIndex(JAVA_FLOAT, (long) rr * w + c));
            }
        }
    }

    /**
     * Packs rows [ic, ic+mc) × steps [pc, pc+kc) of A into MR-row micro-panels: micro-panel q,
     * step p, row r at (q·kc + p)·MR + r; rows past the end are 0.
     */
    private static void packA(float[] dst, Problem pr, int ic, int mc, int pc, int kc) {
        for (int q = 0; q * MR < mc; q++) {
            int r0 = ic + q * MR, valid = Math.min(MR, pr.rows - r0);
            int base = q * kc * MR;
            if (pr.aRowStride == 1) {
                for (int p = 0; p < kc; p++) {
                    long src = (pr.aOff + (pc + p) * pr.aStepStride + r0) * Float.BYTES;
                    MemorySegment.copy(pr.a, JAVA_FLOAT, src, dst, base + p * MR, valid);
                    for (int r = valid; r < MR; r++) dst[base + p * MR + r] = 0f;
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    if (r < valid) {
                        long src = pr.aOff + (r0 + r) * pr.aRowStride + pc * pr.aStepStride;
                        for (int p = 0; p < kc; p++) dst[base + p * MR + r] = pr.a.getAtIndex(JAVA_FLOAT, src + p * pr.aStepStride);
                    } else {
                        for (int p = 0; p < kc; p++) dst[base + p * MR + r] = 0f;
                    }
                }
            }
        }
    }
}
