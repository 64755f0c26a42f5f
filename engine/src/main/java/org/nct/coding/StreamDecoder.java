package org.nct.coding;

/**
 * Decoder of {@link StreamEncoder}: reads the code bytes (implicit zeros past the end) and finds
 * each symbol by a binary search on the exact test b(cum[s]) ≤ code. Any byte sequence decodes to
 * something (the code never leaves the range), so corruption is caught by the container's checksums,
 * never by a hang or an exception.
 */
public final class StreamDecoder {
    private final byte[] in;
    private int pos;
    private final int end;
    private long code;
    private long range = StreamEncoder.TOP;

    public StreamDecoder(byte[] in, int off, int len) {
        this.in = in;
        this.pos = off;
        this.end = off + len;
        for (int i = 0; i < 4; i++) code = (code << 8) | next();
    }

    private int next() {
        return pos < end ? in[pos++] & 0xFF : 0;
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
        private int pos;

        public Task(byte[] code, int off, int len, byte[] out, int outOff, int n, int precision) {
            this.dec = new StreamDecoder(code, off, len);
            this.out = out;
            this.pos = outOff;
            this.end = outOff + n;
            this.precision = precision;
            this.bound = n + 1;
        }

        @Override
        public int next() {
            return pos < end ? CDF : DONE;
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
