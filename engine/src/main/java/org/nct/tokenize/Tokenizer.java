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
}
