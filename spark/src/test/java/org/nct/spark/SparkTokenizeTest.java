package org.nct.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.cli.Main;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.tokenize.Methods;
import org.nct.tokenize.SentencePieceTokenizer;
import org.nct.tokenize.Shard;
import org.nct.tokenize.Tokenizer;

/**
 * {@code nct spark tokenize} in {@code local[2,2]} (two threads, a task may fail once) writes the
 * shard that {@code nct tokenize} writes, file for file and byte for byte, for every method; the
 * parts layout and a failed task change nothing. Data: generated C4-layout JSON lines (plain and
 * gzipped) and a text file; M1: the tiny preset, randomly initialised, saved as a checkpoint.
 */
class SparkTokenizeTest {
    @TempDir static Path dir;
    static Path data, m1;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        data = dir.resolve("data");
        Files.createDirectories(data.resolve("sub"));
        Random rnd = new Random(7);
        Files.writeString(data.resolve("a.json"), jsonLines(rnd, 30));
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(data.resolve("b.json.gz")))) {
            o.write(jsonLines(rnd, 30).getBytes(StandardCharsets.UTF_8));
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20; i++) text.append(document(rnd)).append("\n\n\n");
        Files.writeString(data.resolve("sub/c.txt"), text);
        Files.writeString(data.resolve("README.md"), "not data: skipped by both\n");
        m1 = dir.resolve("m1.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 42)) {
            Checkpoint.save(m1, w);
        }
        sc = SparkSetup.start(SparkSetup.conf("local[2,2]"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.close();
    }

    private static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are or his from at which"
            + " but have an they you were her she there one all we their been has when who will more no if out so said what up its"
            + " über café naïve 東京 data model text coding window").split(" ");

    static String document(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 20 + rnd.nextInt(60);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : rnd.nextInt(12) == 0 ? ". " : rnd.nextInt(25) == 0 ? "\n" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return sb.append('.').toString();
    }

    static String jsonLines(Random rnd, int docs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < docs; i++) {
            String t = document(rnd).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
            sb.append("{\"text\":\"").append(t).append("\",\"timestamp\":\"2019-04-2").append(i % 10).append("T00:00:00Z\",\"url\":\"https://example.org/")
                    .append(i).append("\"}\n");
            if (i == 5) sb.append('\n'); // blank lines are skipped
        }
        return sb.toString();
    }

    /** Method-specific options: {@code nct tokenize} and the Spark job take the same ones. */
    record Method(String name, Integer vocab, Integer bits, boolean needsM1, int seq) {
        List<String> args() {
            List<String> a = new ArrayList<>(List.of("--method", name, "--seq", String.valueOf(seq), "--example-bytes", "400", "--threads", "1"));
            if (vocab != null) a.addAll(List.of("--vocab", vocab.toString()));
            if (bits != null) a.addAll(List.of("--bits", bits.toString()));
            if (needsM1) a.addAll(List.of("-m", m1.toString()));
            return a;
        }

        TokenizeJob job(Path out, int perPart, boolean merge, int failPart) {
            return new TokenizeJob(name, vocab, bits, null, needsM1 ? m1.toString() : null, null, null, List.of(data.toString()), "train", 0.05,
                    "\n\n".getBytes(StandardCharsets.US_ASCII), 400, seq, perPart, out.toString(), merge, false, 1, failPart);
        }
    }

    static final List<Method> METHODS = List.of(
            new Method("bytes", null, null, false, 64),
            new Method("gzip", 65536, null, false, 0),
            new Method("static-ac", null, null, false, 64),
            new Method("spm", 300, null, false, 64),
            new Method("ac", null, null, true, 48),
            new Method("eqinfo-ac", 65536, 16, true, 24));

    /** The shard {@code nct tokenize} builds (computed once per method). */
    static Path reference(Method m) {
        Path out = dir.resolve("ref-" + m.name());
        if (Files.exists(out)) return out;
        List<String> args = new ArrayList<>(List.of("tokenize", "--data", data.toString(), "--out", out.toString()));
        args.addAll(m.args());
        assertEquals(0, Main.commandLine().execute(args.toArray(new String[0])), "nct tokenize " + args);
        return out;
    }

    static void assertSameShard(Path want, Path got) throws Exception {
        List<String> names = list(want);
        assertEquals(names, list(got), "files of " + got);
        for (String n : names) assertArrayEquals(Files.readAllBytes(want.resolve(n)), Files.readAllBytes(got.resolve(n)), n + " of " + got);
    }

    static List<String> list(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void everyMethodBuildsTheShardOfNctTokenize() throws Exception {
        int perPart = 2;
        for (Method m : METHODS) {
            perPart = perPart % 4 + 2; // a different parts layout for consecutive methods: 4, 3, 2, 4, ...
            Path out = dir.resolve("spark-" + m.name());
            SparkTokenize.Result r = SparkTokenize.run(sc, m.job(out, perPart, true, -1));
            assertTrue(r.parts() > 3, m.name() + ": only " + r.parts() + " parts");
            assertSameShard(reference(m), out);
        }
    }

    @Test
    void thePartsLayoutChangesNoByte() throws Exception {
        Method bytes = METHODS.get(0);
        for (int perPart : new int[] {1, 1000}) {
            Path out = dir.resolve("layout-" + perPart);
            SparkTokenize.run(sc, bytes.job(out, perPart, true, -1));
            assertSameShard(reference(bytes), out);
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedToTheSameBytes() throws Exception {
        Method eq = METHODS.get(5);
        Path parent = dir.resolve("fault");
        Path out = parent.resolve("shard");
        SparkTokenize.Result r = SparkTokenize.run(sc, eq.job(out, 3, true, 1));
        assertEquals(1, r.retried(), "part 1 failed once and was run again");
        assertSameShard(reference(eq), out);
        assertEquals(List.of("shard"), list(parent), "no temporary or partial output is left");
    }

    @Test
    void withoutMergingEachPartIsAShardAndTheManifestCountsThem() throws Exception {
        Method gz = METHODS.get(1);
        Path out = dir.resolve("parts-gzip");
        SparkTokenize.Result r = SparkTokenize.run(sc, gz.job(out, 4, false, -1));
        ByteArrayOutputStream tokens = new ByteArrayOutputStream();
        long examples = 0;
        for (int p = 0; p < r.parts(); p++) {
            Path part = out.resolve(SparkTokenize.partName(p));
            try (Shard.Reader reader = new Shard.Reader(part)) {
                examples += reader.size();
            }
            tokens.writeBytes(Files.readAllBytes(part.resolve(Shard.TOKENS)));
        }
        assertTrue(Files.exists(out.resolve("manifest.json")));
        Path ref = reference(gz);
        assertArrayEquals(Files.readAllBytes(ref.resolve(Shard.TOKENS)), tokens.toByteArray());
        try (Shard.Reader reader = new Shard.Reader(ref)) {
            assertEquals(reader.size(), examples);
            assertEquals(reader.size(), SparkTokenize.JSON.readTree(out.resolve("manifest.json").toFile()).path("examples").asLong());
        }
    }

    @Test
    void theExperimentsShardBuilderWritesWhatShardBuildWrites() throws Exception {
        byte[] text = Files.readAllBytes(data.resolve("sub/c.txt"));
        List<byte[]> examples = Shard.cut(text, 300);
        SparkShardBuilder spark = new SparkShardBuilder(sc, false, 3);
        List<Tokenizer> toks = List.of(
                Methods.create(org.nct.tokenize.Method.of("spm", 320, null), Methods.Setup.DEFAULTS, () -> text),
                Methods.create(org.nct.tokenize.Method.of("eqinfo-ac", 256, 16), new Methods.Setup(null, m1, null, null, 1), () -> text));
        for (Tokenizer tok : toks) {
            Map<String, byte[]> extra = tok instanceof SentencePieceTokenizer spm ? Map.of(Shard.SPM_MODEL, spm.model().serialize()) : Map.of();
            Shard.Spec spec = new Shard.Spec(tok, 300, 40, "experiment split train", 1);
            Path want = dir.resolve("builder-ref-" + tok.name()), got = dir.resolve("builder-spark-" + tok.name());
            Shard.Totals a = Shard.build(examples, spec, want, false, extra);
            Shard.Totals b = spark.build(examples, spec, got, false, extra);
            assertEquals(a, b);
            assertSameShard(want, got);
        }
    }

    @Test
    void onTheValidationSplitStaticAcAndSpmStillLearnFromTheTrainingSplit() throws Exception {
        for (Method m : List.of(METHODS.get(2), METHODS.get(3))) {
            Path ref = dir.resolve("val-ref-" + m.name()), out = dir.resolve("val-spark-" + m.name());
            List<String> args = new ArrayList<>(List.of("tokenize", "--data", data.toString(), "--out", ref.toString(),
                    "--split", "validation", "--validation-fraction", "0.3"));
            args.addAll(m.args());
            assertEquals(0, Main.commandLine().execute(args.toArray(new String[0])), "nct tokenize " + args);
            TokenizeJob j = m.job(out, 2, true, -1);
            TokenizeJob val = new TokenizeJob(j.method(), j.vocab(), j.bits(), j.rule(), j.m1(), j.spmModel(), j.precision(), j.data(),
                    "validation", 0.3, j.separator(), j.exampleBytes(), j.seq(), j.examplesPerPart(), j.out(), true, false, j.threads(), -1);
            SparkTokenize.run(sc, val);
            assertSameShard(ref, out);
        }
    }

    @Test
    void aBadLineInAFileIsAUserErrorThatNamesIt() throws Exception {
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("x.json"), "{\"text\":\"fine\"}\n{\"text\": oops}\n");
        TokenizeJob j = METHODS.get(0).job(dir.resolve("bad-out"), 2, true, -1);
        TokenizeJob badJob = new TokenizeJob("bytes", null, null, null, null, null, null, List.of(bad.toString()), "all", 0.05, j.separator(),
                400, 64, 2, j.out(), true, false, 1, -1);
        org.nct.InvalidInputException e = assertThrows(org.nct.InvalidInputException.class, () -> SparkTokenize.run(sc, badJob));
        assertTrue(e.getMessage().contains("x.json:2: bad JSON"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("bad-out")));
    }
}
