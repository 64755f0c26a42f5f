package org.nct.kernels.gemm;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import org.nct.kernels.Parallel;

/**
 * Scalar reference of the three GEMM forms: the definition of their bits. Every output element is
 * one sequential fp32 {@link Math#fma} chain over the reduced index in increasing order, starting
 * from 0, from the bias, or (accumulate) from the value the output holds. Work is split over output
 * rows only, so the thread count never changes a bit.
 *
 * <p>One instance serves one caller at a time (the parallel body keeps the call's arguments).
 */
public final class ScalarGemm implements Gemm {

    private static final int FORWARD = 0, BACKWARD_DATA = 1, BACKWARD_WEIGHT = 2;

    private final Parallel pool;
    private final Call call = new Call();

    public ScalarGemm(Parallel pool) {
        this.pool = pool;
    }

    /** Y = X·Wᵀ (+ bias); see {@link org.nct.kernels.Kernels#matmul}. */
    public void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                       MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, bias != null, accumulate);
        call.set(FORWARD, y, yOff, x, xOff, w, wOff, bias, bOff, m, k, n, accumulate);
        run(m);
    }

    /** dX (+)= dY·W; see {@link org.nct.kernels.Kernels#matmulBackwardData}. */
    public void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w, long wOff,
                                   int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, false, accumulate);
        call.set(BACKWARD_DATA, dx, dxOff, dy, dyOff, w, wOff, null, 0, m, k, n, accumulate);
        run(m);
    }

    /** dW (+)= dYᵀ·X; see {@link org.nct.kernels.Kernels#matmulBackwardWeight}. */
    public void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x, long xOff,
                                     int m, int k, int n, boolean accumulate) {
        GemmArgs.check(m, k, n, false, accumulate);
        call.set(BACKWARD_WEIGHT, dw, dwOff, dy, dyOff, x, xOff, null, 0, m, k, n, accumulate);
        run(n);
    }

    private void run(int outputRows) {
        try {
            pool.forRange(outputRows, call);
        } finally {
            call.clear();
        }
    }

    /** The arguments of one call and the per-row loops of the three forms. */
    private static final class Call implements Parallel.Range {
        int form;
        MemorySegment out, a, b, bias;
        long outOff, aOff, bOff, biasOff;
        int m, k, n;
        boolean accumulate;

        void set(int form, MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff,
                 MemorySegment bias, long biasOff, int m, int k, int n, boolean accumulate) {
            this.form = form;
            this.out = out; this.outOff = outOff;
            this.a = a; this.aOff = aOff;
            this.b = b; this.bOff = bOff;
            this.bias = bias; this.biasOff = biasOff;
            this.m = m; this.k = k; this.n = n;
            this.accumulate = accumulate;
        }

        void clear() {
            out = a = b = bias = null;
        }

        @Override
        public void run(int from, int to, int worker) {
            switch (form) {
                case FORWARD -> forward(from, to);
                case BACKWARD_DATA -> backwardData(from, to);
                default -> backwardWeight(from, to);
            }
        }

        /** Rows [from,to) of Y: Y[i,j] = chain over p of fma(X[i,p], W[j,p], acc). */
        private void forward(int from, int to) {
            for (int i = from; i < to; i++) {
                long xRow = aOff + (long) i * k, yRow = outOff + (long) i * n;
                for (int j = 0; j < n; j++) {
                    float acc = accumulate ? out.getAtIndex(JAVA_FLOAT, yRow + j)
                            : bias != null ? bias.getAtIndex(JAVA_FLOAT, biasOff + j) : 0f;
                    long wRow = bOff + (long) j * k;
                    for (int p = 0; p < k; p++) {
                        acc = Math.fma(a.getAtIndex(JAVA_FLOAT, xRow + p), b.getAtIndex(JAVA_FLOAT, wRow + p), acc);
                    }
                    out.setAtIndex(JAVA_FLOAT, yRow + j, acc);
                }
            }
        }

        /**
         * Rows [from,to) of dX: dX[i,c] = chain over j of fma(dY[i,j], W[j,c], acc). The chains of
         * one row advance together (j outer), each element still in increasing j.
         */
        private void backwardData(int from, int to) {
            for (int i = from; i < to; i++) {
                long dxRow = outOff + (long) i * k, dyRow = aOff + (long) i * n;
                if (!accumulate) zero(dxRow, k);
                for (int j = 0; j < n; j++) {
                    float d = a.getAtIndex(JAVA_FLOAT, dyRow + j);
                    long wRow = bOff + (long) j * k;
                    for (int c = 0; c < k; c++) {
                        out.setAtIndex(JAVA_FLOAT, dxRow + c,
                                Math.fma(d, b.getAtIndex(JAVA_FLOAT, wRow + c), out.getAtIndex(JAVA_FLOAT, dxRow + c)));
                    }
                }
            }
        }

        /** Rows [from,to) of dW: dW[j,c] = chain over i of fma(dY[i,j], X[i,c], acc), i = 0..M-1. */
        private void backwardWeight(int from, int to) {
            for (int j = from; j < to; j++) {
                long dwRow = outOff + (long) j * k;
                if (!accumulate) zero(dwRow, k);
                for (int i = 0; i < m; i++) {
                    float d = a.getAtIndex(JAVA_FLOAT, aOff + (long) i * n + j);
                    long xRow = bOff + (long) i * k;
                    for (int c = 0; c < k; c++) {
                        out.setAtIndex(JAVA_FLOAT, dwRow + c,
                                Math.fma(d, b.getAtIndex(JAVA_FLOAT, xRow + c), out.getAtIndex(JAVA_FLOAT, dwRow + c)));
                    }
                }
            }
        }

        private void zero(long off, int len) {
            for (int c = 0; c < len; c++) out.setAtIndex(JAVA_FLOAT, off + c, 0f);
        }
    }
}
