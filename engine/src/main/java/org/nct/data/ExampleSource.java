package org.nct.data;

/**
 * Random-access fixed-length training examples of tokens: the meeting point of the data side
 * (bytes of C4 documents for M1, token shards for M2) and the trainer, which owns the seeded
 * shuffling and saves its position with the checkpoint.
 */
public interface ExampleSource {

    /** Size of the token vocabulary (256 for bytes, up to 65,536 for tokens). */
    int vocabSize();

    /** Tokens per example, including the one extra token that the last target needs (T + 1). */
    int exampleLength();

    /** Number of examples. */
    long size();

    /**
     * Copies example {@code index} into {@code dst[0..exampleLength())}; positions past the end of
     * the real tokens are -1 (padding: no loss, input token 0). Returns the number of real tokens.
     */
    int read(long index, int[] dst);

    /** A stable description of the source (path, method, split) recorded in checkpoints. */
    String describe();
}
