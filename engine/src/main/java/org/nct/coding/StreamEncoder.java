package org.nct.coding;

import java.util.Arrays;

/**
 * Range encoder for whole streams (the AC and StaticAC methods, unwindowed file compression).
 *
 * <p>LZMA structure with an exact interval split: a 32-bit range and a 64-bit low (bit 32 is the
 * carry), byte output with a pending byte and a count of pending 0xFF bytes for carries, and
 * renormalisation while the range is below 2^24. A symbol with cumulative counts [lo, hi) of total
 * 2^P maps the range R to [b(lo), b(hi)) with b(c) = floor(R·c / 2^P) (no lost sliver). The coder
 * starts at [0, 1) (R = 2^32). {@link #finish()} writes the value in the final interval with the
 * most trailing zero bits and drops trailing zero bytes, which the decoder reads back as implicit
 * zeros past the end. The length of the input is not coded; the container stores it.
 */
public final class StreamEncoder {
    static final long TOP = 1L << 32;
    static final long BOTTOM = 1L << 24;

    private long low;
    private long range = TOP;
    private int cache;
    private long cacheSize = 1;
    private boolean leadingByte = true;    // the first pending byte is the always-zero integer part
    private long zeros;                    // zero bytes not yet written (dropped if nothing follows)
    private byte[] buf = new byte[64];
    private int size;

    /** Narrows the interval to the symbol with cumulative counts [cumLo, cumHi) of total 2^precision. */
    public void encode(int cumLo, int cumHi, int precision) {
        long bLo = (range * cumLo) >>> precision;
        long bHi = (range * cumHi) >>> precision;
        low += bLo;
        range = bHi - bLo;
        while (range < BOTTOM) {
            shiftLow();
            range <<= 8;
        }
    }

    /** Encodes {@code symbol} with the table {@code cum}. */
    public void encode(int[] cum, int symbol, int precision) {
        encode(cum[symbol], cum[symbol + 1], precision);
    }

    private void shiftLow() {
        if (low < 0xFF000000L || low >= TOP) {
            int carry = (int) (low >>> 32);
            int b = cache;
            do {
                emit((b + carry) & 0xFF);
                b = 0xFF;
            } while (--cacheSize != 0);
            cache = (int) ((low >>> 24) & 0xFF);
        }
        cacheSize++;
        low = (low & 0x00FFFFFFL) << 8;
    }

    private void emit(int b) {
        if (leadingByte) {
            leadingByte = false;
            return;
        }
        if (b == 0) {
            zeros++;
            return;
        }
        for (; zeros > 0; zeros--) put(0);
        put(b);
    }

    private void put(int b) {
        if (size == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
        buf[size++] = (byte) b;
    }

    /** Ends the stream with the shortest code and returns it. The encoder is spent afterwards. */
    public byte[] finish() {
        long end = low + range;
        for (int tz = 32; tz >= 0; tz--) {
            long v = ((low + (1L << tz) - 1) >>> tz) << tz;
            if (v < end) {
                low = v;
                break;
            }
        }
        for (int i = 0; i < 5; i++) shiftLow();
        return Arrays.copyOf(buf, size);
    }

    /**
     * Zero bytes that {@link #finish()} dropped from the end of the code (valid after it). The
     * decoder reads them back as implicit zeros; a container that appends this many less
     * {@link StreamDecoder#FLUSH_OVERREAD} zeros can decode with a strict past-the-end limit.
     */
    public long droppedZeros() {
        return zeros;
    }

    /** Encodes all of {@code data} with a model (reset first). */
    public static byte[] encode(byte[] data, ByteModel model) {
        Task t = new Task(data, 0, data.length, model.precision());
        CodingTask.run(t, model);
        return t.code();
    }

    /** Encoding of data[off..off+len) as a {@link CodingTask} (one model step per byte). */
    public static final class Task implements KnownContextTask {
        private final StreamEncoder enc = new StreamEncoder();
        private final byte[] data;
        private final int start, end;
        private final int precision;
        private int pos;
        private byte[] code;

        public Task(byte[] data, int off, int len, int precision) {
            this.data = data;
            this.start = off;
            this.pos = off;
            this.end = off + len;
            this.precision = precision;
        }

        @Override
        public int next() {
            return pos < end ? CDF : DONE;
        }

        @Override
        public int step(int[] cum) {
            int s = data[pos++] & 0xFF;
            enc.encode(cum, s, precision);
            return s;
        }

        @Override
        public int maxContext() {
            return end - start + 1;
        }

        @Override
        public int length() {
            return end - start;
        }

        @Override
        public int byteAt(int i) {
            return data[start + i] & 0xFF;
        }

        /** Zero bytes dropped from the end of {@link #code()} (see {@link StreamEncoder#droppedZeros()}). */
        public long droppedZeros() {
            code();
            return enc.droppedZeros();
        }

        /** The finished code (after the task is done). */
        public byte[] code() {
            if (pos < end) throw new IllegalStateException("encoding not finished");
            if (code == null) code = enc.finish();
            return code;
        }
    }
}
