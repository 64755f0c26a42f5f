package org.nct.experiment;

import java.util.List;
import java.util.Map;
import org.nct.paper.Metrics;
import org.nct.tokenize.Method;

/** The numbers of one experiment run, as the report prints them; {@code corpusNote} is null or a caveat about the corpus. */
public record Results(String corpus, String corpusNote, Preset preset, Map<String, String> machine,
                      M1 m1, List<Dataset> datasets, List<Model> models, List<Stages.Record> stages) {

    /**
     * M1: its shape, training and its bits/byte on the held-out text; {@code given} is null when
     * this run trained it, and {@code steps} is −1 for a given M1 that records no step.
     */
    public record M1(String preset, long nonEmbeddingParams, long totalParams, long steps, double validBitsPerByte,
                     long validBytes, Given given) { }

    /** An M1 given instead of trained ({@link Experiment.GivenM1}): where it came from, its model id (CDF precision 16) and its config. */
    public record Given(String source, String modelId, String config) { }

    /**
     * One method's dataset: sizes of the training and held-out token sets, the held-out compression
     * ratio (bytes/token) and the trivial models' bits/byte on the held-out tokens (paper Table 3).
     */
    public record Dataset(Method method, long trainBytes, long trainTokens, long validBytes, long validTokens,
                          long validPadding, double uniformBitsPerByte, double unigramBitsPerByte) {
        public double ratio() {
            return Metrics.compressionRatio(validBytes, validTokens);
        }
    }

    /**
     * One M2: method, size, parameters, training, and its evaluation on {@code evalTokens} held-out
     * tokens: mean loss per token (nats), bits/byte, inference FLOPs/byte and bytes per step.
     */
    public record Model(Method method, String size, long nonEmbeddingParams, long totalParams, int steps,
                        double finalTrainLoss, long evalTokens, double evalLoss, double ratio,
                        double bitsPerByte, double flopsPerByte, double trainSeconds) {
        public double bytesPerStep() {
            return ratio;
        }

        public double bitsPerToken() {
            return evalLoss / Math.log(2);
        }
    }

    public Dataset dataset(Method m) {
        for (Dataset d : datasets) if (d.method().equals(m)) return d;
        return null;
    }

    public Model model(Method m, String size) {
        for (Model r : models) if (r.method().equals(m) && r.size().equals(size)) return r;
        return null;
    }
}
