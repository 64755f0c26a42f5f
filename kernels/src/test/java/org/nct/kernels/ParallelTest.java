package org.nct.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnceAcrossManyCalls() {
        for (int threads : new int[] {1, 2, 3, 4}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {1, 2, 3, 7, 100, 1001}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    for (int rep = 0; rep < 50; rep++) {
                        p.forRange(n, (from, to, w) -> {
                            for (int i = from; i < to; i++) hits.incrementAndGet(i);
                        });
                    }
                    int[] got = new int[n];
                    int[] want = new int[n];
                    for (int i = 0; i < n; i++) {
                        got[i] = hits.get(i);
                        want[i] = 50;
                    }
                    assertArrayEquals(want, got, "threads=" + threads + " n=" + n);
                }
            }
        }
    }

    @Test
    void chunksAreContiguousAndCoverTheRange() {
        try (Parallel p = new Parallel(3)) {
            assertEquals(0, p.chunkStart(10, 0));
            assertEquals(3, p.chunkStart(10, 1));
            assertEquals(6, p.chunkStart(10, 2));
            assertEquals(10, p.chunkStart(10, 3));
        }
    }

    /** Whichever thread runs it, chunk w is [chunkStart(n, w), chunkStart(n, w+1)) with worker id w. */
    @Test
    void everyChunkRunsOnceWithItsOwnRangeAndWorkerId() {
        for (int threads : new int[] {2, 3}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {2, 5, 1001}) {
                    for (int rep = 0; rep < 200; rep++) {
                        AtomicIntegerArray from = new AtomicIntegerArray(threads), to = new AtomicIntegerArray(threads), runs = new AtomicIntegerArray(threads);
                        p.forRange(n, (f, t, w) -> {
                            from.set(w, f);
                            to.set(w, t);
                            runs.incrementAndGet(w);
                        });
                        for (int w = 0; w < threads; w++) {
                            if (p.chunkStart(n, w + 1) == p.chunkStart(n, w)) continue; // empty chunk: not run
                            String what = "threads=" + threads + " n=" + n + " chunk " + w;
                            assertEquals(1, runs.get(w), what);
                            assertEquals(p.chunkStart(n, w), from.get(w), what);
                            assertEquals(p.chunkStart(n, w + 1), to.get(w), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void workerFailureIsRethrownOnTheCaller() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forRange(10, (from, to, w) -> {
                if (w == 1) throw new IllegalStateException("boom in worker");
            }));
            assertEquals("boom in worker", e.getMessage());
            // the pool still works afterwards
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            p.forRange(10, (from, to, w) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < 10; i++) assertEquals(1, hits.get(i));
        }
    }
}
