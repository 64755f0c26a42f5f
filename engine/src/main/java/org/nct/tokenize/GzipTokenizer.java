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

    @Override
    public byte[] decode(int[] tokens, int n) {
        byte[] z = TokenPacking.unpack(tokens, n, bits);
        Inflater inf = new Inflater();
        try {
            inf.setInput(z);
            byte[] out = new byte[Math.max(64, z.length * 4)];
            int len = 0;
            while (!inf.finished()) {
                if (len == out.length) out = Arrays.copyOf(out, out.length * 2);
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
