package org.nct.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * A persistent pool of worker threads for kernels: {@link #forRange} splits [0, n) into one
 * contiguous chunk per thread and returns when all are done. No allocation per call; the body is a
 * preallocated {@link Range} object. Each index must own its outputs, so the split never changes
 * any result bit.
 *
 * <p>Chunk w is always [{@link #chunkStart}(n, w), chunkStart(n, w+1)) and runs with worker id w
 * (its scratch), but any thread may run it: the caller and the woken workers claim chunks from a
 * shared counter, so when a worker is slow to wake (a loaded machine) the caller runs its chunk
 * instead of waiting for it. Results are the same bits either way: a chunk's range and worker id
 * do not depend on which thread runs it.
 *
 * <p>Waiting threads (idle workers, and the caller while the last chunks finish) back off with
 * Agrona's {@link BackoffIdleStrategy}: spin, then yield, then park for growing periods. A new
 * call unparks the workers and the last chunk to finish unparks the caller, so the park period
 * bounds only how often an idle thread wakes to look, never how late it sees work.
 */
public final class Parallel implements AutoCloseable {

    /** A body over a half-open index range, run by worker {@code worker}. */
    public interface Range {
        void run(int from, int to, int worker);
    }

    /**
     * Busy-wait iterations before a waiting thread yields: enough to bridge the gaps between the
     * kernels of one model step (tens of µs), short enough that idle workers do not take the CPU
     * from the caller on a loaded machine for long.
     */
    static final long SPINS = 2_000;
    /** {@code Thread.yield()} calls after spinning, before parking: lets a busy machine run others. */
    static final long YIELDS = 20;
    /** Park periods: from 1 µs doubling up to {@value #MAX_PARK_NS} ns; wake-ups are by unpark. */
    static final long MIN_PARK_NS = 1_000, MAX_PARK_NS = 10_000_000;

    /** The idle strategy of one waiting thread (Agrona's are single-threaded objects). */
    static IdleStrategy idleStrategy() {
        return new BackoffIdleStrategy(SPINS, YIELDS, MIN_PARK_NS, MAX_PARK_NS);
    }

    private final int threads;
    private final Thread[] workers;
    /** (generation &lt;&lt; 32) | next unclaimed chunk of that generation's call. */
    private final AtomicLong claim = new AtomicLong();
    /** Chunks of the current call not yet finished. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private volatile Range body;
    private volatile int total;
    private volatile Throwable failure;
    private volatile Thread caller;
    /** The caller's wait; calls do not overlap, so one instance serves every caller. */
    private final IdleStrategy callerIdle = idleStrategy();

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 1; i < threads; i++) {
            Thread t = new Thread(this::workerLoop, "nct-kernel-" + i);
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
        int gen = generation + 1;
        this.body = body;
        this.total = n;
        this.failure = null;
        this.caller = Thread.currentThread();
        pending.set(threads);
        claim.set((long) gen << 32);
        generation = gen;                   // publishes body/total/claim (volatile write)
        for (Thread w : workers) LockSupport.unpark(w);
        runChunks(gen);
        callerIdle.reset();
        while (pending.get() != 0) callerIdle.idle();
        this.body = null;
        Throwable f = failure;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error e) throw e;
        if (f != null) throw new RuntimeException(f);
    }

    /**
     * Claims and runs chunks of call {@code gen} until none is left. A claim succeeds only while
     * that call is in progress (all its chunks unfinished are unclaimed or running), so body and
     * total read after it are that call's.
     */
    private void runChunks(int gen) {
        while (true) {
            long c = claim.get();
            if ((int) (c >>> 32) != gen || (int) c >= threads) return;
            if (!claim.compareAndSet(c, c + 1)) continue;
            int w = (int) c;
            try {
                int n = total, from = chunkStart(n, w), to = chunkStart(n, w + 1);
                if (to > from) body.run(from, to, w);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    private void workerLoop() {
        IdleStrategy idle = idleStrategy();
        int seen = 0;
        while (true) {
            idle.reset();
            while (generation == seen && !closed) idle.idle();
            if (closed) return;
            seen = generation;
            runChunks(seen);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
