package org.nct.tokenize;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nct.coding.ByteModel;
import org.nct.coding.IntegerCdf;
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
        byte[] code = TokenPacking.unpack(tokens, n, bits);
        return StreamDecoder.decode(code, 0, code.length, length, models.model());
    }

    /**
     * The longest prefix whose code fits: one model pass records each byte's interval until the
     * ideal code length passes the budget, then a bisection re-runs only the range coder.
     */
    @Override
    public Prefix encodePrefix(byte[] bytes, int maxTokens) {
        ByteModel model = models.model();
        int p = model.precision();
        int[] cum = new int[IntegerCdf.SYMBOLS + 1];
        int[] lo = new int[bytes.length], hi = new int[bytes.length];
        double budget = (double) maxTokens * bits + 64, ideal = 0;
        int computed = 0;
        model.reset();
        while (computed < bytes.length && ideal <= budget) {
            int s = bytes[computed] & 0xFF;
            model.cdf(cum);
            lo[computed] = cum[s];
            hi[computed] = cum[s + 1];
            model.accept(s);
            ideal += p - Math.log(hi[computed] - lo[computed]) / Math.log(2);
            computed++;
        }
        int[] all = tokens(lo, hi, computed, p);
        if (computed == bytes.length && all.length <= maxTokens) return new Prefix(all, computed);
        int good = 0, bad = computed;
        int[] goodTokens = tokens(lo, hi, 0, p);
        while (bad - good > 1) {
            int mid = (good + bad) >>> 1;
            int[] t = tokens(lo, hi, mid, p);
            if (t.length <= maxTokens) {
                good = mid;
                goodTokens = t;
            } else {
                bad = mid;
            }
        }
        return new Prefix(goodTokens, good);
    }

    private int[] tokens(int[] lo, int[] hi, int n, int precision) {
        StreamEncoder e = new StreamEncoder();
        for (int i = 0; i < n; i++) e.encode(lo[i], hi[i], precision);
        byte[] code = e.finish();
        return TokenPacking.pack(code, code.length, bits);
    }
}
