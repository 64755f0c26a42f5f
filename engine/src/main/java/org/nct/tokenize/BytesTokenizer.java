package org.nct.tokenize;

import java.util.Map;

/** The ByT5-style baseline: one token per UTF-8 byte, vocabulary 256. */
public final class BytesTokenizer implements Tokenizer {
    @Override
    public String name() {
        return "bytes";
    }

    @Override
    public Map<String, Object> parameters() {
        // ordered: metadata.json must be the same bytes in every JVM (Map.of iterates in a per-JVM order)
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("method", "bytes");
        m.put("v", 256);
        return m;
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int[] encode(byte[] bytes) {
        int[] t = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) t[i] = bytes[i] & 0xFF;
        return t;
    }

    @Override
    public Prefix encodePrefix(byte[] bytes, int maxTokens) {
        byte[] p = bytes.length <= maxTokens ? bytes : java.util.Arrays.copyOf(bytes, maxTokens);
        return new Prefix(encode(p), p.length);
    }

    @Override
    public byte[] decode(int[] tokens, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] > 255) throw new IllegalArgumentException("byte token out of range: " + tokens[i]);
            b[i] = (byte) tokens[i];
        }
        return b;
    }
}
