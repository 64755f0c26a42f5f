package org.nct.coding;

/**
 * Equal-Info window decoder (one block) for each {@link WindowRule}:
 * <ul>
 *   <li>G: decode the byte whose child interval contains the cell start y; keep it while the whole
 *       cell lies inside that child.</li>
 *   <li>DELAY: decode until the window's shortest padded code equals y.</li>
 *   <li>GREEDY: the paper's look-ahead decoder: decode while the interval still holds a W-bit cell,
 *       keep the longest prefix whose shortest padded code equals y (it may keep a phantom byte).</li>
 * </ul>
 * Decoding stops at the block's byte count or when the codes run out ({@link #produced()} tells
 * which). A {@link CodingTask}: one model step per byte tried. Garbage input decodes to garbage,
 * never to a loop or an exception.
 */
public final class WindowDecoder implements CodingTask {
    private final WindowMath math;
    private final WindowRule rule;
    private final int tokenBytes;
    private byte[] in;
    private int inOff;
    private int windowCount;
    private int window;         // index of the current window
    private byte[] out;
    private int outOff;
    private int outEnd;
    private int produced;       // bytes committed
    private int j;              // bytes decoded in the current window (from out[outOff+produced])
    private int best;           // GREEDY: longest matching prefix so far
    private boolean resetPending;
    private boolean done = true;
    private final long[] low, range, childLow, childRange, y, cand;
    private int[] windowCounts = new int[16];

    public WindowDecoder(int windowBits, WindowRule rule, int precision) {
        this.math = new WindowMath(windowBits, precision);
        this.rule = rule;
        this.tokenBytes = windowBits / 8;
        low = math.newNumber();
        range = math.newNumber();
        childLow = math.newNumber();
        childRange = math.newNumber();
        y = math.newNumber();
        cand = math.newNumber();
    }

    /**
     * Most bytes one window of W bits can hold: a window keeps bytes while its interval still holds
     * a W-bit cell, and each byte narrows it by at least {@link StreamDecoder#minBitsPerSymbol} bits.
     */
    public static long maxBytesPerWindow(int windowBits, int precision) {
        return (long) Math.floor(windowBits / StreamDecoder.minBitsPerSymbol(precision)) + 1;
    }

    /** Starts decoding {@code length} bytes into out[outOff..) from {@code windows} codes at in[inOff..). */
    public void start(byte[] in, int inOff, int windows, byte[] out, int outOff, int length) {
        if (windows < 0 || (long) windows * tokenBytes > in.length - inOff) throw new IllegalArgumentException("window codes out of range");
        this.in = in;
        this.inOff = inOff;
        this.windowCount = windows;
        this.out = out;
        this.outOff = outOff;
        this.outEnd = length;
        this.window = 0;
        this.produced = 0;
        this.resetPending = false;
        this.done = length == 0 || windows == 0;     // no code: nothing decodes (the caller sees produced() < length)
        if (windowCounts.length < windows) windowCounts = new int[windows];
        if (!done) openWindow();
    }

    private void openWindow() {
        math.whole(low, range);
        math.readToken(in, inOff + window * tokenBytes, y);
        j = 0;
        best = 0;
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
        int s = math.childContaining(low, range, cum, y);
        math.child(low, range, cum, s, childLow, childRange);
        boolean keep;
        boolean closeAfter = false;
        switch (rule) {
            case G -> keep = math.cellFitsAbove(y, childLow, childRange);
            case DELAY -> {
                keep = true;
                closeAfter = math.shortestCell(childLow, childRange, cand) && Wide.compare(cand, y) == 0;
            }
            default -> {    // GREEDY
                keep = math.shortestCell(childLow, childRange, cand);
                if (keep && Wide.compare(cand, y) == 0) best = j + 1;
            }
        }
        if (!keep) {
            closeWindow(rule == WindowRule.GREEDY ? best : j);
            return NONE;
        }
        out[outOff + produced + j] = (byte) s;
        j++;
        Wide.copy(low, childLow);
        Wide.copy(range, childRange);
        if (closeAfter || produced + j == outEnd) closeWindow(rule == WindowRule.GREEDY ? best : j);
        return s;
    }

    private void closeWindow(int kept) {
        windowCounts[window] = kept;
        produced += kept;
        window++;
        if (produced == outEnd || window == windowCount) {
            done = true;
        } else {
            resetPending = true;
            openWindow();
        }
    }

    /**
     * A window's context: the start token, the window's bytes and the byte after them whose CDF
     * closed it — at most the block, and at most what one window can hold.
     */
    @Override
    public int maxContext() {
        return Math.min(outEnd, WindowMath.maxWindowBytes(math.w, math.precision)) + 2;
    }

    /** Bytes decoded so far. */
    public int produced() {
        return produced;
    }

    /** Windows consumed so far. */
    public int windowsUsed() {
        return window;
    }

    /** Bytes decoded from each window so far. */
    public int[] byteCounts() {
        return java.util.Arrays.copyOf(windowCounts, window);
    }
}
