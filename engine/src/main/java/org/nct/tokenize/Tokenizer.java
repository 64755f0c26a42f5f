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
