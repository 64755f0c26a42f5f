package org.nct.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * Shape of the T5X-style decoder (docs/architecture.md): vocabulary V, d_model C, H heads of
 * dimension D, L layers, gated-ReLU MLP width F, T5 relative-position buckets, RMSNorm epsilon and
 * z-loss weight. The sequence length is not part of the model (relative positions only).
 */
public record ModelConfig(int vocabSize, int dModel, int numHeads, int headDim, int numLayers, int mlpDim,
                          int numBuckets, int maxDistance, float normEps, float zLoss) {

    public static final int NUM_BUCKETS = 32;
    public static final int MAX_DISTANCE = 128;
    public static final float NORM_EPS = 1e-6f;
    public static final float Z_LOSS = 1e-4f;

    /** Upper bounds on each dimension: a forged checkpoint header cannot ask for absurd shapes. */
    static final int MAX_VOCAB = 1 << 20, MAX_DIM = 1 << 16, MAX_LAYERS = 1024, MAX_BUCKETS = 1 << 12;

    /** Preset names: the CPU sizes first, then the paper's Table 4. */
    public static final List<String> PRESETS = List.of("tiny", "cpu-s", "cpu-m", "3m", "25m", "113m", "403m", "2b");

    public ModelConfig {
        check(vocabSize, 1, MAX_VOCAB, "vocab size");
        check(dModel, 1, MAX_DIM, "d_model");
        check(numHeads, 1, MAX_DIM, "number of heads");
        check(headDim, 1, MAX_DIM, "head dimension");
        check(numLayers, 1, MAX_LAYERS, "number of layers");
        check(mlpDim, 1, MAX_DIM * 4, "MLP width");
        check(numBuckets, 2, MAX_BUCKETS, "relative-position buckets");
        check(maxDistance, 1, 1 << 24, "relative-position max distance");
        if ((long) numHeads * headDim > MAX_DIM) throw new IllegalArgumentException("heads × head dimension must be at most " + MAX_DIM);
        if (!(normEps > 0f) || !Float.isFinite(normEps)) throw new IllegalArgumentException("norm epsilon must be positive and finite, got " + normEps);
        if (!(zLoss >= 0f) || !Float.isFinite(zLoss)) throw new IllegalArgumentException("z-loss must be >= 0 and finite, got " + zLoss);
    }

    private static void check(int v, int lo, int hi, String what) {
        if (v < lo || v > hi) throw new IllegalArgumentException(what + " must be in [" + lo + ", " + hi + "], got " + v);
    }

    /** A model with the given shapes and the T5 defaults (32 buckets, distance 128, eps 1e-6, z-loss 1e-4). */
    public static ModelConfig of(int vocab, int dModel, int heads, int headDim, int layers, int mlpDim) {
        return new ModelConfig(vocab, dModel, heads, headDim, layers, mlpDim, NUM_BUCKETS, MAX_DISTANCE, NORM_EPS, Z_LOSS);
    }

    /** The named preset with the given vocabulary (256 for bytes). Unknown name: IllegalArgumentException. */
    public static ModelConfig preset(String name, int vocab) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> of(vocab, 64, 2, 32, 2, 256);
            case "cpu-s" -> of(vocab, 128, 2, 64, 2, 512);
            case "cpu-m" -> of(vocab, 192, 3, 64, 3, 768);
            case "3m" -> of(vocab, 256, 4, 64, 3, 1024);
            case "25m" -> of(vocab, 512, 8, 64, 6, 2048);
            case "113m" -> of(vocab, 768, 12, 64, 12, 3072);
            case "403m" -> of(vocab, 1024, 16, 64, 24, 4096);
            case "2b" -> of(vocab, 2048, 32, 64, 24, 8192);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + String.join(", ", PRESETS) + ")");
        };
    }

    /** H·D: width of the attention output (and of each of q, k, v). */
    public int attnDim() {
        return numHeads * headDim;
    }

    /** 3·H·D: rows of the fused qkv matrix. */
    public int qkvDim() {
        return 3 * numHeads * headDim;
    }

    /** Parameters of one layer. */
    public long layerParams() {
        long c = dModel, a = attnDim(), f = mlpDim;
        return c + 3 * a * c + (long) numHeads * numBuckets + c * a + c + 3 * f * c;
    }

    /** Parameters excluding the input embedding and the output projection (the paper's count). */
    public long nonEmbeddingParams() {
        return numLayers * layerParams() + dModel;
    }

    /** Input embedding plus the (untied) output projection: 2·V·C. */
    public long embeddingParams() {
        return 2L * vocabSize * dModel;
    }

    public long totalParams() {
        return nonEmbeddingParams() + embeddingParams();
    }

    /** One line: shapes and parameter counts. */
    public String describe() {
        return String.format(Locale.ROOT, "V=%d C=%d H=%d D=%d L=%d F=%d: %,d parameters (%,d without embeddings)",
                vocabSize, dModel, numHeads, headDim, numLayers, mlpDim, totalParams(), nonEmbeddingParams());
    }

    /** JSON form (stored in checkpoint metadata). */
    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode n = json.createObjectNode();
        n.put("vocab_size", vocabSize).put("d_model", dModel).put("num_heads", numHeads).put("head_dim", headDim)
                .put("num_layers", numLayers).put("mlp_dim", mlpDim).put("num_buckets", numBuckets)
                .put("max_distance", maxDistance).put("norm_eps", normEps).put("z_loss", zLoss);
        return n;
    }

    /** Parses {@link #toJson}; missing or mistyped fields and invalid shapes give IllegalArgumentException. */
    public static ModelConfig fromJson(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("model config is not a JSON object");
        return new ModelConfig(intField(n, "vocab_size"), intField(n, "d_model"), intField(n, "num_heads"),
                intField(n, "head_dim"), intField(n, "num_layers"), intField(n, "mlp_dim"), intField(n, "num_buckets"),
                intField(n, "max_distance"), floatField(n, "norm_eps"), floatField(n, "z_loss"));
    }

    private static int intField(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException("model config field '" + name + "' is missing or not an integer");
        return v.intValue();
    }

    private static float floatField(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("model config field '" + name + "' is missing or not a number");
        return v.floatValue();
    }
}
