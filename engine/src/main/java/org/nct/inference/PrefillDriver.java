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
 *
 * <p><b>Pipelined mode</b> ({@code overlap}): the model never waits for the coder (the bytes are
 * known), so the CDFs go to two buffers in turn: while the calling thread runs the model step of
 * chunk c, the {@link CoderThread} codes chunk c−1. The chunks are the same and each task is coded
 * in order by one thread, so the code is the sequential mode's bit for bit.
 */
final class PrefillDriver implements AutoCloseable {
    private static final int ROW = IntegerCdf.SYMBOLS + 1;

    private final IncrementalM1 m1;
    private final int precision;
    private final Arena arena = Arena.ofShared();
    private final int[] slot, token, position;
    private final Chunk[] chunks;     // one, or two in turn in the pipelined mode
    private final CoderThread coder;  // the pipelined mode's coder thread, else null

    PrefillDriver(IncrementalM1 m1, int precision, boolean overlap) {
        this.m1 = m1;
        this.precision = IntegerCdf.checkPrecision(precision);
        int rows = m1.rows();
        this.slot = new int[rows];
        this.token = new int[rows];
        this.position = new int[rows];
        this.chunks = new Chunk[overlap ? 2 : 1];
        for (int i = 0; i < chunks.length; i++) chunks[i] = new Chunk(arena.allocate((long) rows * ROW * Integer.BYTES, 64));
        this.coder = overlap ? new CoderThread() : null;
    }

    /** Runs every task to completion, one after the other; progress gets the bytes fed to the model so far. */
    void run(List<? extends KnownContextTask> tasks, LongConsumer progress) {
        long fed = 0;
        int rows = m1.rows();
        int c = 0;
        try {
            for (KnownContextTask task : tasks) {
                int n = task.length();
                if (n == 0 && task.next() != CodingTask.DONE) throw new IllegalStateException("a known-context task ran past its length");
                for (int first = 0; first < n; first += rows) {
                    int m = Math.min(rows, n - first);
                    for (int r = 0; r < m; r++) {
                        int p = first + r;
                        slot[r] = 0;
                        position[r] = p;
                        token[r] = p == 0 ? CodingModel.START : task.byteAt(p - 1);
                    }
                    Chunk ch = chunks[c++ % chunks.length];
                    ch.set(task, first, m, first + m == n);
                    m1.stepToCdf(m, slot, token, position, ch.cum, precision);
                    if (coder == null) {
                        ch.run();
                    } else {
                        coder.join();       // chunk c−1 is coded: its buffer is free for chunk c+1
                        coder.start(ch);
                    }
                    fed += m;
                    if (progress != null) progress.accept(fed);
                }
            }
            if (coder != null) coder.join();
        } catch (RuntimeException | Error e) {
            if (coder != null) coder.joinAfter(e);
            throw e;
        }
    }

    /** Rows [first, first+m) of one task: their CDFs, and the coding of them. */
    private static final class Chunk implements Runnable {
        final MemorySegment cum;    // (rows, 257) int32
        final int[] cdf = new int[ROW];
        KnownContextTask task;
        int first, m;
        boolean last;

        Chunk(MemorySegment cum) {
            this.cum = cum;
        }

        void set(KnownContextTask task, int first, int m, boolean last) {
            this.task = task;
            this.first = first;
            this.m = m;
            this.last = last;
        }

        @Override public void run() {
            for (int r = 0; r < m; r++) {
                if (task.next() != CodingTask.CDF) throw new IllegalStateException("a known-context task stopped before its length");
                MemorySegment.copy(cum, ValueLayout.JAVA_INT, (long) r * ROW * Integer.BYTES, cdf, 0, ROW);
                int fedByte = task.step(cdf);
                if (fedByte != task.byteAt(first + r)) throw new IllegalStateException("a known-context task fed another byte than announced");
            }
            if (last && task.next() != CodingTask.DONE) throw new IllegalStateException("a known-context task ran past its length");
        }
    }

    @Override
    public void close() {
        if (coder != null) coder.close();
        arena.close();
    }
}
