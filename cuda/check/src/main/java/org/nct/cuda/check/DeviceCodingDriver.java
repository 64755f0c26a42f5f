package org.nct.cuda.check;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;
import org.nct.inference.CodingModel;
import org.nct.kernels.Parallel;

/**
 * Runs many {@link CodingTask}s (independent blocks) through one {@link DeviceDecoder}, the device
 * counterpart of {@code org.nct.inference.BatchDriver} with the same protocol and the same results:
 * every task that needs a CDF is advanced by one batched GPU step, which also builds the integer
 * CDFs ({@link DeviceDecoder#stepCdf}); a context reset copies the start position's keys and values
 * from a template slot (computed once) instead of running a step; the coders advance on the CPU,
 * in parallel over streams (each task touches only its own state).
 */
final class DeviceCodingDriver implements AutoCloseable {

    private final DeviceDecoder dec;
    private final int precision, streams, template;
    private final int[] startCdf = new int[IntegerCdf.SYMBOLS + 1];
    private MemorySegment stepCdfs;
    private final Parallel pool;
    // per stream slot
    private final CodingTask[] task;
    private final int[] position, feed;
    private final int[][] cdf;
    private final boolean[] resetPending;
    // per step
    private final int[] rowSlot, rowToken, rowPos, resets;
    private int rows;

    DeviceCodingDriver(DeviceDecoder dec, int precision, int threads) {
        if (dec.slots() < 2) throw new IllegalArgumentException("the driver needs at least 2 slots");
        this.dec = dec;
        this.precision = precision;
        this.streams = dec.slots() - 1;
        this.template = dec.slots() - 1;
        this.pool = new Parallel(threads);
        task = new CodingTask[streams];
        position = new int[streams];
        feed = new int[streams];
        cdf = new int[streams][IntegerCdf.SYMBOLS + 1];
        resetPending = new boolean[streams];
        rowSlot = new int[streams];
        rowToken = new int[streams];
        rowPos = new int[streams];
        resets = new int[streams];
        MemorySegment c = dec.stepCdf(1, new int[] {template}, new int[] {CodingModel.START}, new int[] {0}, precision);
        MemorySegment.copy(c, ValueLayout.JAVA_INT, 0, startCdf, 0, IntegerCdf.SYMBOLS + 1);
    }

    /** Runs every task to completion; returns the number of rows the model stepped. */
    long run(List<? extends CodingTask> tasks) {
        int nextTask = 0;
        long fed = 0;
        java.util.Arrays.fill(task, null);
        Parallel.Range advanceAll = (from, to, w) -> {
            for (int s = from; s < to; s++) if (task[s] != null && feed[s] < 0) advance(s);
        };
        Parallel.Range afterStep = (from, to, w) -> {
            for (int r = from; r < to; r++) {
                int s = rowSlot[r];
                MemorySegment.copy(stepCdfs, ValueLayout.JAVA_INT, (long) r * (IntegerCdf.SYMBOLS + 1) * 4, cdf[s], 0, IntegerCdf.SYMBOLS + 1);
                position[s]++;
                feed[s] = -1;
                advance(s);
            }
        };
        while (true) {
            for (int s = 0; s < streams; s++) {
                if (task[s] == null && nextTask < tasks.size()) {
                    task[s] = tasks.get(nextTask++);
                    reset(s);
                }
            }
            pool.forRange(streams, advanceAll);
            // resets requested while advancing: one batched copy of the template's position 0
            int nr = 0;
            for (int s = 0; s < streams; s++) {
                if (resetPending[s]) {
                    resets[nr++] = s;
                    resetPending[s] = false;
                }
            }
            dec.copyPosition0(template, resets, nr);
            rows = 0;
            boolean anyTask = false;
            for (int s = 0; s < streams; s++) {
                if (task[s] == null) continue;
                anyTask = true;
                if (feed[s] >= 0) {
                    rowSlot[rows] = s;
                    rowToken[rows] = feed[s];
                    rowPos[rows] = position[s];
                    rows++;
                }
            }
            if (!anyTask && nextTask >= tasks.size()) return fed;
            if (rows == 0) continue;   // only new tasks or freed slots this round
            stepCdfs = dec.stepCdf(rows, rowSlot, rowToken, rowPos, precision);
            fed += rows;
            pool.forRange(rows, afterStep);
        }
    }

    /** Context reset: position 0 holds the start token (copied before the next step), next CDF = start CDF. */
    private void reset(int s) {
        resetPending[s] = true;
        position[s] = 1;
        feed[s] = -1;
        System.arraycopy(startCdf, 0, cdf[s], 0, startCdf.length);
    }

    /** Advances slot s with its CDF until it needs a model step (feed[s] set) or its task is done (slot freed). */
    private void advance(int s) {
        while (true) {
            int a = task[s].next();
            if (a == CodingTask.DONE) {
                task[s] = null;
                return;
            }
            if (a == CodingTask.RESET) {
                reset(s);
                continue;
            }
            if (feed[s] >= 0) return;
            int sym = task[s].step(cdf[s]);
            if (sym >= 0) {
                if (position[s] >= dec.maxLen()) {
                    throw new IllegalStateException("a window longer than " + (dec.maxLen() - 1) + " bytes: raise the decoder's maxLen");
                }
                feed[s] = sym;
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
