package org.nct.inference;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.LongConsumer;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;
import org.nct.coding.KnownContextTask;

/**
 * Runs encoders whose whole context is known ({@link KnownContextTask}) with batched prefill: the
 * start token and a block's bytes go through M1 in steps of up to {@code m1.rows()} consecutive
 * positions of one slot, so the GEMMs run over hundreds of rows and each step's attention rows
 * share their block's cached keys, instead of one model step per byte. Every row's computation is
 * the incremental one ({@link IncrementalM1}), so the CDFs, and the code, are bit-identical to
 * {@link BatchDriver}'s.
 */
final class PrefillDriver implements AutoCloseable {
    private static final int ROW = IntegerCdf.SYMBOLS + 1;

    private final IncrementalM1 m1;
    private final int precision;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment cum;
    private final int[] slot, token, position, cdf = new int[ROW];

    PrefillDriver(IncrementalM1 m1, int precision) {
        this.m1 = m1;
        this.precision = IntegerCdf.checkPrecision(precision);
        int rows = m1.rows();
        this.cum = arena.allocate((long) rows * ROW * Integer.BYTES, 64);
        this.slot = new int[rows];
        this.token = new int[rows];
        this.position = new int[rows];
    }

    /** Runs every task to completion, one after the other; progress gets the bytes coded so far. */
    void run(List<? extends KnownContextTask> tasks, LongConsumer progress) {
        long fed = 0;
        int rows = m1.rows();
        for (KnownContextTask task : tasks) {
            int n = task.length();
            for (int first = 0; first < n; first += rows) {
                int m = Math.min(rows, n - first);
                for (int r = 0; r < m; r++) {
                    int p = first + r;
                    slot[r] = 0;
                    position[r] = p;
                    token[r] = p == 0 ? CodingModel.START : task.byteAt(p - 1);
                }
                m1.stepToCdf(m, slot, token, position, cum, precision);
                for (int r = 0; r < m; r++) {
                    if (task.next() != CodingTask.CDF) throw new IllegalStateException("a known-context task stopped before its length");
                    MemorySegment.copy(cum, ValueLayout.JAVA_INT, (long) r * ROW * Integer.BYTES, cdf, 0, ROW);
                    int fedByte = task.step(cdf);
                    if (fedByte != task.byteAt(first + r)) throw new IllegalStateException("a known-context task fed another byte than announced");
                }
                fed += m;
                if (progress != null) progress.accept(fed);
            }
            if (task.next() != CodingTask.DONE) throw new IllegalStateException("a known-context task ran past its length");
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
