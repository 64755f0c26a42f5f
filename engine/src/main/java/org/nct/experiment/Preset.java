package org.nct.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nct.InvalidInputException;
import org.nct.tokenize.Method;

/**
 * Every setting of one experiment scale. {@code smoke} runs end to end in a few minutes on 2 cores
 * (the test suite runs it); {@code cpu} is the honest CPU-scale reproduction (M1 at the paper's
 * {@code 3m} shape, M2s of a few million parameters; under an hour on 2 cores); {@code paper} is
 * the paper's configuration (M1 3m, M2 25m to 2b, sequence 512, Adafactor, 10,240-byte examples),
 * meant for a GPU.
 *
 * @param m1Preset        model preset of M1 (byte level)
 * @param m1Steps         M1 training steps
 * @param m1Batch         M1 batch (sequences)
 * @param m1Seq           M1 sequence length (bytes)
 * @param m2Sizes         model presets of the M2s (one M2 per method and size)
 * @param m2Steps         M2 training steps
 * @param m2Batch         M2 batch (sequences)
 * @param m2Seq           M2 sequence length (tokens)
 * @param exampleBytes    bytes per compressed example (the paper: 10,240)
 * @param methods         the tokenization methods
 * @param spmVocab        SentencePiece vocabulary
 * @param windowRule      Equal-Info window rule (g, greedy, delay)
 * @param trainBytes      bytes of training text used for M2 datasets (0: all); the same text for
 *                        every method, so weaker methods compress a prefix of what stronger use
 * @param validBytes      bytes of held-out text tokenized for evaluation (0: all)
 * @param evalTokens      held-out M2 tokens evaluated per model (a fixed number, stated in the report)
 * @param validFraction   fraction of documents in the validation split (by hash of the text)
 * @param learningRate    base learning rate of the rsqrt schedule (Adafactor), paper 1.0
 * @param warmupSteps     warmup steps of the rsqrt schedule, paper 10,000
 * @param seed            seed of initialisation and data order
 */
public record Preset(String name, String m1Preset, int m1Steps, int m1Batch, int m1Seq,
                     List<String> m2Sizes, int m2Steps, int m2Batch, int m2Seq,
                     int exampleBytes, List<Method> methods, int spmVocab, String windowRule,
                     long trainBytes, long validBytes, long evalTokens, double validFraction,
                     double learningRate, int warmupSteps, long seed) {

    public static final List<String> NAMES = List.of("smoke", "cpu", "paper");

    /** The paper's main comparison (Table 15) plus, when {@code ablation}, the b=32/64 windows. */
    static List<Method> methods(int spmVocab, boolean ablation, boolean b128) {
        List<Method> m = new ArrayList<>();
        m.add(new Method(Method.Kind.BYTES, 0, 256));
        m.add(new Method(Method.Kind.SPM, 0, spmVocab));
        for (int v : new int[] {256, 65536}) {
            m.add(new Method(Method.Kind.AC, 0, v));
            m.add(new Method(Method.Kind.STATIC_AC, 0, v));
            m.add(new Method(Method.Kind.EQINFO_AC, 16, v));
            m.add(new Method(Method.Kind.GZIP, 0, v));
        }
        if (ablation) {
            for (int b : b128 ? new int[] {32, 64, 128} : new int[] {32, 64}) {
                for (int v : new int[] {256, 65536}) m.add(new Method(Method.Kind.EQINFO_AC, b, v));
            }
        }
        return List.copyOf(m);
    }

    /**
     * The CPU preset's methods: every v=256 method of Table 15 and EqualInfoAC[b=16, v=65k] (the
     * paper's best setting). Left out to fit about an hour on 2 cores: the other v=65k models (at
     * d_model 192 their 65,536-row output layer costs 7× a v=256 model) and the window ablation
     * (each window size is another pass of M1 over the text); {@link #withMethods} adds them.
     */
    static List<Method> cpuMethods() {
        return List.of(new Method(Method.Kind.BYTES, 0, 256), new Method(Method.Kind.SPM, 0, 4096),
                new Method(Method.Kind.AC, 0, 256), new Method(Method.Kind.STATIC_AC, 0, 256),
                new Method(Method.Kind.EQINFO_AC, 16, 256), new Method(Method.Kind.EQINFO_AC, 16, 65536),
                new Method(Method.Kind.GZIP, 0, 256));
    }

    public static Preset named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "smoke" -> new Preset("smoke", "tiny", 30, 4, 64,
                    List.of("tiny"), 8, 4, 32,
                    128, methods(512, false, false), 512, "g",
                    24_000, 6_000, 1_024, DEFAULT_VALID_FRACTION, 1.0, 100, 1);
            case "cpu" -> new Preset("cpu", "3m", 200, 16, 256,
                    List.of("cpu-m"), 150, 16, 128,
                    512, cpuMethods(), 4096, "g",
                    480_000, 120_000, 32_768, DEFAULT_VALID_FRACTION, 1.0, 1000, 1);
            case "paper" -> new Preset("paper", "3m", 2_500_000, 128, 1024,
                    List.of("25m", "113m", "403m", "2b"), 200_000, 256, 512,
                    10_240, methods(32_000, true, true), 32_000, "g",
                    0, 0, 2_621_440, DEFAULT_VALID_FRACTION, 1.0, 10_000, 1);
            default -> throw new InvalidInputException("unknown preset '" + name + "' (use " + String.join(", ", NAMES) + ")");
        };
    }

    /** The validation fraction of the data branch's default split (5% of documents). */
    static final double DEFAULT_VALID_FRACTION = 0.05;

    /** This preset with other methods. */
    public Preset withMethods(List<Method> m) {
        return new Preset(name, m1Preset, m1Steps, m1Batch, m1Seq, m2Sizes, m2Steps, m2Batch, m2Seq, exampleBytes,
                List.copyOf(m), spmVocab, windowRule, trainBytes, validBytes, evalTokens, validFraction, learningRate, warmupSteps, seed);
    }

    /** Every setting as JSON (hashed into the stages' inputs and printed in the report). */
    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode n = json.createObjectNode();
        n.put("preset", name);
        ObjectNode m1 = n.putObject("m1");
        m1.put("model", m1Preset).put("steps", m1Steps).put("batch", m1Batch).put("seq", m1Seq);
        ObjectNode m2 = n.putObject("m2");
        ArrayNode sizes = m2.putArray("sizes");
        m2Sizes.forEach(sizes::add);
        m2.put("steps", m2Steps).put("batch", m2Batch).put("seq", m2Seq);
        ArrayNode ms = n.putArray("methods");
        methods.forEach(m -> ms.add(m.id()));
        n.put("example_bytes", exampleBytes).put("spm_vocab", spmVocab).put("window_rule", windowRule)
                .put("train_bytes", trainBytes).put("valid_bytes", validBytes).put("eval_tokens", evalTokens)
                .put("valid_fraction", validFraction).put("optimizer", "adafactor")
                .put("learning_rate", learningRate).put("warmup_steps", warmupSteps).put("seed", seed);
        return n;
    }
}
