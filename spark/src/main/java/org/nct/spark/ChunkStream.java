package org.nct.spark;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.spark.TaskContext;

/**
 * A pushing producer ({@code Documents.read} calls back per document) turned into the pulling
 * iterator a Spark task returns, through a small bounded queue: a read task holds a few chunks in
 * memory, not its whole file. The producer runs on its own daemon thread; the task's end (success,
 * failure or kill) interrupts it. A producer's exception is rethrown by the iterator.
 */
final class ChunkStream<T> implements Iterator<T> {

    /** Something that gives its items to a sink, in order. */
    interface Producer<T> {
        void run(java.util.function.Consumer<T> sink) throws Exception;
    }

    private static final Object END = new Object();
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
    private Object next;

    static <T> ChunkStream<T> of(Producer<T> producer, String name) {
        ChunkStream<T> s = new ChunkStream<>();
        Thread t = Thread.ofPlatform().daemon().name(name).unstarted(() -> {
            try {
                producer.run(s::put);
                s.put(END);
            } catch (Interrupted stop) {
                // the task ended first: nobody reads further
            } catch (Throwable e) {
                try {
                    s.queue.put(new Failure(e));
                } catch (InterruptedException ignored) {
                    // the task ended first
                }
            }
        });
        TaskContext ctx = TaskContext.get();
        if (ctx != null) ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> t.interrupt());
        t.start();
        return s;
    }

    private record Failure(Throwable cause) { }

    /** Unwinds the producer when the task has ended. */
    private static final class Interrupted extends RuntimeException {
        Interrupted() {
            super(null, null, false, false);
        }
    }

    private void put(Object item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            throw new Interrupted();
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading", e);
            }
        }
        if (next instanceof Failure f) {
            if (f.cause() instanceof RuntimeException re) throw re;
            if (f.cause() instanceof Error er) throw er;
            throw new IllegalStateException(f.cause());
        }
        return next != END;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
        if (!hasNext()) throw new NoSuchElementException();
        T t = (T) next;
        next = null;
        return t;
    }
}
