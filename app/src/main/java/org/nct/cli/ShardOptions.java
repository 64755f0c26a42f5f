package org.nct.cli;

import org.nct.InvalidInputException;
import org.nct.data.JoinedText;
import org.nct.tokenize.Method;
import picocli.CommandLine.Option;

/**
 * The options that {@code nct tokenize} and {@code nct spark tokenize} share (a picocli mixin):
 * the method ({@code --method SPEC}, or a bare name with {@code --vocab}/{@code --bits}), its
 * window rule and CDF precision, which documents are read and how they are cut into examples.
 */
public final class ShardOptions {

    @Option(names = "--method", paramLabel = "SPEC", description = "NAME[b=B,v=V]: bytes, spm, gzip, static-ac, ac or eqinfo-ac, "
            + "e.g. gzip[v=65536], eqinfo-ac[b=16,v=65k]; a bare NAME takes --vocab and --bits")
    public String method;

    @Option(names = "--vocab", paramLabel = "V", description = "vocabulary of a bare --method NAME: 256 (default) or 65536 (gzip, AC methods), spm size (default 32000)")
    public Integer vocab;

    @Option(names = "--bits", paramLabel = "B", description = "Equal-Info window bits of a bare --method eqinfo-ac: 16 (default), 24, 32, 64 or 128")
    public Integer bits;

    @Option(names = "--rule", paramLabel = "R", description = "Equal-Info window rule: G (default), greedy or delay")
    public String rule;

    @Option(names = "--precision", paramLabel = "P", description = "CDF precision bits of the AC methods: 16 (default) or the paper's 14")
    public Integer precision;

    @Option(names = "--split", defaultValue = "train", paramLabel = "S", description = "documents to tokenize: train, validation or all (default ${DEFAULT-VALUE})")
    public String split;

    @Option(names = "--validation-fraction", defaultValue = "0.05", paramLabel = "F", description = "share of documents in validation (default ${DEFAULT-VALUE})")
    public double validationFraction;

    @Option(names = "--separator", defaultValue = "\\n\\n", paramLabel = "S", description = "document separator, escapes \\n \\t \\xNN (default ${DEFAULT-VALUE})")
    public String separator;

    @Option(names = "--example-bytes", defaultValue = "10240", paramLabel = "N", description = "bytes per example (default ${DEFAULT-VALUE}, the paper's)")
    public int exampleBytes;

    @Option(names = "--seq", defaultValue = "512", paramLabel = "T", description = "M2 sequence length: examples keep the longest prefix whose tokens fit T+1, padded; "
            + "0 keeps whole examples (default ${DEFAULT-VALUE})")
    public int seq;

    /** The method of {@code --method}, {@code --vocab} and {@code --bits}. */
    public Method method() {
        if (method == null) throw new InvalidInputException("--method SPEC is required");
        return Method.of(method, vocab, bits);
    }

    /** The document separator's bytes. */
    public byte[] separatorBytes() {
        return JoinedText.unescape(separator);
    }
}
