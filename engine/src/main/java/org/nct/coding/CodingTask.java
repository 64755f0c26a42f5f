package org.nct.coding;

/**
 * A coder (encoder or decoder of one block) driven by a model one step at a time, so that the same
 * coder runs with a single {@link ByteModel} ({@link #run}) or as one stream of a batched model.
 *
 * <p>Protocol: call {@link #next()}. On {@link #CDF}, compute the CDF of the next byte after the
 * current context and pass it to {@link #step}; a result ≥ 0 is a byte the model must append to the
 * context. On {@link #RESET}, reset the model's context (window start) and call {@code next()}
 * again. On {@link #DONE}, the task has finished.
 */
public interface CodingTask {
    int CDF = 0;
    int RESET = 1;
    int DONE = 2;
    /** Returned by {@link #step} when no byte is appended. */
    int NONE = -1;

    int next();

    int step(int[] cum);

    /**
     * An upper bound on the model positions one context of this task uses (the start token plus
     * its bytes), so that a batched model can size its caches once; unbounded by default.
     */
    default int maxContext() {
        return Integer.MAX_VALUE;
    }

    /** Drives the task to completion with one model (reset first). */
    static void run(CodingTask task, ByteModel model) {
        int[] cum = new int[IntegerCdf.SYMBOLS + 1];
        model.reset();
        while (true) {
            int a = task.next();
            if (a == DONE) return;
            if (a == RESET) {
                model.reset();
                continue;
            }
            model.cdf(cum);
            int s = task.step(cum);
            if (s >= 0) model.accept(s);
        }
    }
}
