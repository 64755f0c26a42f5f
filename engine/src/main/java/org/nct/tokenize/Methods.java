package org.nct.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.nct.cli.UserException;

/** The tokenization methods by name: creation from CLI options, and re-creation from shard metadata. */
public final class Methods {
    private Methods() { }

    /** Every method name the CLI accepts. */
    public static final List<String> NAMES = List.of("bytes", "spm", "gzip", "static-ac", "ac", "eqinfo-ac");

    /** Options that select and parameterize a method. */
    public record Options(String method, Integer vocab, Integer bits, String rule, Path m1, Path spmModel) { }

    /**
     * The tokenizer for {@code o}. {@code trainingDocuments} supplies the text spm trains on when
     * no {@code .model} is given.
     */
    public static Tokenizer create(Options o, Supplier<List<byte[]>> trainingDocuments) {
        String m = o.method().toLowerCase(Locale.ROOT);
        return switch (m) {
            case "bytes" -> {
                if (o.vocab() != null && o.vocab() != 256) throw new UserException("bytes has vocabulary 256, not " + o.vocab());
                yield new BytesTokenizer();
            }
            case "gzip" -> new GzipTokenizer(TokenPacking.bitsOfVocab(o.vocab() == null ? 256 : o.vocab()));
            case "spm" -> {
                if (o.spmModel() != null) {
                    SentencePieceModel model = SentencePieceModel.read(o.spmModel());
                    if (!model.lossless()) {
                        throw new UserException(o.spmModel() + ": this model does not decode back to the same text (needs byte_fallback,"
                                + " add_dummy_prefix=false, remove_extra_whitespaces=false); it cannot build a shard");
                    }
                    yield new SentencePieceTokenizer(model);
                }
                UnigramTrainer trainer = new UnigramTrainer().vocabSize(o.vocab() == null ? 32000 : o.vocab());
                yield new SentencePieceTokenizer(trainer.train(trainingDocuments.get()));
            }
            case "static-ac", "ac", "eqinfo-ac" -> throw new UserException("method " + m
                    + " needs the arithmetic coders (branch coding), which are not merged into this build yet");
            default -> throw new UserException("unknown method '" + o.method() + "' (one of " + String.join(", ", NAMES) + ")");
        };
    }

    /** The tokenizer that decodes the shard {@code r}. */
    public static Tokenizer forShard(Shard.Reader r) {
        JsonNode p = r.metadata().path("parameters");
        String m = p.path("method").asText("");
        return switch (m) {
            case "bytes" -> new BytesTokenizer();
            case "gzip" -> new GzipTokenizer(p.path("bits").asInt());
            case "spm" -> new SentencePieceTokenizer(SentencePieceModel.read(r.dir().resolve(Shard.SPM_MODEL)));
            default -> throw new UserException(r.dir() + ": cannot decode method '" + m + "' in this build");
        };
    }
}
