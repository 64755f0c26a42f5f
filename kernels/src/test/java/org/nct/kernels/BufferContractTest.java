package org.nct.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The buffer half of the kernel contract on the CPU backends: allocation, copies, views, frees, the KV cache copies. */
class BufferContractTest {

    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private static Kernels[] backends() {
        return new Kernels[] {new ScalarKernels(1), new VectorKernels(FloatVector.SPECIES_PREFERRED, 2)};
    }

    @Test
    void buffersAreZeroedAlignedAndHostResident() {
        for (Kernels k : backends()) {
            try (k) {
                assertTrue(k.hostResident(), k.name());
                MemorySegment f = k.allocateFloats(1001), i = k.allocateInts(7), empty = k.allocateFloats(0);
                assertEquals(1001L * 4, f.byteSize());
                assertEquals(7L * 4, i.byteSize());
                assertEquals(4, empty.byteSize(), "n = 0 gives one element");
                for (MemorySegment s : new MemorySegment[] {f, i, empty}) {
                    assertEquals(0, s.address() % 64, "64-byte aligned");
                    for (long j = 0; j < s.byteSize() / 4; j++) assertEquals(0, s.getAtIndex(I, j), "zeroed");
                }
            }
        }
    }

    @Test
    void copiesKeepEveryBitAndViewsAreTheBufferItself() {
        SplittableRandom rng = new SplittableRandom(5);
        for (Kernels k : backends()) {
            try (k; Arena host = Arena.ofConfined()) {
                int n = 300;
                MemorySegment src = host.allocate(n * 4L, 64), back = host.allocate(n * 4L, 64);
                for (int j = 0; j < n; j++) src.setAtIndex(I, j, rng.nextInt());
                src.setAtIndex(I, 3, 0x7fc01234);   // a NaN payload
                MemorySegment b = k.allocateFloats(n + 10);
                k.copy(b, 10, src, 0, n);
                k.copy(back, 0, b, 10, n);
                for (int j = 0; j < n; j++) assertEquals(src.getAtIndex(I, j), back.getAtIndex(I, j), "element " + j);
                MemorySegment view = k.hostView(b, 10, n, null);
                assertEquals(b.address() + 40, view.address(), "a host backend's view is the buffer, no copy");
                assertEquals(n * 4L, view.byteSize());
                k.scale(b, 10, n, 2f);
                assertEquals(Float.intBitsToFloat(src.getAtIndex(I, 0)) * 2f, view.getAtIndex(F, 0), "writes by kernels show through the view");
                k.copy(b, 0, b, 200, 50);   // within one buffer, disjoint ranges
                for (int j = 0; j < 50; j++) assertEquals(b.getAtIndex(I, 200 + j), b.getAtIndex(I, j));
            }
        }
    }

    @Test
    void freeReleasesItsBufferOnlyAndCloseTheRest() {
        Kernels k = new ScalarKernels(1);
        MemorySegment a = k.allocateFloats(16), b = k.allocateInts(16);
        try (Arena host = Arena.ofConfined()) {
            MemorySegment mine = host.allocate(64, 64);
            k.free(mine);   // host memory the caller owns: ignored
            mine.setAtIndex(I, 0, 1);
            k.free(a);
            assertThrows(IllegalStateException.class, () -> a.getAtIndex(F, 0), "a freed buffer is gone");
            b.setAtIndex(I, 0, 1);
            k.close();
            assertThrows(IllegalStateException.class, () -> b.getAtIndex(I, 0), "close frees what is left");
            k.free(b);   // after close: nothing
            assertThrows(IllegalStateException.class, () -> k.allocateFloats(4));
        }
    }

    /** kvStore puts each key element at its tile position and each value at its row; kvCopyPosition copies one position of every layer. */
    @Test
    void kvStoreAndCopyPositionFollowTheCachedAttentionLayout() {
        int slots = 3, h = 2, d = 5, cap = 32, layers = 2, a = h * d;
        long layer = 2L * slots * h * cap * d, vBase = (long) slots * h * cap * d;
        try (Kernels k = new ScalarKernels(1)) {
            MemorySegment cache = k.allocateFloats(layers * layer), qkv = k.allocateFloats(3L * 3 * a);
            for (int j = 0; j < 3 * 3 * a; j++) qkv.setAtIndex(F, j, 1000 + j);
            int[] slot = {2, 0, 2}, pos = {17, 0, 18};
            k.kvStore(cache, layer, cache, layer + vBase, cap, qkv, 0, 3L * a, slot, pos, 3, h, d);
            for (int r = 0; r < 3; r++) {
                for (int hh = 0; hh < h; hh++) {
                    long region = ((long) slot[r] * h + hh) * cap * d;
                    for (int j = 0; j < d; j++) {
                        float key = cache.getAtIndex(F, layer + region + (long) (pos[r] / 16 * 16) * d + j * 16L + pos[r] % 16);
                        float value = cache.getAtIndex(F, layer + vBase + region + (long) pos[r] * d + j);
                        assertEquals(1000 + r * 3 * a + a + hh * d + j, key, "key r" + r + " h" + hh + " j" + j);
                        assertEquals(1000 + r * 3 * a + 2 * a + hh * d + j, value, "value r" + r + " h" + hh + " j" + j);
                    }
                }
            }
            k.kvCopyPosition(cache, 0, cache, vBase, layer, layers, cap, 2, 1, 17, h, d);
            for (int hh = 0; hh < h; hh++) {
                long from = (2L * h + hh) * cap * d, to = (1L * h + hh) * cap * d;
                for (int j = 0; j < d; j++) {
                    long kin = 16L * d + j * 16L + 1;
                    assertEquals(cache.getAtIndex(F, layer + from + kin), cache.getAtIndex(F, layer + to + kin));
                    assertEquals(cache.getAtIndex(F, layer + vBase + from + 17L * d + j), cache.getAtIndex(F, layer + vBase + to + 17L * d + j));
                    assertTrue(cache.getAtIndex(F, layer + to + kin) >= 1000, "the copied key is the stored one");
                }
            }
            assertEquals(0f, cache.getAtIndex(F, layer + (1L * h) * cap * d + 16L * d + 2), "position 18 of slot 1 stays empty");
        }
    }
}
