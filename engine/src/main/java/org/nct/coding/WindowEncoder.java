package org.nct.coding;

import java.util.Arrays;

/**
 * Equal-Info window encoder (one block): bytes are added to a window while the window's interval
 * still holds a W-bit cell (the greedy length L); then the rule picks the bytes kept (L' ≤ L) and the
 * W-bit code; model context and coder restart with the next byte. Output: W/8 code bytes per window
 * (MSB first) and the byte count of each window. A {@link CodingTask}: one model step per byte tried.
 */
public final class WindowEncoder implements CodingTask {
    private final WindowMath math;
    private final WindowRule rule;
    private final int tokenBytes;
    private byte[] data;
    private int pos;          // start of the current window
    private int end;
    private int j;            // bytes of the current window so far
    private boolean resetPending;
    private boolean done = true;
    private long[][] lows = new long[0][], ranges = new long[0][];
    private int[][] cdfs = new int[0][];
    private final long[] y;
    private byte[] tokens = new byte[64];
    private int[] counts = new int[16];
    private int windows;
    private int bound = 1;

    public WindowEncoder(int windowBits, WindowRule rule, int precision) {
        this.math = new WindowMath(windowBits, precision);
        this.rule = rule;
        this.tokenBytes = windowBits / 8;
        this.y = math.newNumber();
    }

    /** Starts encoding data[off..off+len); previous results are discarded. */
    public void start(byte[] data, int off, int len) {
        this.data = data;
        this.pos = off;
        this.end = off + len;
        this.bound = Math.min(len, WindowMath.maxWindowBytes(math.w, math.precision)) + 2;
        this.j = 0;
        this.windows = 0;
        this.resetPending = false;
        this.done = len == 0;
        ensure(0);
        math.whole(lows[0], ranges[0]);
    }

    private void ensure(int k) {
        if (k < lows.length) return;
        int size = Math.max(16, Math.max(k + 1, lows.length * 2));
        int old = lows.length;
        lows = Arrays.copyOf(lows, size);
        ranges = Arrays.copyOf(ranges, size);
        cdfs = Arrays.copyOf(cdfs, size);
        for (int i = old; i < size; i++) {
            lows[i] = math.newNumber();
            ranges[i] = math.newNumber();
            cdfs[i] = new int[IntegerCdf.SYMBOLS + 1];
        }
    }

    /**
     * A window's context: the start token, the window's bytes and the byte after them whose CDF
     * closed it — at most the block, and at most what one window can hold.
     */
    @Override
    public int maxContext() {
        return bound;
    }

    @Override
    public int next() {
        if (done) return DONE;
        if (resetPending) {
            resetPending = false;
            return RESET;
        }
        return CDF;
    }

    @Override
    public int step(int[] cum) {
        if (rule == WindowRule.G) System.arraycopy(cum, 0, cdfs[j], 0, cum.length);
        if (pos + j < end) {
            int s = data[pos + j] & 0xFF;
            ensure(j + 1);
            math.child(lows[j], ranges[j], cum, s, lows[j + 1], ranges[j + 1]);
            if (containsCell(lows[j + 1], ranges[j + 1])) {
                j++;
                return s;
            }
        }
        if (j == 0) throw new IllegalStateException("a byte does not fit an empty window (CDF precision above the window size?)");
        pos += closeWindow(j);
        j = 0;
        math.whole(lows[0], ranges[0]);
        if (pos == end) done = true;
        else resetPending = true;
        return NONE;
    }

    private boolean containsCell(long[] low, long[] range) {
        Wide.ceilTo(y, low, math.cellBit);
        return math.cellFitsAbove(y, low, range);
    }

    /** Chooses the window's bytes and code for greedy length L, emits them, returns the byte count. */
    private int closeWindow(int len) {
        int kept = len;
        switch (rule) {
            case GREEDY -> math.shortestCell(lows[len], ranges[len], y);
            case DELAY -> {
                math.shortestCell(lows[len], ranges[len], y);
                long[] cand = lows[0];   // scratch: the window is over, lows[0] is re-initialised after
                for (kept = 1; kept < len; kept++) {
                    if (math.shortestCell(lows[kept], ranges[kept], cand) && Wide.compare(cand, y) == 0) break;
                }
            }
            case G -> {
                while (kept > 0 && !math.straddlingCell(lows[kept], ranges[kept], cdfs[kept], y)) kept--;
                if (kept == 0) {
                    // only seen at the end of the input, when W ≥ 2P: every child boundary is
                    // cell-aligned. The decoder stops at the byte count there, so any cell will do.
                    if (pos + len != end) throw new IllegalStateException("rule G found no straddling cell");
                    kept = len;
                    math.shortestCell(lows[len], ranges[len], y);
                }
            }
        }
        if ((windows + 1) * tokenBytes > tokens.length) tokens = Arrays.copyOf(tokens, tokens.length * 2);
        if (windows == counts.length) counts = Arrays.copyOf(counts, counts.length * 2);
        math.writeToken(y, tokens, windows * tokenBytes);
        counts[windows++] = kept;
        return kept;
    }

    /** The window codes so far: windows() × W/8 bytes. */
    public byte[] tokens() {
        return Arrays.copyOf(tokens, windows * tokenBytes);
    }

    /** Bytes of each window so far. */
    public int[] byteCounts() {
        return Arrays.copyOf(counts, windows);
    }

    public int windows() {
        return windows;
    }
}
