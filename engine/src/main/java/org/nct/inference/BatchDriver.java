package org.nct.inference;

import java.util.List;
import java.util.function.LongConsumer;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;

/**
 * Runs many {@link CodingTask}s (independent blocks or examples) through one {@link IncrementalM1}:
 * every task that needs a CDF is advanced by the same batched model step; when a task finishes, its
 * slot takes the next task. A context reset costs no model step: the start position's keys, values
 * and CDF are computed once and copied (they depend on nothing before them). The tasks' results do
 * not depend on the number of slots or on which tasks share a step.
 */
public final class BatchDriver {
    private final IncrementalM1 m1;
    private final int precision;
    private final int streams;        // slots for tasks; the last slot of m1 holds the start template
    private final int template;
    private final int[] startCdf = new int[IntegerCdf.SYMBOLS + 1];
    private final float[] logits;

    /** Uses slots 0..slots−2 of m1 for tasks and the last one as the start template. */
    public BatchDriver(IncrementalM1 m1, int precision) {
        if (m1.slots() < 2) throw new IllegalArgumentException("the batch driver needs at least 2 slots");
        if (m1.config().vocabSize() != IntegerCdf.SYMBOLS) throw new IllegalArgumentException("M1 must have a 256-byte vocabulary, this model has " + m1.config().vocabSize());
        this.m1 = m1;
        this.precision = precision;
        this.streams = m1.slots() - 1;
        this.template = m1.slots() - 1;
        this.logits = new float[m1.slots() * IntegerCdf.SYMBOLS];
        m1.step(1, new int[] {template}, new int[] {CodingModel.START}, new int[] {0}, logits);
        IntegerCdf.fromLogits(logits, 0, precision, startCdf);
    }

    /**
     * Runs every task to completion. {@code progress} (may be null) receives the number of model
     * steps (bytes fed) after each batched step.
     */
    public void run(List<? extends CodingTask> tasks, LongConsumer progress) {
        CodingTask[] task = new CodingTask[streams];
        int[] position = new int[streams];     // next position to feed
        int[] feed = new int[streams];         // token to feed, or -1 when none is pending
        int[][] cdf = new int[streams][IntegerCdf.SYMBOLS + 1];
        int[] rowSlot = new int[streams], rowToken = new int[streams], rowPos = new int[streams];
        int nextTask = 0;
        int active = 0;
        long fed = 0;
        while (true) {
            for (int s = 0; s < streams; s++) {
                while (task[s] == null && nextTask < tasks.size()) {
                    task[s] = tasks.get(nextTask++);
                    active++;
                    resetSlot(s, position, feed, cdf);
                    if (!advance(s, task, position, feed, cdf)) active--;
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
            m1.step(n, rowSlot, rowToken, rowPos, logits);
            fed += n;
            for (int r = 0; r < n; r++) {
                int s = rowSlot[r];
                IntegerCdf.fromLogits(logits, r * IntegerCdf.SYMBOLS, precision, cdf[s]);
                position[s]++;
                feed[s] = -1;
                if (!advance(s, task, position, feed, cdf)) active--;
            }
            if (progress != null) progress.accept(fed);
        }
    }

    /** Context reset: position 0 holds the start token (copied), the next CDF is the start CDF. */
    private void resetSlot(int s, int[] position, int[] feed, int[][] cdf) {
        m1.copyPosition(template, s, 0);
        position[s] = 1;
        feed[s] = -1;
        System.arraycopy(startCdf, 0, cdf[s], 0, startCdf.length);
    }

    /**
     * Advances slot s with its current CDF until it needs a model step (returns true, feed[s] set)
     * or its task is done (returns false, slot freed).
     */
    private boolean advance(int s, CodingTask[] task, int[] position, int[] feed, int[][] cdf) {
        while (true) {
            int a = task[s].next();
            if (a == CodingTask.DONE) {
                task[s] = null;
                return false;
            }
            if (a == CodingTask.RESET) {
                resetSlot(s, position, feed, cdf);
                continue;
            }
            if (feed[s] >= 0) return true;          // the context changed: the model must run
            int sym = task[s].step(cdf[s]);
            if (sym >= 0) feed[s] = sym;
        }
    }
}
