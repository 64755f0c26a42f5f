package org.nct.inference;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The host thread of a coding driver's pipelined mode: it runs one job of coder work (the range
 * coders of the streams whose CDFs are ready) while the calling thread runs the model step of the
 * other streams. The kernels are only ever called from the calling thread (a {@code CudaKernels}
 * instance belongs to one thread), and the job touches only the streams it was given, so the two
 * share no state during a phase. {@link #join} ends each phase: the job's writes are then visible
 * to the caller, and a failure in it (a corrupt code) is rethrown on the calling thread.
 */
final class CoderThread implements AutoCloseable {
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "nct-coder");
        t.setDaemon(true);
        return t;
    });
    private Future<?> running;

    /** Starts {@code job} on the coder thread; the previous job must have been joined. */
    void start(Runnable job) {
        if (running != null) throw new IllegalStateException("the previous coder job was not joined");
        running = executor.submit(job);
    }

    /** Waits for the running job (if any) and rethrows its failure. */
    void join() {
        Throwable failure = await();
        if (failure instanceof RuntimeException e) throw e;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    /**
     * Waits for the running job after the calling thread failed with {@code cause}: the job never
     * outlives the driver's buffers; its own failure is added to {@code cause} as suppressed.
     */
    void joinAfter(Throwable cause) {
        Throwable failure = await();
        if (failure != null && failure != cause) cause.addSuppressed(failure);
    }

    /** Waits (uninterruptibly: the job still reads the driver's buffers) and returns the job's failure or null. */
    private Throwable await() {
        Future<?> f = running;
        running = null;
        if (f == null) return null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return null;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return e.getCause();
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        await();
        executor.shutdown();
    }
}
