package org.nct.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.nct.InvalidInputException;
import org.nct.InvalidSettingException;
import org.nct.coding.IntegerCdf;
import org.nct.coding.StaticUnigramModel;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;

/**
 * The tokenizer of a {@link Method}: created for {@code nct tokenize}, {@code nct spark tokenize}
 * and {@code nct experiment} alike, and re-created from shard metadata.
 */
public final class Methods {
    private Methods() { }

    /**
     * What a method needs besides its spec: the Equal-Info window rule (null: G), the M1
     * checkpoint (ac, eqinfo-ac), a SentencePiece .model to apply instead of training one (spm),
     * the CDF precision (null: 16; the paper's is 14), M1's kernel threads (null: the default).
     */
    public record Setup(String rule, Path m1, Path spmModel, Integer precision, Integer threads) {
        /** No rule, M1, .model, precision or threads given: the defaults. */
        public static final Setup DEFAULTS = new Setup(null, null, null, null, null);
    }

    /** The tokenizer of {@code m}. {@code trainingText} is the training split (spm and static-ac learn from it). */
    public static Tokenizer create(Method m, Setup o, Supplier<byte[]> trainingText) {
        int precision = o.precision() == null ? IntegerCdf.DEFAULT_PRECISION : o.precision();
        int bits = m.kind() == Method.Kind.SPM ? 0 : TokenPacking.bitsOfVocab(m.vocab());
        return switch (m.kind()) {
            case BYTES -> new BytesTokenizer();
            case GZIP -> new GzipTokenizer(bits);
            case SPM -> {
                if (o.spmModel() != null) {
                    SentencePieceModel model = SentencePieceModel.read(o.spmModel());
                    if (!model.lossless()) {
                        throw new InvalidInputException(o.spmModel() + ": this model does not decode back to the same text (needs byte_fallback,"
                                + " add_dummy_prefix=false, remove_extra_whitespaces=false); it cannot build a shard");
                    }
                    yield new SentencePieceTokenizer(model);
                }
                yield new SentencePieceTokenizer(trainSpm(trainingText.get(), m.vocab()));
            }
            case STATIC_AC -> {
                byte[] text = trainingText.get();
                yield new ArithmeticTokenizer("static-ac", bits, CodingModels.staticUnigram(StaticUnigramModel.count(text, 0, text.length), precision));
            }
            case AC -> new ArithmeticTokenizer("ac", bits, m1(o.m1(), precision, o.threads()));
            case EQINFO_AC -> new EqualInfoTokenizer(m.bits(), bits, rule(o.rule()), m1(o.m1(), precision, o.threads()));
        };
    }

    /**
     * The one SentencePiece training path of every command: a {@code vocab}-piece Unigram-LM
     * trained on the lines of {@code text}, long lines cut first ({@link UnigramTrainer#lines}).
     */
    public static SentencePieceModel trainSpm(byte[] text, int vocab) {
        return new UnigramTrainer().vocabSize(vocab).train(UnigramTrainer.lines(text));
    }

    static WindowRule rule(String r) {
        try {
            return r == null ? WindowRule.G : WindowRule.parse(r);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    static CodingModels m1(Path path, int precision, Integer threads) {
        if (path == null) throw new InvalidSettingException("this method needs M1: give m1, a byte-level model checkpoint", "m1");
        if (!Files.isRegularFile(path)) throw new InvalidInputException("M1 model not found: " + path);
        try {
            return CodingModels.m1(CodingModel.load(path, threads == null ? Backends.create() : Backends.create(threads), precision), path.toString());
        } catch (IOException e) {
            throw new InvalidInputException("cannot load M1 " + path + ": " + e.getMessage());
        }
    }

    /** The tokenizer that decodes the shard {@code r}; {@code m1} overrides the M1 path recorded in it; {@code threads} for M1's kernels. */
    public static Tokenizer forShard(Shard.Reader r, Path m1, Integer threads) {
        return fromParameters(r.metadata().path("parameters"), r.dir().toString(), r.dir().resolve(Shard.SPM_MODEL), m1, threads);
    }

    /**
     * The tokenizer that {@link Tokenizer#parameters()} {@code p} describe (as recorded in shard
     * metadata): the same tokens as the tokenizer that wrote them. {@code spmModel} is the
     * SentencePiece model file (spm); {@code m1} overrides the recorded M1 path and must have the
     * recorded model id; {@code where} names the source of {@code p} in error messages.
     */
    public static Tokenizer fromParameters(JsonNode p, String where, Path spmModel, Path m1, Integer threads) {
        String m = p.path("method").asText("");
        int bits = p.path("bits").asInt(8);
        int precision = p.path("precision").asInt(IntegerCdf.DEFAULT_PRECISION);
        return switch (m) {
            case "bytes" -> new BytesTokenizer();
            case "gzip" -> new GzipTokenizer(bits);
            case "spm" -> new SentencePieceTokenizer(SentencePieceModel.read(spmModel));
            case "static-ac", "ac", "eqinfo-ac" -> {
                CodingModels models = modelsOf(where, p, m1, precision, threads);
                yield m.equals("eqinfo-ac") ? new EqualInfoTokenizer(p.path("b").asInt(), bits, rule(p.path("rule").asText("g")), models)
                        : new ArithmeticTokenizer(m, bits, models);
            }
            default -> throw new InvalidInputException(where + ": cannot decode method '" + m + "' in this build");
        };
    }

    /** The byte model recorded in shard parameters: the static unigram counts, or M1 (checked by its id). */
    private static CodingModels modelsOf(String where, JsonNode p, Path m1, int precision, Integer threads) {
        String kind = p.path("model").asText("");
        if (kind.equals("static-unigram")) {
            JsonNode c = p.path("counts");
            if (!c.isArray() || c.size() != 256) throw new InvalidInputException(where + ": metadata lacks the 256 static byte counts");
            long[] counts = new long[256];
            for (int i = 0; i < 256; i++) counts[i] = c.get(i).asLong();
            return CodingModels.staticUnigram(counts, precision);
        }
        if (!kind.equals("m1")) throw new InvalidInputException(where + ": unknown byte model '" + kind + "' in metadata");
        Path path = m1 != null ? m1 : Path.of(p.path("m1_path").asText(""));
        CodingModels models = m1(path, precision, threads);
        String want = p.path("m1_model_id").asText("");
        Object have = models.parameters().get("m1_model_id");
        if (!want.equals(have)) throw new InvalidInputException(path + " is not the M1 this shard was built with (model id " + have + ", shard needs " + want + ")");
        return models;
    }
}
