package org.nct.tokenize;

import java.util.Map;

/**
 * One tokenization method of the paper: bytes of one example in, tokens out, and back. Tokens are
 * in {@code [0, vocabSize())} and fit in 16 bits. {@code decode(encode(x))} is {@code x} exactly
 * for every method that builds M2 data.
 */
public interface Tokenizer {

    /** The method's name with its parameters, as the paper writes it (e.g. {@code gzip[v=256]}). */
    String name();

    /** The parameters that define the method (recorded in shard metadata). */
    Map<String, Object> parameters();

    /** Size of the token vocabulary (at most 65,536). */
    int vocabSize();

    /** Tokens of {@code bytes}. */
    int[] encode(byte[] bytes);

    /** The bytes that {@code tokens[0..n)} stand for. Throws {@link IllegalArgumentException} on input no encoder produces. */
    byte[] decode(int[] tokens, int n);

    default byte[] decode(int[] tokens) {
        return decode(tokens, tokens.length);
    }

    /**
     * Decodes when the number of bytes is known (shards record it). The arithmetic-coding methods
     * need it: their code has no end-of-input symbol, as in the paper. Others ignore it.
     */
    default byte[] decode(int[] tokens, int n, int length) {
        return decode(tokens, n);
    }

    /**
     * {@link #encodePrefix} of many examples; methods driven by M1 override it to run the examples
     * as one batch. The result is the same as encoding them one by one.
     */
    default java.util.List<Prefix> encodePrefixes(java.util.List<byte[]> examples, int maxTokens) {
        java.util.List<Prefix> out = new java.util.ArrayList<>(examples.size());
        for (byte[] x : examples) out.add(encodePrefix(x, maxTokens));
        return out;
    }

    /**
     * Decodes many examples, each with its byte count; methods driven by M1 override it to run
     * them as one batch. Throws like {@link #decode(int[], int, int)}.
     */
    default java.util.List<byte[]> decodeAll(java.util.List<int[]> tokens, int[] lengths) {
        java.util.List<byte[]> out = new java.util.ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) out.add(decode(tokens.get(i), tokens.get(i).length, lengths[i]));
        return out;
    }

    /** Whether several threads may encode at once (false for methods that share one M1). */
    default boolean parallel() {
        return true;
    }

    /** Tokens of a prefix of an example, and how many bytes of it they stand for. */
    record Prefix(int[] tokens, int bytes) { }

    /**
     * Encodes the longest prefix of {@code bytes} whose tokens fit in {@code maxTokens} (the
     * paper's way of fitting examples to the M2 sequence length: weaker methods see a shorter
     * prefix of the same example). This default searches the prefix length by bisection with
     * {@link #encode}; methods that can stop early override it.
     */
    default Prefix encodePrefix(byte[] bytes, int maxTokens) {
        int[] all = encode(bytes);
        if (all.length <= maxTokens) return new Prefix(all, bytes.length);
        int lo = 0, hi = bytes.length; // encode(prefix lo) fits, prefix hi does not
        int[] loTokens = encode(new byte[0]);
        if (loTokens.length > maxTokens) throw new IllegalArgumentException(name() + ": even an empty example needs more than " + maxTokens + " tokens");
        int guess = (int) Math.min(bytes.length - 1L, (long) bytes.length * maxTokens / all.length);
        while (hi - lo > 1) {
            int mid = guess > lo && guess < hi ? guess : (lo + hi) >>> 1;
            guess = -1;
            int[] t = encode(java.util.Arrays.copyOf(bytes, mid));
            if (t.length <= maxTokens) {
                lo = mid;
                loTokens = t;
            } else {
                hi = mid;
            }
        }
        return new Prefix(loTokens, lo);
    }
}
