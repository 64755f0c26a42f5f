package org.nct.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads for kernels: {@link #forRange} splits [0, n) into one
 * contiguous chunk per thread (chunk 0 runs on the caller) and returns when all are done. No
 * allocation per call; the body is a preallocated {@link Range} object. Each index must own its
 * outputs, so the split never changes any result bit.
 */
public final class Parallel implements AutoCloseable {

    /** A body over a half-open index range, run by worker {@code worker}. */
    public interface Range {
        void run(int from, int to, int worker);
    }

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private volatile Range body;
    private volatile int total;
    private volatile Throwable failure;
    private volatile Thread caller;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 1; i < threads; i++) {
            final int id = i;
            Thread t = new Thread(() -> workerLoop(id), "nct-kernel-" + i);
            t.setDaemon(true);
            workers[i - 1] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Start index of chunk w of n split into threads() near-equal contiguous chunks. */
    public int chunkStart(int n, int w) {
        return (int) ((long) n * w / threads);
    }

    /** Runs body over [0, n) on all threads; rethrows the first failure. */
    public void forRange(int n, Range body) {
        if (n <= 0) return;
        if (threads == 1 || n == 1) {
            body.run(0, n, 0);
            return;
        }
        this.body = body;
        this.total = n;
        this.failure = null;
        this.caller = Thread.currentThread();
        pending.set(threads - 1);
        generation++;                       // publishes body/total (volatile write)
        for (Thread w : workers) LockSupport.unpark(w);
        int to = chunkStart(n, 1);
        try {
            if (to > 0) body.run(0, to, 0);
        } catch (Throwable t) {
            failure = t;
        }
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins < 20_000) Thread.onSpinWait(); else LockSupport.parkNanos(50_000);
        }
        this.body = null;
        Throwable f = failure;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error e) throw e;
        if (f != null) throw new RuntimeException(f);
    }

    private void workerLoop(int id) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < 20_000) Thread.onSpinWait(); else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            Range b = body;
            int n = total;
            try {
                int from = chunkStart(n, id), to = chunkStart(n, id + 1);
                if (to > from) b.run(from, to, id);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
