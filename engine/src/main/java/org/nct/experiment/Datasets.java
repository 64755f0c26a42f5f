package org.nct.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.nct.kernels.Backends;
import org.nct.paper.Metrics;
import org.nct.tokenize.Method;
import org.nct.tokenize.Methods;
import org.nct.tokenize.SentencePieceTokenizer;
import org.nct.tokenize.Shard;
import org.nct.tokenize.ShardBuilder;
import org.nct.tokenize.Tokenizer;

/**
 * The M2 datasets of the experiment, built as token shards of {@code org.nct.tokenize}: the
 * training and held-out texts are cut into examples of {@code exampleBytes}; each example keeps
 * the longest prefix whose tokens fit in one M2 sequence ({@code seq + 1} tokens), as the paper
 * fits its 10,240-byte examples to 512 tokens, so weaker methods cover shorter prefixes of the same
 * examples. Beside the two shards ({@code train/}, {@code valid/}) the dataset holds
 * {@code stats.json}: token counts, the held-out compression ratio (bytes the stored tokens stand
 * for / tokens) and the uniform and unigram bits/byte.
 */
public final class Datasets {
    private Datasets() { }

    /** Bumped when the dataset layout or the cutting rule changes (part of the stage inputs). */
    static final int VERSION = 2;
    static final String TRAIN = "train", VALID = "valid", STATS = "stats.json";

    /** Builds the method's training and held-out shards into {@code dir} with {@code shards}. */
    static void build(Method m, byte[] trainText, byte[] validText, Path m1, Preset p, Path dir, ShardBuilder shards, Consumer<String> log)
            throws IOException {
        Tokenizer tok = tokenizer(m, trainText, m1, p, log);
        Map<String, byte[]> extra = tok instanceof SentencePieceTokenizer spm ? Map.of(Shard.SPM_MODEL, spm.model().serialize()) : Map.of();
        int threads = Backends.defaultThreads();
        Shard.Totals tr = shards.build(Shard.cut(trainText, p.exampleBytes()),
                new Shard.Spec(tok, p.exampleBytes(), p.m2Seq(), "experiment split train", threads), dir.resolve(TRAIN), true, extra);
        Shard.Totals va = shards.build(Shard.cut(validText, p.exampleBytes()),
                new Shard.Spec(tok, p.exampleBytes(), p.m2Seq(), "experiment split valid", threads), dir.resolve(VALID), true, extra);
        long[] trainCounts = counts(dir.resolve(TRAIN), m.vocab()), validCounts = counts(dir.resolve(VALID), m.vocab());
        checkRoundTrip(tok, validText, p.exampleBytes(), dir.resolve(VALID));
        double ratio = Metrics.compressionRatio(va.bytes(), va.tokens());
        ObjectNode s = Experiment.JSON.createObjectNode();
        s.put("method", m.paperName()).put("tokenizer", tok.name()).put("vocab", m.vocab())
                .put("train_tokens", tr.tokens()).put("train_bytes", tr.bytes()).put("train_examples", tr.examples())
                .put("valid_tokens", va.tokens()).put("valid_bytes", va.bytes()).put("valid_examples", va.examples())
                .put("valid_padding", va.padding()).put("ratio", ratio)
                .put("uniform_bits_per_byte", Metrics.uniformBitsPerByte(m.vocab(), ratio))
                .put("unigram_bits_per_byte", Metrics.unigramBitsPerByte(trainCounts, validCounts, ratio));
        Experiment.writeJson(dir.resolve(STATS), s);
        log.accept(String.format(Locale.ROOT, "dataset %s: %,d training tokens covering %,d of %,d bytes; held-out ratio %.3f bytes/token",
                m.paperName(), tr.tokens(), tr.bytes(), tr.sourceBytes(), ratio));
    }

    /** The method's tokenizer, as {@code nct tokenize} builds it; spm and the StaticAC unigram model learn from {@code trainText}. */
    public static Tokenizer tokenizer(Method m, byte[] trainText, Path m1, Preset p, Consumer<String> log) {
        long t0 = System.nanoTime();
        Tokenizer tok = Methods.create(m, new Methods.Setup(p.windowRule(), m.needsM1ForData() ? m1 : null, null, null, null), () -> trainText);
        if (m.kind() == Method.Kind.SPM) {
            log.accept(String.format(Locale.ROOT, "spm: trained a %,d-piece Unigram-LM on %,d bytes in %s", m.vocab(),
                    trainText.length, Report.seconds((System.nanoTime() - t0) / 1e9)));
        }
        return tok;
    }

    /** How often each token occurs in a shard. */
    private static long[] counts(Path shard, int vocab) {
        long[] c = new long[vocab];
        try (Shard.Reader r = new Shard.Reader(shard)) {
            for (long i = 0; i < r.size(); i++) for (int t : r.tokens(i)) c[t]++;
        }
        return c;
    }

    /** Decodes the first held-out example back and compares it with its text (a guard against a broken coder). */
    private static void checkRoundTrip(Tokenizer tok, byte[] text, int exampleBytes, Path shard) {
        try (Shard.Reader r = new Shard.Reader(shard)) {
            int[] first = r.tokens(0);
            byte[] back = tok.decode(first, first.length, r.byteCount(0));
            byte[] want = Arrays.copyOf(text, r.byteCount(0));
            if (!Arrays.equals(back, want)) throw new IllegalStateException(tok.name() + ": the first held-out example does not decode to its text");
        }
    }

    /** The M2 examples of one split of a dataset (close it after use). */
    static Shard.Reader open(Path datasetDir, String split) {
        return new Shard.Reader(datasetDir.resolve(split));
    }

    /** The dataset's numbers for the report. */
    static Results.Dataset stats(Method m, Path dir) throws IOException {
        JsonNode s = Experiment.JSON.readTree(dir.resolve(STATS).toFile());
        return new Results.Dataset(m, s.get("train_bytes").asLong(), s.get("train_tokens").asLong(), s.get("valid_bytes").asLong(),
                s.get("valid_tokens").asLong(), s.get("valid_padding").asLong(), s.get("uniform_bits_per_byte").asDouble(),
                s.get("unigram_bits_per_byte").asDouble());
    }
}
