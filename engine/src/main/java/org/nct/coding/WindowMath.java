package org.nct.coding;

/**
 * Interval arithmetic of the window coder. Positions are integers in units of 2^-N with
 * N = W + 48, held as {@link Wide} numbers; a window starts at [0, 2^N) and a W-bit cell is
 * 2^(N−W) units. A symbol with counts [lo, hi) of total 2^P maps [low, low+range) to
 * [low + b(lo), low + b(hi)) with b(c) = floor(range·c / 2^P): exact as long as the interval's
 * denominator fits N bits (3 bytes at W = 16), and off by at most a few units of 2^-N after that,
 * far below a cell. One instance per coder (holds scratch space; not thread-safe).
 */
final class WindowMath {
    final int w;
    final int n;
    final int cellBit;     // N − W
    final int limbs;
    final int precision;
    private final long[] t1, t2, t3, end;

    WindowMath(int w, int precision) {
        if (w < 16 || w > 128 || w % 8 != 0) throw new IllegalArgumentException("window size must be a multiple of 8 in 16..128 bits, got " + w);
        if (IntegerCdf.checkPrecision(precision) > w) throw new IllegalArgumentException("CDF precision " + precision + " exceeds the window size " + w);
        this.w = w;
        this.n = w + 48;
        this.cellBit = n - w;
        this.precision = precision;
        this.limbs = (n + 17 + 31) / 32;
        t1 = newNumber();
        t2 = newNumber();
        t3 = newNumber();
        end = newNumber();
    }

    /**
     * An upper bound on the bytes one window can hold: every symbol has at least one count, so a
     * byte keeps at most (2^P − 255)/2^P of the interval, and a window closes before its interval
     * is narrower than a W-bit cell. With a margin for the rounding of child boundaries (a few
     * units of 2^-N per byte, far below a cell). W=16, P=16: 2,857.
     */
    static int maxWindowBytes(int w, int precision) {
        double bitsPerByte = -Math.log1p(-255.0 / (1 << precision)) / Math.log(2);
        return (int) Math.min(Integer.MAX_VALUE / 2, Math.ceil(w / bitsPerByte * 1.005) + 1);
    }

    long[] newNumber() {
        return new long[limbs];
    }

    /** low = 0, range = 2^N. */
    void whole(long[] low, long[] range) {
        Wide.setZero(low);
        Wide.setPow2(range, n);
    }

    /** dst = b(c) = floor(range·c / 2^P). */
    void boundary(long[] dst, long[] range, int c) {
        Wide.mulSmall(dst, range, c);
        Wide.shiftRight(dst, precision);
    }

    /** The child interval of symbol s (outputs may not alias inputs). */
    void child(long[] low, long[] range, int[] cum, int s, long[] outLow, long[] outRange) {
        boundary(t1, range, cum[s]);
        boundary(t2, range, cum[s + 1]);
        Wide.add(outLow, low, t1);
        Wide.sub(outRange, t2, t1);
    }

    /** The symbol whose child interval contains the point y (y must lie in [low, low+range)). */
    int childContaining(long[] low, long[] range, int[] cum, long[] y) {
        Wide.sub(t3, y, low);
        int lo = 0, hi = IntegerCdf.SYMBOLS - 1;      // largest s with b(cum[s]) <= y - low
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            boundary(t1, range, cum[mid]);
            if (Wide.compare(t1, t3) <= 0) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /** True when the cell [y, y + 2^(N−W)) lies inside [low, low+range) (y ≥ low is the caller's). */
    boolean cellFitsAbove(long[] y, long[] low, long[] range) {
        Wide.add(end, low, range);
        Wide.addPow2(t1, y, cellBit);
        return Wide.compare(t1, end) <= 0;
    }

    /**
     * The leftmost shortest dyadic cell of at most W bits inside [low, low+range), as its W-bit
     * zero-padded start in {@code y}; false when there is none.
     */
    boolean shortestCell(long[] low, long[] range, long[] y) {
        Wide.add(end, low, range);
        for (int len = 0; len <= w; len++) {
            int bit = n - len;
            Wide.ceilTo(y, low, bit);
            Wide.addPow2(t1, y, bit);
            if (Wide.compare(t1, end) <= 0) return true;
        }
        return false;
    }

    /**
     * Rule G: among the W-bit cells inside [low, low+range) that straddle a boundary between two
     * children (under table cum), the one with the most trailing zero bits, then the leftmost.
     */
    boolean straddlingCell(long[] low, long[] range, int[] cum, long[] y) {
        Wide.add(end, low, range);
        int bestTz = -1;
        for (int s = 1; s < IntegerCdf.SYMBOLS; s++) {
            boundary(t2, range, cum[s]);
            Wide.add(t2, t2, low);                           // the boundary point
            if (Wide.aligned(t2, cellBit)) continue;         // a cell-aligned boundary: no cell straddles it
            Wide.floorTo(t3, t2, cellBit);                   // the cell containing it
            if (Wide.compare(t3, low) < 0) continue;
            Wide.addPow2(t1, t3, cellBit);
            if (Wide.compare(t1, end) > 0) continue;
            int tz = Wide.trailingZeros(t3);
            if (tz > bestTz) {
                bestTz = tz;
                Wide.copy(y, t3);
            }
        }
        return bestTz >= 0;
    }

    /** Writes the W-bit cell index of y (its bits N−1 .. N−W) MSB first at out[off..off+W/8). */
    void writeToken(long[] y, byte[] out, int off) {
        for (int i = 0; i < w / 8; i++) {
            int v = 0;
            for (int b = 0; b < 8; b++) v = (v << 1) | Wide.bit(y, n - 1 - 8 * i - b);
            out[off + i] = (byte) v;
        }
    }

    /** The inverse of {@link #writeToken}. */
    void readToken(byte[] in, int off, long[] y) {
        Wide.setZero(y);
        for (int i = 0; i < w / 8; i++) {
            int v = in[off + i] & 0xFF;
            for (int b = 0; b < 8; b++) if (((v >>> (7 - b)) & 1) != 0) Wide.setBit(y, n - 1 - 8 * i - b);
        }
    }
}
