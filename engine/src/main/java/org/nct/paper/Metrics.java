package org.nct.paper;

/**
 * The paper's evaluation formulas (section 6 of the paper brief). Token compression ratio =
 * bytes / tokens; bits/byte = (tokens / bytes) × loss / ln 2; inference FLOPs/byte =
 * 2 × non-embedding parameters / ratio, plus 2 × M1's non-embedding parameters where M1 runs;
 * bytes per decoding step = the token compression ratio.
 */
public final class Metrics {
    private Metrics() { }

    private static final double LN2 = Math.log(2);

    /** Bytes per token (the paper's token compression ratio L_iT / L_oT). */
    public static double compressionRatio(long bytes, long tokens) {
        if (bytes <= 0 || tokens <= 0) throw new IllegalArgumentException("bytes and tokens must be positive, got " + bytes + " and " + tokens);
        return (double) bytes / tokens;
    }

    /** bits/byte from the mean per-token loss (nats) and the compression ratio (bytes/token). */
    public static double bitsPerByte(double lossNatsPerToken, double ratio) {
        return lossNatsPerToken / ratio / LN2;
    }

    /** Inference FLOPs per byte: 2·N/ratio for M2 plus 2·N_M1 per byte when M1 runs (else pass 0). */
    public static double flopsPerByte(long m2NonEmbeddingParams, double ratio, long m1NonEmbeddingParams) {
        return 2.0 * m2NonEmbeddingParams / ratio + 2.0 * m1NonEmbeddingParams;
    }

    /** The uniform model's bits/byte: log2(v) bits per token divided by bytes per token. */
    public static double uniformBitsPerByte(int vocab, double ratio) {
        return Math.log(vocab) / LN2 / ratio;
    }

    /**
     * The unigram model's bits/byte: the cross-entropy of {@code evalCounts} under the unigram
     * distribution fitted on {@code trainCounts} with add-one smoothing (every token of the
     * vocabulary keeps a non-zero probability), divided by bytes per token.
     */
    public static double unigramBitsPerByte(long[] trainCounts, long[] evalCounts, double ratio) {
        if (trainCounts.length != evalCounts.length) throw new IllegalArgumentException("count arrays differ in length");
        int v = trainCounts.length;
        double trainTotal = v;
        for (long c : trainCounts) trainTotal += c;
        double bits = 0;
        long n = 0;
        for (int i = 0; i < v; i++) {
            if (evalCounts[i] == 0) continue;
            bits -= evalCounts[i] * (Math.log((trainCounts[i] + 1) / trainTotal) / LN2);
            n += evalCounts[i];
        }
        if (n == 0) throw new IllegalArgumentException("no evaluation tokens");
        return bits / n / ratio;
    }
}
