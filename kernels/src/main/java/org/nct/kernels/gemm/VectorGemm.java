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
 * columns (zero-padded at the right edge); A is read in place through its two strides (for dW,
 * whose A = dYᵀ is read column-wise, each MC × KC block is first copied into a compact buffer), so
 * the three forms differ only in packing and strides and share the one {@link MicroKernel}. The
 * reduction is cut into blocks of {@link #KC} steps that run in order on the same output tile
 * (partials are stored and reloaded as fp32, which is exact), so every output is still one
 * sequential chain. Threads split output tiles only: column panels when B is the larger operand
 * (more columns than rows) and the panels share out evenly, or when there are fewer row blocks than
 * threads; row blocks otherwise. Problems under {@link #SERIAL_WORK} multiply-adds run on the
 * caller alone. Tiles at the bottom and right edges copy only their valid
 * elements in and out of the tile array; missing rows of A are zero-padded in a small block.
 *
 * <p>Packing buffers belong to the instance and grow on first use; steady-state calls allocate
 * nothing. One instance serves one caller at a time.
 */
public final class VectorGemm implements Gemm {

    /**
     * Reduction steps per block where B is packed whole: one block's B panel (KC × tileCols floats,
     * 256 KiB at 512 bits) stays in L2. In an A/B inside one training process (alternate steps,
     * B16 T256), 1024 took 2.7–15.9 ms less per median step than 512 in four runs out of four; 256
     * was slower than 512, and 2048 against 512 gave +1.6 and −10.0 ms in two runs.
     */
    static final int KC = 1024;
    /** Reduction steps per block of the block-packed dW path ({@link Compute#panelBlocks}); its B block is packed per worker. */
    static final int BLOCKED_KC = 512;
    /** Output rows per block of A (a multiple of MR; the block's rows stay in L2 across column panels). */
    static final int MC = 32 * MicroKernel.MR;

    /**
     * dW with at most this many output rows when threads split the column panels, or at most half
     * of it per thread when they split the rows: A (= dYᵀ) is copied one step block for the
     * thread's rows at once and B (= X) one BLOCKED_KC × tileCols block at a time, right before its
     * tiles (see {@link Compute#panelBlocks}). Above {@code BLOCKED_ROWS / 2} rows the step block is
     * BLOCKED_KC / 2, so that the A block stays within {@code BLOCKED_ROWS · BLOCKED_KC / 2} floats. (With the
     * rows split, a quiet A/B had 128 rows per thread — dW 4096×256×256 — faster than the whole-B
     * path and 516 — dW 4096×256×1024 — slower: docs/kernels-gemm.md, "Variants measured".)
     */
    static final int BLOCKED_ROWS = 528;

    /** Problems with fewer multiply-adds than this run on the calling thread alone (by default). */
    static final long SERIAL_WORK = 1L << 20;

    private static final int MR = MicroKernel.MR;
    /** How a tile's chains start in the first reduction block. */
    private static final int START_LOAD = 0, START_ZERO = 1, START_BIAS = 2;

    private final long serialWork;
    private final MicroKernel kernel;
    private final int tileCols;
    private final Parallel pool;
    private final Problem problem = new Problem();
    private final PackB packB = new PackB();
    private final Compute compute = new Compute();
    private final float[][] tile;
    private final MemorySegment[] edgeA;
    private final MemorySegment[] blockA;
    /** Per worker: one BLOCKED_KC × tileCols block of B, packed just before its tiles (dW split by column panels). */
    private final float[][] blockB;
    /** KC zeros: the missing rows of an edge block. */
    private final MemorySegment zerosKC;
    private float[] packedB = new float[0];

    public VectorGemm(VectorSpecies<Float> species, Parallel pool) {
        this(species, pool, SERIAL_WORK);
    }

    /** With a chosen serial threshold (tests use 0 to run even tiny problems on all threads). */
    VectorGemm(VectorSpecies<Float> species, Parallel pool, long serialWork) {
        this.serialWork = serialWork;
        this.kernel = MicroKernel.of(species);
        this.tileCols = kernel.tileCols();
        this.pool = pool;
        int t = pool.threads();
        this.tile = new float[t][MR * tileCols];
        this.edgeA = new MemorySegment[t];
        this.blockA = new MemorySegment[t];
        this.blockB = new float[t][BLOCKED_KC * tileCols];
        Arena arena = Arena.ofAuto();
        this.zerosKC = arena.allocate((long) KC * Float.BYTES, 64);
        for (int i = 0; i < t; i++) {
            edgeA[i] = arena.allocate((long) MR * KC * Float.BYTES, 64);
            blockA[i] = arena.allocate((long) Math.max(MC * KC, BLOCKED_ROWS * BLOCKED_KC / 2) * Float.BYTES, 64);
        }
    }

    /** Y = X·Wᵀ (+ bias); see {@link org.nct.kernels.Kernels#matmul}. */
    public void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                       MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, bias != null, accumulate);
        problem.set(y, yOff, m, n, k, x, xOff, k, 1, w, wOff, 1, k, accumulate, bias, bOff);
        run();
    }

    /**
     * Y = X·Wᵀ (+ bias) for a W that never changes while this instance is used: W's packed panels
     * are made on the first call for (w, wOff, k, n) and reused by later calls (same bits as
     * {@link #matmul}; only the packing is skipped). See {@link org.nct.kernels.Kernels#matmulFixedWeights}.
     */
    public void matmulFixedWeights(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                   MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, bias != null, accumulate);
        problem.set(y, yOff, m, n, k, x, xOff, k, 1, w, wOff, 1, k, accumulate, bias, bOff);
        PackedWeights pw = null;
        for (int i = 0; i < fixedCount && pw == null; i++) {
            PackedWeights c = fixed[i];
            if (c.w == w && c.wOff == wOff && c.k == k && c.n == n) pw = c;
        }
        if (pw == null && m > 0 && n > 0) {
            if (fixedCount == fixed.length) fixed = java.util.Arrays.copyOf(fixed, 2 * fixed.length);
            pw = new PackedWeights(w, wOff, k, n, pack());
            fixed[fixedCount++] = pw;
        }
        problem.packed = pw == null ? null : pw.panels;
        run();
    }

    /** The packed panels of one fixed weight matrix. */
    private record PackedWeights(MemorySegment w, long wOff, int k, int n, float[] panels) { }

    private PackedWeights[] fixed = new PackedWeights[16];
    private int fixedCount;

    /** Packs the current problem's B into a new array of its own. */
    private float[] pack() {
        Problem pr = problem;
        int panels = (pr.cols + tileCols - 1) / tileCols;
        long need = (long) panels * pr.steps * tileCols;
        if (need > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("GEMM too large to pack: " + need + " floats");
        float[] saved = packedB;
        float[] dst = new float[(int) need];
        packedB = dst;
        try {
            packB.run(0, pr.steps > 0 ? panels : 0, 0);
        } finally {
            packedB = saved;
        }
        return dst;
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
            boolean prepacked = pr.packed != null;
            pr.panels = panels;
            int rowBlocks = (pr.rows + MR - 1) / MR;
            // too small to pay for waking the workers: everything on the caller
            boolean serial = (long) pr.rows * pr.cols * pr.steps < serialWork;
            // Threads take the larger operand apart: column panels when B (cols × steps) is larger
            // than A (rows × steps) and the panels share out evenly, else row blocks. Each thread
            // then streams only its part of the larger one (e.g. dW with N = 256, K = 1024).
            int threads = pool.threads();
            boolean byCols = pr.cols > pr.rows && panels >= threads && (panels % threads == 0 || panels >= 8 * threads);
            pr.splitRows = serial || (!byCols && (rowBlocks >= threads || panels < rowBlocks));
            int rowsPerThread = pr.splitRows ? Math.ceilDiv(rowBlocks, threads) * MR : pr.rows;
            pr.blockedB = !serial && !prepacked && pr.steps > 0 && pr.aRowStride == 1 && pr.bColStride == 1
                    && pr.cols % tileCols == 0 && rowsPerThread <= (pr.splitRows ? BLOCKED_ROWS / 2 : BLOCKED_ROWS);
            if (!prepacked && !pr.blockedB) {
                long need = (long) panels * pr.steps * tileCols;
                if (need > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("GEMM too large to pack: " + need + " floats");
                if (packedB.length < need) packedB = new float[(int) need];
                pr.packed = packedB;
            }
            if (serial) {
                if (!prepacked) packB.run(0, pr.steps > 0 ? panels : 0, 0);
                compute.run(0, rowBlocks, 0);
                return;
            }
            if (pr.steps > 0 && !prepacked && !pr.blockedB) pool.forRange(panels, packB);
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
        /** A with contiguous rows (dW, or any form with a reduction of 1), few rows per thread: B packed block by block inside {@link Compute}. */
        boolean blockedB;
        /** B's packed panels that the tiles read: {@code packedB}, or a fixed weight's own panels. */
        float[] packed;

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
            blockedB = false;
            packed = null;
        }

        /** How the chains start in the first reduction block. */
        int firstStart() {
            return accumulate ? START_LOAD : bias != null ? START_BIAS : START_ZERO;
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
                        if (valid == w) {
                            kernel.copyRow(pr.b, src, dst, base + p * w); // NR vector moves, not a bulk-copy call per step
                        } else {
                            MemorySegment.copy(pr.b, JAVA_FLOAT, src, dst, base + p * w, valid);
                            for (int c = valid; c < w; c++) dst[base + p * w + c] = 0f;
                        }
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
            if (pr.blockedB) {
                if (pr.splitRows) panelBlocks(worker, from * MR, Math.min(pr.rows, to * MR), 0, pr.panels);
                else panelBlocks(worker, 0, pr.rows, from, to);
                return;
            }
            int r0, r1, j0, j1;
            if (pr.splitRows) {
                r0 = from * MR; r1 = Math.min(pr.rows, to * MR); j0 = 0; j1 = pr.panels;
            } else {
                r0 = 0; r1 = pr.rows; j0 = from; j1 = to;
            }
            float[] b = pr.packed, t = tile[worker];
            int w = tileCols;
            long ldc = (long) pr.cols * Float.BYTES;
            boolean packA = pr.aRowStride == 1; // A = dYᵀ: gather its block into a compact copy
            MemorySegment a = packA ? blockA[worker] : pr.a;
            long ars = packA ? Float.BYTES : pr.aRowStride * Float.BYTES;
            long aps = packA ? (long) MC * Float.BYTES : pr.aStepStride * Float.BYTES;
            for (int pc = 0; pc == 0 || pc < pr.steps; pc += KC) {
                int kc = Math.min(KC, pr.steps - pc);
                int start = pc == 0 ? pr.firstStart() : START_LOAD;
                for (int ic = r0; ic < r1; ic += MC) {
                    int ie = Math.min(ic + MC, r1);
                    long aBase;
                    if (packA) {
                        for (int p = 0; p < kc; p++) {
                            MemorySegment.copy(pr.a, (pr.aOff + (pc + p) * pr.aStepStride + ic) * Float.BYTES,
                                    a, p * aps, (long) (ie - ic) * Float.BYTES);
                        }
                        aBase = 0;
                    } else {
                        aBase = (pr.aOff + ic * pr.aRowStride + pc * pr.aStepStride) * Float.BYTES;
                    }
                    for (int j = j0; j < j1; j++) {
                        int c0 = j * w;
                        int bi = (j * pr.steps + pc) * w;
                        boolean fullCols = c0 + w <= pr.cols;
                        for (int r = ic; r < ie; r += MR) {
                            if (fullCols && r + MR <= ie) {
                                long ao = aBase + (r - ic) * ars;
                                long co = (pr.outOff + (long) r * pr.cols + c0) * Float.BYTES;
                                if (start == START_LOAD) kernel.loadTile(pr.out, co, ldc, t);
                                else if (start == START_BIAS) kernel.biasTile(pr.bias, (pr.biasOff + c0) * Float.BYTES, t);
                                kernel.tile(a, ao, ars, aps, b, bi, kc, t, start == START_ZERO);
                                kernel.storeTile(t, pr.out, co, ldc);
                            } else {
                                edge(worker, r, Math.min(MR, ie - r), j, pc, kc, start);
                            }
                        }
                    }
                }
            }
        }

        /**
         * dW (A = dYᵀ, B = X with K-major rows) on output rows [r0, r1) and column panels [j0, j1):
         * per step block, those rows of A are copied step-major (pitch: the rows rounded up to MR,
         * the extra rows zero), then for each panel its kc × tileCols block of B is packed into the
         * worker's {@code blockB} and every row tile runs on it. The block is still in cache when
         * the tiles read it, and nothing is written to a whole-B array (32 MiB for K = 2048,
         * M = 4096). When threads split the rows, each packs every B block for itself. The chains
         * are those of {@link #run}'s path: step blocks in order, partials stored and reloaded in
         * fp32.
         */
        private void panelBlocks(int worker, int r0, int r1, int j0, int j1) {
            Problem pr = problem;
            int rows = r1 - r0, w = tileCols, pitch = (rows + MR - 1) / MR * MR;
            int kcMax = rows <= BLOCKED_ROWS / 2 ? BLOCKED_KC : BLOCKED_KC / 2;
            float[] t = tile[worker], bb = blockB[worker];
            MemorySegment a = blockA[worker];
            long aps = (long) pitch * Float.BYTES, ldc = (long) pr.cols * Float.BYTES;
            for (int p = 0; p < kcMax; p++) {      // the padding rows stay zero: the copies below never reach them
                MemorySegment.copy(zerosKC, 0, a, p * aps + (long) rows * Float.BYTES, (long) (pitch - rows) * Float.BYTES);
            }
            for (int pc = 0; pc < pr.steps; pc += kcMax) {
                int kc = Math.min(kcMax, pr.steps - pc);
                int start = pc == 0 ? pr.firstStart() : START_LOAD;
                for (int p = 0; p < kc; p++) {
                    MemorySegment.copy(pr.a, (pr.aOff + (pc + p) * pr.aStepStride + r0) * Float.BYTES, a, p * aps, (long) rows * Float.BYTES);
                }
                for (int j = j0; j < j1; j++) {
                    int c0 = j * w;
                    for (int p = 0; p < kc; p++) kernel.copyRow(pr.b, (pr.bOff + (pc + p) * pr.bStepStride + c0) * Float.BYTES, bb, p * w);
                    for (int r = r0; r < r1; r += MR) {
                        int valid = Math.min(MR, r1 - r);
                        long co = (pr.outOff + (long) r * pr.cols + c0) * Float.BYTES;
                        if (valid == MR) {
                            if (start == START_LOAD) kernel.loadTile(pr.out, co, ldc, t);
                            else if (start == START_BIAS) kernel.biasTile(pr.bias, (pr.biasOff + c0) * Float.BYTES, t);
                        } else {
                            for (int rr = 0; rr < valid; rr++) {
                                if (start == START_LOAD) MemorySegment.copy(pr.out, JAVA_FLOAT, co + rr * ldc, t, rr * w, w);
                                else if (start == START_BIAS) MemorySegment.copy(pr.bias, JAVA_FLOAT, (pr.biasOff + c0) * Float.BYTES, t, rr * w, w);
                            }
                        }
                        kernel.tile(a, (long) (r - r0) * Float.BYTES, Float.BYTES, aps, bb, 0, kc, t, start == START_ZERO);
                        if (valid == MR) kernel.storeTile(t, pr.out, co, ldc);
                        else for (int rr = 0; rr < valid; rr++) MemorySegment.copy(t, rr * w, pr.out, JAVA_FLOAT, co + rr * ldc, w);
                    }
                }
            }
        }

        /**
         * A tile with fewer than MR rows or tileCols columns: only its valid elements are copied
         * into and out of the tile array (the lanes outside are computed and dropped), and when
         * rows are missing its rows of A are first copied into a zero-padded block.
         */
        private void edge(int worker, int r, int rows, int j, int pc, int kc, int start) {
            Problem pr = problem;
            float[] t = tile[worker];
            int w = tileCols, c0 = j * w, cols = Math.min(w, pr.cols - c0);
            MemorySegment a = pr.a;
            long ao = (pr.aOff + r * pr.aRowStride + pc * pr.aStepStride) * Float.BYTES;
            long ars = pr.aRowStride * Float.BYTES, aps = pr.aStepStride * Float.BYTES;
            if (rows < MR) {
                // the block's rows of A, row-major with pitch KC (a bulk copy when A's steps are contiguous), zeros below
                MemorySegment ea = edgeA[worker];
                long pitch = (long) KC * Float.BYTES, len = (long) kc * Float.BYTES;
                for (int rr = 0; rr < MR; rr++) {
                    long src = pr.aOff + (r + rr) * pr.aRowStride + pc * pr.aStepStride;
                    if (rr >= rows) MemorySegment.copy(zerosKC, 0, ea, rr * pitch, len);
                    else if (pr.aStepStride == 1) MemorySegment.copy(pr.a, src * Float.BYTES, ea, rr * pitch, len);
                    else for (int p = 0; p < kc; p++) ea.setAtIndex(JAVA_FLOAT, rr * (long) KC + p, pr.a.getAtIndex(JAVA_FLOAT, src + p * pr.aStepStride));
                }
                a = ea; ao = 0; ars = pitch; aps = Float.BYTES;
            }
            for (int rr = 0; rr < rows; rr++) {
                long o = (pr.outOff + (long) (r + rr) * pr.cols + c0) * Float.BYTES;
                if (start == START_LOAD) MemorySegment.copy(pr.out, JAVA_FLOAT, o, t, rr * w, cols);
                else if (start == START_BIAS) MemorySegment.copy(pr.bias, JAVA_FLOAT, (pr.biasOff + c0) * Float.BYTES, t, rr * w, cols);
            }
            kernel.tile(a, ao, ars, aps, pr.packed, (j * pr.steps + pc) * w, kc, t, start == START_ZERO);
            for (int rr = 0; rr < rows; rr++) {
                long o = (pr.outOff + (long) (r + rr) * pr.cols + c0) * Float.BYTES;
                MemorySegment.copy(t, rr * w, pr.out, JAVA_FLOAT, o, cols);
            }
        }
    }
}
