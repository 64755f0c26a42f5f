package org.nct.tokenize;

import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nct.cli.UserException;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nct tokenize}: build a token shard, decode one back to text, or report compression ratios. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Turn text into M2 token shards with one of the paper's methods, decode a shard back to text,",
                "or report every method's compression ratio on held-out text.",
                "  build:  nct tokenize --method NAME [--vocab V] [--bits B] [--rule R] [-m M1] --data PATH... --out DIR",
                "  decode: nct tokenize --decode DIR --out FILE",
                "  report: nct tokenize --report --data PATH... [--vocab V] [--json FILE]"})
public final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--method", paramLabel = "NAME", description = "bytes, spm, gzip, static-ac, ac or eqinfo-ac")
    String method;

    @Option(names = "--vocab", paramLabel = "V", description = "vocabulary: 256 or 65536 (gzip, AC methods), spm size (default 32000)")
    Integer vocab;

    @Option(names = "--bits", paramLabel = "B", description = "Equal-Info window bits: 16, 24, 32, 64 or 128")
    Integer bits;

    @Option(names = "--rule", paramLabel = "R", description = "Equal-Info window rule: G (default), greedy or delay")
    String rule;

    @Option(names = {"-m", "--model", "--m1"}, paramLabel = "FILE", description = "M1 checkpoint (ac, eqinfo-ac); --m1 is an older spelling")
    Path m1;

    @Option(names = "--spm-model", paramLabel = "FILE", description = "apply this SentencePiece .model instead of training one (spm)")
    Path spmModel;

    @Option(names = "--precision", paramLabel = "P", description = "CDF precision bits of the AC methods: 16 (default) or the paper's 14")
    Integer precision;

    @Option(names = "--data", arity = "1..*", paramLabel = "PATH", description = "C4 .json/.json.gz files, text files or directories")
    List<Path> data;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR|FILE", description = "shard directory (build) or text file (decode)")
    Path out;

    @Option(names = "--decode", paramLabel = "DIR", description = "decode this shard back to text (into --out)")
    Path decode;

    @Option(names = "--report", description = "compression ratio of every method on the validation split, beside the paper's")
    boolean report;

    @Option(names = "--methods", split = ",", paramLabel = "LIST", description = "report only these, NAME[:V[:B]] (e.g. bytes,spm,gzip:65536,static-ac:256,eqinfo-ac:65536:16)")
    List<String> methods;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON")
    Path json;

    @Option(names = "--split", defaultValue = "train", paramLabel = "S", description = "documents to tokenize: train, validation or all (default ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--validation-fraction", defaultValue = "0.05", paramLabel = "F", description = "share of documents in validation (default ${DEFAULT-VALUE})")
    double validationFraction;

    @Option(names = "--separator", defaultValue = "\\n\\n", paramLabel = "S", description = "document separator, escapes \\n \\t \\xNN (default ${DEFAULT-VALUE})")
    String separator;

    @Option(names = "--example-bytes", defaultValue = "10240", paramLabel = "N", description = "bytes per example (default ${DEFAULT-VALUE}, the paper's)")
    int exampleBytes;

    @Option(names = "--seq", defaultValue = "512", paramLabel = "T", description = "M2 sequence length: examples keep the longest prefix whose tokens fit T+1, padded; 0 keeps whole examples (default ${DEFAULT-VALUE})")
    int seq;

    @Option(names = "--threads", paramLabel = "N", description = "encoding threads; for the M1 methods, M1's kernel threads (default: all processors)")
    Integer threads;

    @Option(names = {"-f", "--force"}, description = "replace an existing output (shard directory, decoded text, --json report)")
    boolean force;

    @Override
    public Integer call() throws Exception {
        int modes = (method != null ? 1 : 0) + (decode != null ? 1 : 0) + (report ? 1 : 0);
        if (modes != 1) throw new UserException("give exactly one of --method (build), --decode DIR or --report");
        if (decode != null) return decode();
        if (data == null || data.isEmpty()) throw new UserException("--data PATH... is required");
        Split.checkFraction(validationFraction);
        if (exampleBytes < 1) throw new UserException("--example-bytes must be positive, got " + exampleBytes);
        if (seq < 0) throw new UserException("--seq must be 0 or positive, got " + seq);
        return report ? report() : build();
    }

    private byte[] sep() {
        return JoinedText.unescape(separator);
    }

    private byte[] trainingText() {
        return JoinedText.read(data, Split.TRAIN, validationFraction, sep()).bytes();
    }

    private int build() throws Exception {
        if (out == null) throw new UserException("--out DIR is required");
        Split s = Split.parse(split);
        JoinedText text = JoinedText.read(data, s, validationFraction, sep());
        Tokenizer tok = Methods.create(new Methods.Options(method, vocab, bits, rule, m1, spmModel, precision, threads), this::trainingText);
        Map<String, byte[]> extra = new LinkedHashMap<>();
        if (tok instanceof SentencePieceTokenizer spm) extra.put(Shard.SPM_MODEL, spm.model().serialize());
        List<byte[]> examples = Shard.cut(text.bytes(), exampleBytes);
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Shard.Spec spec = new Shard.Spec(tok, exampleBytes, seq, text.describe(), n);
        long t0 = System.nanoTime();
        Shard.Totals t = Shard.build(examples, spec, out, force, extra);
        System.out.printf(Locale.ROOT, "%s: %d examples, %d tokens (+%d padding), %d of %d bytes, compression ratio %.4f bytes/token, %.1f s -> %s%n",
                tok.name(), t.examples(), t.tokens(), t.padding(), t.bytes(), t.sourceBytes(), t.ratio(), (System.nanoTime() - t0) / 1e9, out);
        return 0;
    }

    private int decode() throws Exception {
        if (out == null) throw new UserException("--out FILE is required with --decode");
        org.nct.cli.OutputTarget.refuseExisting(out, force, "--out");
        try (Shard.Reader r = new Shard.Reader(decode)) {
            Tokenizer tok = Methods.forShard(r, m1, threads);
            ShardDecoder.Result[] res = new ShardDecoder.Result[1];
            AtomicFiles.write(out, o -> {
                BufferedOutputStream buffered = new BufferedOutputStream(o, 1 << 16);
                res[0] = ShardDecoder.decode(r, tok, buffered);
                buffered.flush();
            });
            System.out.printf(Locale.ROOT, "%s: decoded %d examples, %d bytes, every example matches its original -> %s%n",
                    tok.name(), res[0].examples(), res[0].bytes(), out);
        }
        return 0;
    }

    /** Every method; the M1 ones only when -m is given. */
    private List<String> defaultReportMethods() {
        List<String> l = new ArrayList<>(List.of("bytes", "spm", "gzip:256", "gzip:65536", "static-ac:256", "static-ac:65536"));
        if (m1 != null) {
            l.addAll(List.of("ac:256", "ac:65536"));
            for (int b : new int[] {16, 24, 32, 64, 128}) {
                l.add("eqinfo-ac:256:" + b);
                l.add("eqinfo-ac:65536:" + b);
            }
        }
        return l;
    }

    private int report() throws Exception {
        org.nct.cli.OutputTarget.refuseExisting(json, force, "--json");
        JoinedText held = JoinedText.read(data, Split.VALIDATION, validationFraction, sep());
        List<byte[]> examples = Shard.cut(held.bytes(), exampleBytes);
        List<String> list = methods != null ? methods : defaultReportMethods();
        List<Report.Row> rows = new ArrayList<>();
        byte[][] train = new byte[1][];
        for (String spec : list) {
            String[] parts = spec.split(":");
            Integer v = parts.length > 1 ? Integer.valueOf(parts[1]) : (parts[0].equals("spm") ? vocab : null);
            Integer b = parts.length > 2 ? Integer.valueOf(parts[2]) : bits;
            long t0 = System.nanoTime();
            Tokenizer tok = Methods.create(new Methods.Options(parts[0], v, b, rule, m1, spmModel, precision, threads), () -> {
                if (train[0] == null) train[0] = trainingText();
                return train[0];
            });
            if (tok instanceof SentencePieceTokenizer && spmModel == null) {
                System.err.printf(Locale.ROOT, "trained %s in %.1f s%n", tok.name(), (System.nanoTime() - t0) / 1e9);
            }
            rows.add(Report.measure(tok, examples));
        }
        System.out.printf(Locale.ROOT, "held-out text: %d validation documents, %d bytes, %d examples of %d bytes%n",
                held.documents(), held.bytes().length, examples.size(), exampleBytes);
        System.out.print(Report.format(rows));
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("source", held.describe());
            doc.put("example_bytes", exampleBytes);
            doc.put("rows", Report.json(rows));
            AtomicFiles.write(json, Shard.JSON.writeValueAsBytes(doc));
        }
        return 0;
    }
}
