package org.nct.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nct.InvalidInputException;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.tokenize.Method;
import org.nct.tokenize.Methods;
import org.nct.tokenize.Report;
import org.nct.tokenize.SentencePieceTokenizer;
import org.nct.tokenize.Shard;
import org.nct.tokenize.ShardDecoder;
import org.nct.tokenize.Tokenizer;
import org.nct.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


/** {@code nct tokenize}: build a token shard, decode one back to text, or report compression ratios. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Turn text into M2 token shards with one of the paper's methods, decode a shard back to text,",
                "or report every method's compression ratio on held-out text.",
                "  build:  nct tokenize --method SPEC [--rule R] [-m M1] --data PATH... --out DIR",
                "          (SPEC: NAME[b=B,v=V], e.g. eqinfo-ac[b=16,v=65536]; the syntax of nct experiment --methods)",
                "  decode: nct tokenize --decode DIR --out FILE",
                "  report: nct tokenize --report --data PATH... [--methods SPEC,...] [--json FILE]"})
public final class TokenizeCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin BackendOption backendOption = new BackendOption();
    /** The report's JSON, indented as the shard metadata is. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Mixin
    ShardOptions o = new ShardOptions();

    @Option(names = {"-m", "--model", "--m1"}, paramLabel = "FILE", description = "M1 checkpoint (ac, eqinfo-ac); --m1 is an older spelling")
    Path m1;

    @Option(names = "--spm-model", paramLabel = "FILE", description = "apply this SentencePiece .model instead of training one (spm)")
    Path spmModel;

    @Option(names = "--data", arity = "1..*", paramLabel = "PATH", description = "C4 .json/.json.gz files, text files or directories")
    List<Path> data;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR|FILE", description = "shard directory (build) or text file (decode)")
    Path out;

    @Option(names = "--decode", paramLabel = "DIR", description = "decode this shard back to text (into --out)")
    Path decode;

    @Option(names = "--report", description = "compression ratio of every method on the validation split, beside the paper's")
    boolean report;

    @Option(names = "--methods", split = Method.LIST_SPLIT, splitSynopsisLabel = ",", paramLabel = "SPEC", description = "report only these specs (e.g. bytes,spm,gzip[v=65536],static-ac[v=256],eqinfo-ac[b=16,v=65536])")
    List<String> methods;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON")
    Path json;

    @Option(names = "--threads", paramLabel = "N", description = "encoding threads; for the M1 methods, M1's kernel threads (default: all processors)")
    Integer threads;

    @Option(names = {"-f", "--force"}, description = "replace an existing output (shard directory, decoded text, --json report)")
    boolean force;

    @Override
    public Integer call() throws Exception {
        int modes = (o.method != null ? 1 : 0) + (decode != null ? 1 : 0) + (report ? 1 : 0);
        if (modes != 1) throw new InvalidInputException("give exactly one of --method (build), --decode DIR or --report");
        if (decode != null) return decode();
        if (data == null || data.isEmpty()) throw new InvalidInputException("--data PATH... is required");
        Split.checkFraction(o.validationFraction);
        if (o.exampleBytes < 1) throw new InvalidInputException("--example-bytes must be positive, got " + o.exampleBytes);
        if (o.seq < 0) throw new InvalidInputException("--seq must be 0 or positive, got " + o.seq);
        return report ? report() : build();
    }

    private byte[] sep() {
        return o.separatorBytes();
    }

    private byte[] trainingText() {
        return JoinedText.read(data, Split.TRAIN, o.validationFraction, sep()).bytes();
    }

    private int build() throws Exception {
        if (out == null) throw new InvalidInputException("--out DIR is required");
        OutputTarget.refuseExisting(out, force, "--out");
        Method m = o.method();
        Split s = Split.parse(o.split);
        JoinedText text = JoinedText.read(data, s, o.validationFraction, sep());
        Tokenizer tok = Methods.create(m, setup(), this::trainingText);
        Map<String, byte[]> extra = new LinkedHashMap<>();
        if (tok instanceof SentencePieceTokenizer spm) extra.put(Shard.SPM_MODEL, spm.model().serialize());
        List<byte[]> examples = Shard.cut(text.bytes(), o.exampleBytes);
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Shard.Spec spec = new Shard.Spec(tok, o.exampleBytes, o.seq, text.describe(), n);
        long t0 = System.nanoTime();
        Shard.Totals t = Shard.build(examples, spec, out, force, extra);
        System.out.printf(Locale.ROOT, "%s: %d examples, %d tokens (+%d padding), %d of %d bytes, compression ratio %.4f bytes/token, %.1f s -> %s%n",
                tok.name(), t.examples(), t.tokens(), t.padding(), t.bytes(), t.sourceBytes(), t.ratio(), (System.nanoTime() - t0) / 1e9, out);
        return 0;
    }

    private int decode() throws Exception {
        if (out == null) throw new InvalidInputException("--out FILE is required with --decode");
        OutputTarget.refuseExisting(out, force, "--out");
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

    private Methods.Setup setup() {
        return new Methods.Setup(o.rule, m1, spmModel, o.precision, threads);
    }

    /** Every method; the M1 ones only when -m is given. */
    private List<String> defaultReportMethods() {
        List<String> l = new ArrayList<>(List.of("bytes", "spm", "gzip[v=256]", "gzip[v=65536]", "static-ac[v=256]", "static-ac[v=65536]"));
        if (m1 != null) {
            l.addAll(List.of("ac[v=256]", "ac[v=65536]"));
            for (int b : new int[] {16, 24, 32, 64, 128}) {
                l.add("eqinfo-ac[b=" + b + ",v=256]");
                l.add("eqinfo-ac[b=" + b + ",v=65536]");
            }
        }
        return l;
    }

    private int report() throws Exception {
        OutputTarget.refuseExisting(json, force, "--json");
        if (o.bits != null) throw new InvalidInputException("--report takes the window in --methods (eqinfo-ac[b=B,v=V]), not --bits");
        List<Method> list = new ArrayList<>();
        for (String spec : methods != null ? methods : defaultReportMethods()) {
            list.add(Method.parse(spec, o.vocab != null ? o.vocab : Method.DEFAULT_SPM_VOCAB));
        }
        JoinedText held = JoinedText.read(data, Split.VALIDATION, o.validationFraction, sep());
        List<byte[]> examples = Shard.cut(held.bytes(), o.exampleBytes);
        byte[] train = trainingText();
        // the unigram model of every row is fitted on as many training examples as the held-out sample holds
        List<byte[]> trainExamples = Shard.cut(train, o.exampleBytes);
        List<byte[]> fit = trainExamples.subList(0, Math.min(trainExamples.size(), examples.size()));
        List<Report.Row> rows = new ArrayList<>();
        for (Method m : list) {
            long t0 = System.nanoTime();
            Tokenizer tok = Methods.create(m, setup(), () -> train);
            if (tok instanceof SentencePieceTokenizer && spmModel == null) {
                System.err.printf(Locale.ROOT, "trained %s in %.1f s%n", tok.name(), (System.nanoTime() - t0) / 1e9);
            }
            rows.add(Report.measure(m, tok, examples, fit));
        }
        System.out.printf(Locale.ROOT, "held-out text: %d validation documents, %d bytes, %d examples of %d bytes%n",
                held.documents(), held.bytes().length, examples.size(), o.exampleBytes);
        System.out.print(Report.format(rows));
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("source", held.describe());
            doc.put("example_bytes", o.exampleBytes);
            doc.put("rows", Report.json(rows));
            AtomicFiles.write(json, JSON.writeValueAsBytes(doc));
        }
        return 0;
    }
}
