package org.nct.coding;

/**
 * Decoder of {@link StreamEncoder}: reads the code bytes (implicit zeros past the end) and finds
 * each symbol by a binary search on the exact test b(cum[s]) ≤ code. Any byte sequence decodes to
 * something (the code never leaves the range), so corruption is caught by the container's checksums,
 * never by a hang or an exception.
 *
 * <p>The encoder drops trailing zero bytes, so the decoder must read some zeros past the end. A
 * decoder built with a limit ({@link #StreamDecoder(byte[], int, int, int)}) counts those reads
 * and reports {@link #overran()} once they pass it: a code too short for the bytes asked of it (a
 * forged length) then stops after a bounded amount of work instead of decoding zeros without end.
 */
public final class StreamDecoder {
    /**
     * Implicit zero bytes a decoder reads past the end of an encoder's code when the encoder
     * dropped no zero byte of its own output (the flush's last byte). A container that pads each
     * code with the zeros the encoder dropped (see {@link StreamEncoder#droppedZeros()}) can
     * decode with this limit.
     */
    public static final int FLUSH_OVERREAD = 1;
    /**
     * Implicit zeros a decoder of an .nct version 2 block may read past the end of its code (the
     * container stores any zeros the encoder dropped beyond this), and the flush allowance of
     * decoders of codes stored without such padding.
     */
    public static final int MAX_OVERREAD = 8;

    private final byte[] in;
    private int pos;
    private final int end;
    private final int maxPastEnd;
    private int pastEnd;
    private long code;
    private long range = StreamEncoder.TOP;

    /** A decoder that reads any number of implicit zeros past the end. */
    public StreamDecoder(byte[] in, int off, int len) {
        this(in, off, len, Integer.MAX_VALUE);
    }

    /** A decoder that {@link #overran()} once it reads more than {@code maxPastEnd} zeros past the end. */
    public StreamDecoder(byte[] in, int off, int len, int maxPastEnd) {
        if (maxPastEnd < 0) throw new IllegalArgumentException("maxPastEnd < 0");
        this.in = in;
        this.pos = off;
        this.end = off + len;
        this.maxPastEnd = maxPastEnd;
        for (int i = 0; i < 4; i++) code = (code << 8) | next();
    }

    private int next() {
        if (pos < end) return in[pos++] & 0xFF;
        if (pastEnd != Integer.MAX_VALUE) pastEnd++;
        return 0;
    }

    /**
     * Fewest bits any symbol costs under a CDF of total 2^precision: every other symbol keeps at
     * least one count, so the likeliest has at most 2^P − 255 (the coder's floor split adds less
     * than 2^−24 to it, covered by the 0.999 below).
     */
    public static double minBitsPerSymbol(int precision) {
        double t = (double) (1L << precision);
        return -Math.log((t - (IntegerCdf.SYMBOLS - 1)) / t) / Math.log(2) * 0.999;
    }

    /**
     * Most symbols a decoder can produce while reading {@code readBytes} bytes (code and implicit
     * zeros together): the range shrinks by at least {@link #minBitsPerSymbol} bits per symbol and
     * the decoder reads one byte per 8 bits of shrinking, after its first 4.
     */
    public static long maxSymbols(long readBytes, int precision) {
        return (long) Math.ceil(8.0 * (readBytes + 1) / minBitsPerSymbol(precision));
    }

    /** Implicit zero bytes read past the end of the code so far. */
    public int pastEnd() {
        return pastEnd;
    }

    /** Whether the decoder has read more zeros past the end than its limit allows (the code is too short). */
    public boolean overran() {
        return pastEnd > maxPastEnd;
    }

    /** Decodes one symbol with the table {@code cum} of total 2^precision. */
    public int decode(int[] cum, int precision) {
        int lo = 0, hi = IntegerCdf.SYMBOLS - 1;       // largest s with b(cum[s]) <= code
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (((range * cum[mid]) >>> precision) <= code) lo = mid;
            else hi = mid - 1;
        }
        long bLo = (range * cum[lo]) >>> precision;
        long bHi = (range * cum[lo + 1]) >>> precision;
        code -= bLo;
        range = bHi - bLo;
        while (range < StreamEncoder.BOTTOM) {
            code = (code << 8) | next();
            range <<= 8;
        }
        return lo;
    }

    /** Decodes {@code n} bytes with a model (reset first). */
    public static byte[] decode(byte[] code, int off, int len, int n, ByteModel model) {
        byte[] out = new byte[n];
        CodingTask.run(new Task(code, off, len, out, 0, n, model.precision()), model);
        return out;
    }

    /** Decoding of n bytes into out[outOff..) as a {@link CodingTask} (one model step per byte). */
    public static final class Task implements CodingTask {
        private final StreamDecoder dec;
        private final byte[] out;
        private final int end;
        private final int precision;
        private final int bound;
        private final int start;
        private int pos;

        public Task(byte[] code, int off, int len, byte[] out, int outOff, int n, int precision) {
            this(code, off, len, Integer.MAX_VALUE, out, outOff, n, precision);
        }

        /** A task that stops early (see {@link #overran()}) when the code runs out by more than {@code maxPastEnd} bytes. */
        public Task(byte[] code, int off, int len, int maxPastEnd, byte[] out, int outOff, int n, int precision) {
            this.dec = new StreamDecoder(code, off, len, maxPastEnd);
            this.out = out;
            this.pos = outOff;
            this.start = outOff;
            this.end = outOff + n;
            this.precision = precision;
            this.bound = n + 1;
        }

        @Override
        public int next() {
            return pos < end && !dec.overran() ? CDF : DONE;
        }

        /** Whether decoding stopped because the code ran out (the output is then incomplete). */
        public boolean overran() {
            return dec.overran();
        }

        /** Whether every byte of the code has been read (a valid code is read to its end and past it). */
        public boolean consumedAll() {
            return dec.pos >= dec.end;
        }

        /** Bytes decoded so far. */
        public int produced() {
            return pos - start;
        }

        @Override
        public int maxContext() {
            return bound;
        }

        @Override
        public int step(int[] cum) {
            int s = dec.decode(cum, precision);
            out[pos++] = (byte) s;
            return s;
        }
    }
}
