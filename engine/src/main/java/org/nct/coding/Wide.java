package org.nct.coding;

/**
 * Fixed-length unsigned integers for the window coder: little-endian base-2^32 limbs held in
 * {@code long[]} (each limb 0..2^32−1). Every operation writes into a caller-owned array, so the
 * window coder allocates nothing per byte. Destination arrays may alias sources.
 */
final class Wide {
    private Wide() { }

    static final long MASK = 0xFFFF_FFFFL;

    static void copy(long[] dst, long[] a) {
        System.arraycopy(a, 0, dst, 0, dst.length);
    }

    static void setZero(long[] a) {
        java.util.Arrays.fill(a, 0);
    }

    /** a = 2^bit. */
    static void setPow2(long[] a, int bit) {
        setZero(a);
        a[bit >>> 5] = 1L << (bit & 31);
    }

    /** dst = a · c for 0 ≤ c &lt; 2^31 (no overflow past the top limb by the callers' sizing). */
    static void mulSmall(long[] dst, long[] a, long c) {
        long carry = 0;
        for (int i = 0; i < dst.length; i++) {
            long t = a[i] * c + carry;
            dst[i] = t & MASK;
            carry = t >>> 32;
        }
    }

    /** a >>= s for 0 ≤ s &lt; 32. */
    static void shiftRight(long[] a, int s) {
        if (s == 0) return;
        int n = a.length;
        for (int i = 0; i < n - 1; i++) a[i] = ((a[i] >>> s) | (a[i + 1] << (32 - s))) & MASK;
        a[n - 1] >>>= s;
    }

    static void add(long[] dst, long[] a, long[] b) {
        long carry = 0;
        for (int i = 0; i < dst.length; i++) {
            long t = a[i] + b[i] + carry;
            dst[i] = t & MASK;
            carry = t >>> 32;
        }
    }

    /** dst = a − b, requires a ≥ b. */
    static void sub(long[] dst, long[] a, long[] b) {
        long borrow = 0;
        for (int i = 0; i < dst.length; i++) {
            long t = a[i] - b[i] - borrow;
            borrow = t < 0 ? 1 : 0;
            dst[i] = t & MASK;
        }
    }

    static int compare(long[] a, long[] b) {
        for (int i = a.length - 1; i >= 0; i--) {
            if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
        }
        return 0;
    }

    /** dst = a + 2^bit. */
    static void addPow2(long[] dst, long[] a, int bit) {
        copy(dst, a);
        long carry = 1L << (bit & 31);
        for (int i = bit >>> 5; i < dst.length && carry != 0; i++) {
            long t = dst[i] + carry;
            dst[i] = t & MASK;
            carry = t >>> 32;
        }
    }

    /** dst = a with bits below {@code bit} cleared (a multiple of 2^bit, rounded down). */
    static void floorTo(long[] dst, long[] a, int bit) {
        copy(dst, a);
        int limb = bit >>> 5;
        for (int i = 0; i < limb; i++) dst[i] = 0;
        if (limb < dst.length) dst[limb] &= ~((1L << (bit & 31)) - 1) & MASK;
    }

    /** True when a is a multiple of 2^bit. */
    static boolean aligned(long[] a, int bit) {
        int limb = bit >>> 5;
        for (int i = 0; i < limb; i++) if (a[i] != 0) return false;
        return limb >= a.length || (a[limb] & ((1L << (bit & 31)) - 1)) == 0;
    }

    /** dst = a rounded up to a multiple of 2^bit (tmp is scratch). */
    static void ceilTo(long[] dst, long[] a, int bit) {
        if (aligned(a, bit)) {
            copy(dst, a);
        } else {
            floorTo(dst, a, bit);
            addPow2(dst, dst, bit);
        }
    }

    /** Index of the lowest set bit, or Integer.MAX_VALUE for zero. */
    static int trailingZeros(long[] a) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] != 0) return 32 * i + Long.numberOfTrailingZeros(a[i]);
        }
        return Integer.MAX_VALUE;
    }

    static int bit(long[] a, int pos) {
        return (int) (a[pos >>> 5] >>> (pos & 31)) & 1;
    }

    static void setBit(long[] a, int pos) {
        a[pos >>> 5] |= 1L << (pos & 31);
    }
}
