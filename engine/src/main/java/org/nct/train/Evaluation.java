package org.nct.train;

import org.nct.data.ExampleSource;
import org.nct.model.Transformer;

/** Mean loss of a model over examples: loss (CE + z-loss), cross-entropy, bits per token. */
public record Evaluation(double loss, double crossEntropy, long tokens, long examples) {

    private static final double LN2 = Math.log(2);

    /** Cross-entropy in bits per token (bits/byte when the tokens are bytes). */
    public double bitsPerToken() {
        return crossEntropy / LN2;
    }

    /**
     * Scores the first {@code maxExamples} examples of {@code src} (all when fewer) in index
     * order, {@code batch} at a time; the examples hold seq + 1 tokens.
     */
    public static Evaluation run(Transformer model, ExampleSource src, int batch, long maxExamples) {
        int T = src.exampleLength() - 1;
        if (T < 1) throw new IllegalArgumentException("examples must hold at least 2 tokens");
        if (src.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("the data has a vocabulary of " + src.vocabSize() + " but the model only " + model.config().vocabSize());
        }
        int[] example = new int[T + 1], inputs = new int[batch * T], targets = new int[batch * T];
        long n = Math.min(src.size(), maxExamples);
        double loss = 0, ce = 0;
        long tokens = 0;
        for (long first = 0; first < n; first += batch) {
            int b = (int) Math.min(batch, n - first);
            for (int i = 0; i < b; i++) {
                src.read(first + i, example);
                System.arraycopy(example, 0, inputs, i * T, T);
                System.arraycopy(example, 1, targets, i * T, T);
            }
            model.forward(inputs, targets, b, T);
            loss += model.lossSum();
            ce += model.crossEntropySum();
            tokens += model.tokenCount();
        }
        if (tokens == 0) throw new IllegalArgumentException("the evaluation data holds no scored tokens");
        return new Evaluation(loss / tokens, ce / tokens, tokens, n);
    }
}
