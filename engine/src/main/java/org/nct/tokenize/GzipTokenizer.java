package org.nct.tokenize;

import java.util.Arrays;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * GZip[v]: the zlib stream of each example (java.util.zip.Deflater at the default level 6, zlib
 * header and Adler-32 trailer kept, as Python's {@code zlib.compress} that the paper used), cut
 * into 8- or 16-bit tokens by {@link TokenPacking}. With 16-bit tokens an odd-length stream gets
 * one zero byte appended; decoding inflates up to zlib's end of stream and then requires that at
 * most that one zero byte follows, so decode is exact and a corrupted tail is an error.
 */
public final class GzipTokenizer implements Tokenizer {
    private final int bits;

    public GzipTokenizer(int bits) {
        TokenPacking.checkBits(bits);
        this.bits = bits;
    }

    @Override
    public String name() {
        return "gzip[v=" + vocabSize() + "]";
    }

    @Override
    public Map<String, Object> parameters() {
        // ordered: metadata.json must be the same bytes in every JVM (Map.of iterates in a per-JVM order)
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("method", "gzip");
        m.put("v", vocabSize());
        m.put("bits", bits);
        m.put("level", Deflater.DEFAULT_COMPRESSION);
        m.put("container", "zlib");
        return m;
    }

    @Override
    public int vocabSize() {
        return 1 << bits;
    }

    /** The zlib stream of {@code bytes}. */
    public static byte[] deflate(byte[] bytes) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try {
            d.setInput(bytes);
            d.finish();
            byte[] out = new byte[bytes.length + bytes.length / 1000 + 64];
            int n = 0;
            while (!d.finished()) {
                if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
                n += d.deflate(out, n, out.length - n);
            }
            return Arrays.copyOf(out, n);
        } finally {
            d.end();
        }
    }

    @Override
    public int[] encode(byte[] bytes) {
        byte[] z = deflate(bytes);
        return TokenPacking.pack(z, z.length, bits);
    }

    /** Deflate expands a byte to at most 1032 (258 bytes per 2-bit match code): more output is not a zlib stream an encoder wrote. */
    static final long MAX_RATIO = 1032;

    @Override
    public byte[] decode(int[] tokens, int n) {
        return inflate(tokens, n, -1);
    }

    /** Inflates no more than the recorded byte count (a forged stream cannot make it allocate more). */
    @Override
    public byte[] decode(int[] tokens, int n, int length) {
        byte[] b = inflate(tokens, n, length);
        if (b.length != length) throw new IllegalArgumentException("gzip tokens: inflate to " + b.length + " bytes, not the " + length + " recorded");
        return b;
    }

    /** Inflates the zlib stream of the tokens, up to {@code limit} bytes (−1: deflate's own bound). */
    private byte[] inflate(int[] tokens, int n, int limit) {
        byte[] z = TokenPacking.unpack(tokens, n, bits);
        long cap = Math.min(Integer.MAX_VALUE - 8, limit >= 0 ? limit : z.length * MAX_RATIO + 64);
        Inflater inf = new Inflater();
        try {
            inf.setInput(z);
            byte[] out = new byte[(int) Math.min(cap + 1, Math.max(64, z.length * 4L))];
            int len = 0;
            while (!inf.finished()) {
                if (len > cap) throw new IllegalArgumentException("gzip tokens: the zlib stream inflates to more than " + cap + " bytes");
                if (len == out.length) out = Arrays.copyOf(out, (int) Math.min(cap + 1, out.length * 2L));
                int k = inf.inflate(out, len, out.length - len);
                len += k;
                if (k == 0 && !inf.finished() && (inf.needsInput() || inf.needsDictionary())) {
                    throw new IllegalArgumentException("gzip tokens: zlib stream truncated");
                }
            }
            int rest = inf.getRemaining();
            boolean padOk = rest == 0 || (bits == 16 && rest == 1 && z[z.length - 1] == 0);
            if (!padOk) throw new IllegalArgumentException("gzip tokens: " + rest + " bytes after the end of the zlib stream");
            return Arrays.copyOf(out, len);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("gzip tokens: corrupt zlib stream (" + e.getMessage() + ")");
        } finally {
            inf.end();
        }
    }
}
