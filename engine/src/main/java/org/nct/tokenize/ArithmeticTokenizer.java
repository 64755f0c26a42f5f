package org.nct.tokenize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nct.coding.CodingTask;
import org.nct.coding.CorruptInputException;
import org.nct.coding.StreamDecoder;
import org.nct.coding.StreamEncoder;

/**
 * AC[v] and StaticAC[v]: the whole example through the stream range coder with M1 (ac) or the
 * static byte-unigram model (static-ac), the code cut into 8- or 16-bit tokens by
 * {@link TokenPacking}. The code has no end-of-input symbol (as in the paper): decoding needs the
 * byte count, which shards record per example. An odd code length gets a zero byte for 16-bit
 * tokens; the decoder reads zeros past the end anyway, so it changes nothing.
 */
public final class ArithmeticTokenizer implements Tokenizer {
    private final String method;
    private final int bits;
    private final CodingModels models;

    /** {@code method} is "ac" or "static-ac". */
    public ArithmeticTokenizer(String method, int bits, CodingModels models) {
        TokenPacking.checkBits(bits);
        this.method = method;
        this.bits = bits;
        this.models = models;
    }

    @Override
    public String name() {
        return method + "[v=" + vocabSize() + "]";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("v", vocabSize());
        m.put("bits", bits);
        m.putAll(models.parameters());
        return m;
    }

    @Override
    public int vocabSize() {
        return 1 << bits;
    }

    @Override
    public boolean parallel() {
        return models.parallel();
    }

    @Override
    public int[] encode(byte[] bytes) {
        byte[] code = StreamEncoder.encode(bytes, models.model());
        return TokenPacking.pack(code, code.length, bits);
    }

    @Override
    public byte[] decode(int[] tokens, int n) {
        throw new IllegalArgumentException(name() + " tokens do not say how many bytes they hold; decode with the byte count");
    }

    @Override
    public byte[] decode(int[] tokens, int n, int length) {
        return decodeAll(List.of(Arrays.copyOf(tokens, n)), new int[] {length}).get(0);
    }

    @Override
    public List<byte[]> decodeAll(List<int[]> tokens, int[] lengths) {
        List<Decoding> tasks = new ArrayList<>();
        int precision = models.model().precision();
        for (int i = 0; i < tokens.size(); i++) {
            byte[] code = TokenPacking.unpack(tokens.get(i), tokens.get(i).length, bits);
            // the decoder may read the flush's zeros and at most as many more as the code has bytes:
            // a byte count beyond what that can decode is refused before anything is allocated for it
            int overread = StreamDecoder.MAX_OVERREAD + code.length;
            long most = StreamDecoder.maxSymbols((long) code.length + overread, precision);
            if (lengths[i] < 0 || lengths[i] > most) {
                throw new CorruptInputException(name() + ": " + tokens.get(i).length + " tokens cannot hold " + lengths[i] + " bytes (at most " + most + ")");
            }
            tasks.add(new Decoding(new StreamDecoder(code, 0, code.length, overread), new byte[lengths[i]], precision));
        }
        models.run(tasks);
        List<byte[]> out = new ArrayList<>();
        for (Decoding t : tasks) {
            if (t.dec.overran()) throw new CorruptInputException(name() + ": the code ends before the " + t.out.length + " bytes recorded");
            out.add(t.out);
        }
        return out;
    }

    /** A coding task that decodes a known number of bytes from a stream code. */
    private static final class Decoding implements CodingTask {
        final StreamDecoder dec;
        final byte[] out;
        final int precision;
        int n;

        Decoding(StreamDecoder dec, byte[] out, int precision) {
            this.dec = dec;
            this.out = out;
            this.precision = precision;
        }

        @Override
        public int next() {
            return n < out.length && !dec.overran() ? CDF : DONE;
        }

        @Override
        public int maxContext() {
            return out.length + 1;
        }

        @Override
        public int step(int[] cum) {
            int s = dec.decode(cum, precision);
            out[n++] = (byte) s;
            return s;
        }
    }

    @Override
    public Prefix encodePrefix(byte[] bytes, int maxTokens) {
        return encodePrefixes(List.of(bytes), maxTokens).get(0);
    }

    /**
     * The longest prefix whose code fits: one model pass (all examples as one batch) records each
     * byte's interval until the ideal code length passes the budget, then a bisection re-runs only
     * the range coder.
     */
    @Override
    public List<Prefix> encodePrefixes(List<byte[]> examples, int maxTokens) {
        double budget = (double) maxTokens * bits + 64;
        List<Intervals> tasks = new ArrayList<>();
        for (byte[] x : examples) tasks.add(new Intervals(x, budget, models.model().precision()));
        models.run(tasks);
        List<Prefix> out = new ArrayList<>();
        for (Intervals t : tasks) out.add(fit(t, maxTokens));
        return out;
    }

    private Prefix fit(Intervals t, int maxTokens) {
        int[] all = tokens(t.lo, t.hi, t.n, t.precision);
        if (t.n == t.bytes.length && all.length <= maxTokens) return new Prefix(all, t.n);
        int good = 0, bad = t.n;
        int[] goodTokens = tokens(t.lo, t.hi, 0, t.precision);
        while (bad - good > 1) {
            int mid = (good + bad) >>> 1;
            int[] k = tokens(t.lo, t.hi, mid, t.precision);
            if (k.length <= maxTokens) {
                good = mid;
                goodTokens = k;
            } else {
                bad = mid;
            }
        }
        return new Prefix(goodTokens, good);
    }

    /** A coding task that records each byte's interval [lo, hi) until the ideal code length passes the budget. */
    private static final class Intervals implements CodingTask {
        final byte[] bytes;
        final int[] lo, hi;
        final double budget;
        final int precision;
        double ideal;
        int n;

        Intervals(byte[] bytes, double budget, int precision) {
            this.bytes = bytes;
            this.lo = new int[bytes.length];
            this.hi = new int[bytes.length];
            this.budget = budget;
            this.precision = precision;
        }

        @Override
        public int next() {
            return n < bytes.length && ideal <= budget ? CDF : DONE;
        }

        @Override
        public int maxContext() {
            return bytes.length + 1;
        }

        @Override
        public int step(int[] cum) {
            int s = bytes[n] & 0xFF;
            lo[n] = cum[s];
            hi[n] = cum[s + 1];
            ideal += precision - Math.log(hi[n] - lo[n]) / Math.log(2);
            n++;
            return s;
        }
    }

    private int[] tokens(int[] lo, int[] hi, int n, int precision) {
        StreamEncoder e = new StreamEncoder();
        for (int i = 0; i < n; i++) e.encode(lo[i], hi[i], precision);
        byte[] code = e.finish();
        return TokenPacking.pack(code, code.length, bits);
    }
}
