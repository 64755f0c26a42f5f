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
 * not depend on the number of slots or on which tasks share a step: a row's CDF depends only on
 * its own slot's tokens ({@link IncrementalM1}), and a task's coder sees only its own CDFs.
 *
 * <p><b>Pipelined mode</b> ({@code overlap}): the slots form two groups that take turns. While the
 * calling thread runs one group's model step (kernels, then {@link org.nct.kernels.Kernels#cdfRows}),
 * the {@link CoderThread} runs the other group's coders on the CDFs of its previous step, refills
 * its free slots and collects its next rows. Each task still gets exactly the CDFs of its own
 * context in the same order, so every coded bit is the sequential mode's. Only the calling thread
 * calls the kernels: every slot's start position is copied from the template up front.
 */
public final class BatchDriver {
    private static final int ROW = IntegerCdf.SYMBOLS + 1;

    private final IncrementalM1 m1;
    private final Parallel pool;
    private final int precision;
    private final int streams;        // slots for tasks; the last slot of m1 holds the start template
    private final int[] startCdf = new int[ROW];
    private final Arena arena = Arena.ofShared();
    private final Group[] groups;     // one group of all slots, or two in the pipelined mode
    private final CoderThread coder;  // the pipelined mode's coder thread, else null

    // state of run(), per slot
    private List<? extends CodingTask> tasks;
    private int nextTask;
    private CodingTask[] task;
    private int[] position, feed;
    private int[][] cdf;

    /** Uses slots 0..slots−2 of m1 for tasks and the last one as the start template; sequential. */
    public BatchDriver(IncrementalM1 m1, Parallel pool, int precision) {
        this(m1, pool, precision, false);
    }

    /**
     * As above; {@code overlap} selects the pipelined mode (see the class comment; with a single
     * task slot there is nothing to overlap and the driver runs sequentially).
     */
    public BatchDriver(IncrementalM1 m1, Parallel pool, int precision, boolean overlap) {
        if (m1.slots() < 2) throw new IllegalArgumentException("the batch driver needs at least 2 slots");
        if (m1.config().vocabSize() != IntegerCdf.SYMBOLS) throw new IllegalArgumentException("M1 must have a 256-byte vocabulary, this model has " + m1.config().vocabSize());
        this.m1 = m1;
        this.pool = pool;
        this.precision = IntegerCdf.checkPrecision(precision);
        this.streams = m1.slots() - 1;
        int template = m1.slots() - 1;
        MemorySegment cum = arena.allocate((long) m1.slots() * ROW * Integer.BYTES, 64);  // (slots, 257) int32
        m1.stepToCdf(1, new int[] {template}, new int[] {CodingModel.START}, new int[] {0}, cum, precision);
        MemorySegment.copy(cum, ValueLayout.JAVA_INT, 0, startCdf, 0, ROW);
        // no step ever writes position 0 of a task slot, so every slot keeps the template's start keys and values
        for (int s = 0; s < streams; s++) m1.copyPosition(template, s, 0);
        if (overlap && streams >= 2) {
            int half = (streams + 1) / 2;
            groups = new Group[] {new Group(0, half, cum), new Group(half, streams, cum)};
            coder = new CoderThread();
        } else {
            groups = new Group[] {new Group(0, streams, cum)};
            coder = null;
        }
    }

    /**
     * Runs every task to completion. {@code progress} (may be null) receives the number of model
     * steps (bytes fed) after each batched step. Sequentially, after a step the rows' tasks are
     * advanced in parallel on the pool: each row touches only its own slot and task.
     */
    public void run(List<? extends CodingTask> tasks, LongConsumer progress) {
        this.tasks = tasks;
        nextTask = 0;
        task = new CodingTask[streams];
        position = new int[streams];     // next position to feed
        feed = new int[streams];         // token to feed, or -1 when none is pending
        cdf = new int[streams][ROW];
        for (Group g : groups) g.rows = 0;
        try {
            if (coder == null) runSequential(groups[0], progress);
            else runPipelined(progress);
        } finally {
            this.tasks = null;
            task = null;
        }
    }

