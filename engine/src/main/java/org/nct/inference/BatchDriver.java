package org.nct.inference;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.LongConsumer;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;
import org.nct.kernels.Parallel;

/**
 * Runs many {@link CodingTask}s (independent blocks or examples) through one {@link IncrementalM1}:
 * every task that needs a CDF is advanced by the same batched model step; when a task finishes, its
 * slot takes the next task. A context reset costs no model step: the start position's keys, values
 * and CDF are computed once and copied (they depend on nothing before them). The tasks' results do
 * not depend on the number of slots or on which tasks share a step.
 */
public final class BatchDriver {
    private static final int ROW = IntegerCdf.SYMBOLS + 1;

    private final IncrementalM1 m1;
    private final Parallel pool;
    private final int precision;
    private final int streams;        // slots for tasks; the last slot of m1 holds the start template
    private final int template;
    private final int[] startCdf = new int[ROW];
    private final boolean[] primed;   // slot s holds the start token's keys and values at position 0
    private final Arena arena = Arena.ofShared();
    private final MemorySegment cum;  // (slots, 257) int32: the CDFs of one step's rows

    // state of run(), per slot
    private CodingTask[] task;
    private int[] position, feed;
    private int[][] cdf;
    private int[] rowSlot, rowToken, rowPos;
    private boolean[] finished;
    private final Advance advanceRows = new Advance();

    /** Uses slots 0..slots−2 of m1 for tasks and the last one as the start template. */
    public BatchDriver(IncrementalM1 m1, Parallel pool, int precision) {
        if (m1.slots() < 2) throw new IllegalArgumentException("the batch driver needs at least 2 slots");
        if (m1.config().vocabSize() != IntegerCdf.SYMBOLS) throw new IllegalArgumentException("M1 must have a 256-byte vocabulary, this model has " + m1.config().vocabSize());
        this.m1 = m1;
        this.pool = pool;
        this.precision = IntegerCdf.checkPrecision(precision);
        this.streams = m1.slots() - 1;
        this.template = m1.slots() - 1;
        this.primed = new boolean[streams];
        this.cum = arena.allocate((long) m1.slots() * ROW * Integer.BYTES, 64);
        m1.stepToCdf(1, new int[] {template}, new int[] {CodingModel.START}, new int[] {0}, cum, precision);
        MemorySegment.copy(cum, ValueLayout.JAVA_INT, 0, startCdf, 0, ROW);
    }

    /**
     * Runs every task to completion. {@code progress} (may be null) receives the number of model
     * steps (bytes fed) after each batched step. After a step, the rows' CDFs are built and their
     * tasks advanced in parallel on the pool: each row touches only its own slot and task.
     */
    public void run(List<? extends CodingTask> tasks, LongConsumer progress) {
        task = new CodingTask[streams];
        position = new int[streams];     // next position to feed
        feed = new int[streams];         // token to feed, or -1 when none is pending
        cdf = new int[streams][ROW];
        rowSlot = new int[streams];
        rowToken = new int[streams];
        rowPos = new int[streams];
        finished = new boolean[streams];
        int nextTask = 0;
        int active = 0;
        long fed = 0;
        try {
            while (true) {
                for (int s = 0; s < streams; s++) {
                    while (task[s] == null && nextTask < tasks.size()) {
                        task[s] = tasks.get(nextTask++);
                        active++;
                        resetSlot(s);
                        if (!advance(s)) active--;
                    }
                }
                if (active == 0) return;
                int n = 0;
                for (int s = 0; s < streams; s++) {
                    if (task[s] != null) {
                        rowSlot[n] = s;
                        rowToken[n] = feed[s];
                        rowPos[n] = position[s];
                        n++;
                    }
                }
                m1.stepToCdf(n, rowSlot, rowToken, rowPos, cum, precision);
                fed += n;
                pool.forRange(n, advanceRows);
                for (int r = 0; r < n; r++) {
                    if (finished[r]) {
                        finished[r] = false;
                        active--;
                    }
                }
                if (progress != null) progress.accept(fed);
            }
        } finally {
            task = null;
        }
    }

    /** Row r of a step: its CDF to the slot, one position on, the task advanced to its next need. */
    private final class Advance implements Parallel.Range {
        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                int s = rowSlot[r];
                MemorySegment.copy(cum, ValueLayout.JAVA_INT, (long) r * ROW * Integer.BYTES, cdf[s], 0, ROW);
                position[s]++;
                feed[s] = -1;
                if (!advance(s)) finished[r] = true;
            }
        }
    }

    /**
     * Context reset: position 0 holds the start token (copied once per slot: no step ever writes
     * position 0 of a task slot, so it keeps the template's keys and values), the next CDF is the
     * start CDF.
     */
    private void resetSlot(int s) {
        if (!primed[s]) {
            m1.copyPosition(template, s, 0);
            primed[s] = true;
        }
        position[s] = 1;
        feed[s] = -1;
        System.arraycopy(startCdf, 0, cdf[s], 0, startCdf.length);
    }

    /**
     * Advances slot s with its current CDF until it needs a model step (returns true, feed[s] set)
     * or its task is done (returns false, slot freed).
     */
    private boolean advance(int s) {
        while (true) {
            int a = task[s].next();
            if (a == CodingTask.DONE) {
                task[s] = null;
                return false;
            }
            if (a == CodingTask.RESET) {
                resetSlot(s);
                continue;
            }
            if (feed[s] >= 0) return true;          // the context changed: the model must run
            int sym = task[s].step(cdf[s]);
            if (sym >= 0) feed[s] = sym;
        }
    }

    /** Frees the CDF buffer (the IncrementalM1 stays the caller's). */
    public void close() {
        arena.close();
    }
}
