package org.nct.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Allocation of flat, 64-byte-aligned off-heap float/int buffers. */
public final class Buffers {
    private Buffers() { }

    public static final long ALIGN = 64;

    /** n floats, zeroed, 64-byte aligned, in the given arena. */
    public static MemorySegment floats(Arena arena, long n) {
        if (n < 0) throw new IllegalArgumentException("negative size " + n);
        return arena.allocate(Math.max(1, n) * Float.BYTES, ALIGN);
    }

    /** n int32s, zeroed, 64-byte aligned, in the given arena. */
    public static MemorySegment ints(Arena arena, long n) {
        if (n < 0) throw new IllegalArgumentException("negative size " + n);
        return arena.allocate(Math.max(1, n) * Integer.BYTES, ALIGN);
    }
}