    private void runSequential(Group g, LongConsumer progress) {
        long fed = 0;
        while (true) {
            g.code(true);
            if (g.rows == 0) return;
            g.step();
            fed += g.rows;
            if (progress != null) progress.accept(fed);
        }
    }

    /**
     * Phases of model(x) on the calling thread ∥ coder(y) on the coder thread, then x and y swap.
     * At the top of a phase x holds collected rows (feeds ready) and y the CDFs of its last step.
     * When both have no rows, no task is active and none is left: every group refills its free
     * slots before it collects, and a task is active exactly while its slot has a row.
     */
    private void runPipelined(LongConsumer progress) {
        Group x = groups[0], y = groups[1];
        x.code(true);
        long fed = 0;
        while (x.rows > 0 || y.rows > 0) {
            coder.start(y);
            try {
                x.step();
            } catch (RuntimeException | Error e) {
                coder.joinAfter(e);
                throw e;
            }
            coder.join();
            fed += x.rows;
            if (x.rows > 0 && progress != null) progress.accept(fed);
            Group t = x;
            x = y;
            y = t;
        }
    }

    /**
     * Slots [first, end) and the rows of their current model step: in {@link #rowSlot} etc. and,
     * once stepped, their CDFs in {@link #cum} (row r at r·257).
     */
    private final class Group implements Parallel.Range, Runnable {
        final int first, end;
        final int[] rowSlot, rowToken, rowPos;
        final MemorySegment cum;
        int rows;

        Group(int first, int end, MemorySegment all) {
            this.first = first;
            this.end = end;
            int n = end - first;
            rowSlot = new int[n];
            rowToken = new int[n];
            rowPos = new int[n];
            cum = all.asSlice((long) first * ROW * Integer.BYTES, (long) n * ROW * Integer.BYTES);
        }

        /** The model step of the collected rows (the calling thread). */
        void step() {
            if (rows > 0) m1.stepToCdf(rows, rowSlot, rowToken, rowPos, cum, precision);
        }

        /**
         * Coder work: the stepped rows' tasks advanced with their CDFs (on the pool when
         * {@code parallel}), free slots refilled in slot order, the next rows collected.
         */
        void code(boolean parallel) {
            if (parallel) pool.forRange(rows, this);
            else run(0, rows, 0);
            int n = 0;
            for (int s = first; s < end; s++) {
                while (task[s] == null && nextTask < tasks.size()) {
                    task[s] = tasks.get(nextTask++);
                    resetSlot(s);
                    advance(s);
                }
                if (task[s] != null) {
                    rowSlot[n] = s;
                    rowToken[n] = feed[s];
                    rowPos[n] = position[s];
                    n++;
                }
            }
            rows = n;
        }

        /** The coder thread's job: this group's coder work, on that thread alone. */
        @Override public void run() {
            code(false);
        }

        /** Row r of a step: its CDF to the slot, one position on, the task advanced to its next need. */
        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                int s = rowSlot[r];
                MemorySegment.copy(cum, ValueLayout.JAVA_INT, (long) r * ROW * Integer.BYTES, cdf[s], 0, ROW);
                position[s]++;
                feed[s] = -1;
                advance(s);
            }
        }
    }

    /** Context reset: position 0 holds the start token (copied in the constructor), the next CDF is the start CDF. */
    private void resetSlot(int s) {
        position[s] = 1;
        feed[s] = -1;
        System.arraycopy(startCdf, 0, cdf[s], 0, startCdf.length);
    }

    /**
     * Advances slot s with its current CDF until it needs a model step (feed[s] set) or its task
     * is done (the slot freed: task[s] null).
     */
    private void advance(int s) {
        while (true) {
            int a = task[s].next();
            if (a == CodingTask.DONE) {
                task[s] = null;
                return;
            }
            if (a == CodingTask.RESET) {
                resetSlot(s);
                continue;
            }
            if (feed[s] >= 0) return;               // the context changed: the model must run
            int sym = task[s].step(cdf[s]);
            if (sym >= 0) feed[s] = sym;
        }
    }

    /** Stops the coder thread and frees the CDF buffer (the IncrementalM1 stays the caller's). */
    public void close() {
        if (coder != null) coder.close();
        arena.close();
    }
}
