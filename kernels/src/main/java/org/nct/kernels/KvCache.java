package org.nct.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The key/value cache copies of the kernel contract ({@link Kernels#kvStore},
 * {@link Kernels#kvCopyPosition}) over host memory, in the cache layout of
 * {@link Kernels#attentionCached}: keys in tiles of 16 positions, values per head. Copies only, so
 * every backend's result is the same bits.
 */
public final class KvCache {
    private KvCache() { }

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    /** {@link Kernels#kvStore} on host segments. */
    public static void store(MemorySegment kt, long ktOff, MemorySegment v, long vOff, int cap, MemorySegment qkv, long qkvOff,
                             long qkvStride, int[] slot, int[] pos, int n, int h, int d) {
        long a = (long) h * d;
        for (int r = 0; r < n; r++) {
            int c = slot[r], p = pos[r];
            if (p < 0 || p >= cap) throw new IndexOutOfBoundsException("position " + p + " outside a cache of " + cap + " positions");
            long row = qkvOff + r * qkvStride;
            for (int hh = 0; hh < h; hh++) {
                long region = ((long) c * h + hh) * cap * d;
                long keys = ktOff + region + (long) (p & ~15) * d + (p & 15);
                long src = row + a + (long) hh * d;
                for (int j = 0; j < d; j++) kt.setAtIndex(F, keys + j * 16L, qkv.getAtIndex(F, src + j));
                MemorySegment.copy(qkv, (row + 2 * a + (long) hh * d) * Float.BYTES, v, (vOff + region + (long) p * d) * Float.BYTES,
                        (long) d * Float.BYTES);
            }
        }
    }

    /** {@link Kernels#kvCopyPosition} on host segments. */
    public static void copyPosition(MemorySegment kt, long ktOff, MemorySegment v, long vOff, long layerStride, int layers, int cap,
                                    int fromSlot, int toSlot, int pos, int h, int d) {
        if (fromSlot == toSlot) return;
        if (pos < 0 || pos >= cap) throw new IndexOutOfBoundsException("position " + pos + " outside a cache of " + cap + " positions");
        long kIn = (long) (pos & ~15) * d + (pos & 15);
        for (int l = 0; l < layers; l++) {
            long kb = ktOff + l * layerStride, vb = vOff + l * layerStride;
            for (int hh = 0; hh < h; hh++) {
                long from = ((long) fromSlot * h + hh) * cap * d, to = ((long) toSlot * h + hh) * cap * d;
                for (int j = 0; j < d; j++) kt.setAtIndex(F, kb + to + kIn + j * 16L, kt.getAtIndex(F, kb + from + kIn + j * 16L));
                MemorySegment.copy(v, (vb + from + (long) pos * d) * Float.BYTES, v, (vb + to + (long) pos * d) * Float.BYTES,
                        (long) d * Float.BYTES);
            }
        }
    }
}
