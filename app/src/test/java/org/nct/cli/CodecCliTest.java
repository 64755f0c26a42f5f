package org.nct.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import picocli.CommandLine;

/**
 * compress and decompress as zstd users expect them: default names, -c, -o, -f, --rm, several
 * inputs, -q/-v, --list, the refusals (existing output, a .nct-less decompress input, compressed
 * data to a terminal), exit codes and progress only on a terminal. In-process where standard output
 * does not matter; in a child JVM where it does.
 */
class CodecCliTest {
    @TempDir static Path dir;
    static Path model;
    static String modelId;
    static final byte[] TEXT = "The cat sat on the mat. A dog ran in the fog. ".repeat(30).getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void setUp() throws IOException {
        model = dir.resolve("m1.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 11); Kernels k = Backends.create(1)) {
            Checkpoint.save(model, w);
            modelId = new CodingModel(w, k, 16).idHex();
        }
    }

    /** Runs nct in this JVM (System.out captured, for list). */
    static Cli.Run nct(String... args) {
        return Cli.run(args);
    }

    /** compress/decompress with the test model and one thread. */
    static Cli.Run codec(String cmd, String... rest) {
        List<String> a = new ArrayList<>(List.of(cmd, "-m", model.toString(), "--threads", "1"));
        a.addAll(List.of(rest));
        return nct(a.toArray(String[]::new));
    }

    static Path fresh(String name, byte[] content) throws IOException {
        Path d = Files.createTempDirectory(dir, "case");
        Path p = d.resolve(name);
        Files.write(p, content);
        return p;
    }

    static void assertError(Cli.Run r, String contains) {
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(contains), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    }

    @Test
    void defaultNamesRoundTripAndKeepTheInput() throws IOException {
        Path a = fresh("notes.txt", TEXT);
        Cli.Run r = codec("compress", a.toString());
        assertEquals(0, r.code(), r.err());
        Path packed = Path.of(a + ".nct");
        assertTrue(Files.exists(packed) && Files.exists(a), "FILE -> FILE.nct, FILE kept");
        assertTrue(r.err().contains("notes.txt -> " + packed + ": " + TEXT.length + " -> " + Files.size(packed) + " bytes"), r.err());
        Files.delete(a);
        r = codec("decompress", packed.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(TEXT, Files.readAllBytes(a));
        assertTrue(Files.exists(packed), "FILE.nct kept");
    }

    @Test
    void anExistingOutputIsReplacedOnlyWithForce() throws IOException {
        Path a = fresh("a.txt", TEXT);
        Path packed = Path.of(a + ".nct");
        Files.writeString(packed, "precious");
        Files.setLastModifiedTime(packed, FileTime.fromMillis(1_000_000));
        assertError(codec("compress", a.toString()), packed + " already exists; use -f to overwrite it");
        assertEquals("precious", Files.readString(packed));
        assertEquals(0, codec("compress", "-f", a.toString()).code());
        assertEquals("NCT1", new String(Files.readAllBytes(packed), 0, 4, StandardCharsets.US_ASCII), "replaced with -f");
        // decompress: a.txt exists
        byte[] before = Files.readAllBytes(a);
        Files.writeString(a, "other");
        assertError(codec("decompress", packed.toString()), a + " already exists");
        assertEquals("other", Files.readString(a));
        assertEquals(0, codec("decompress", "--force", packed.toString()).code());
        assertArrayEquals(before, Files.readAllBytes(a));
        // -f never overwrites the input or the model
        assertError(codec("compress", "-f", a.toString(), "-o", a.toString()), "is the input file");
        assertError(codec("decompress", "-f", packed.toString(), "-o", model.toString()), "is the model file");
        assertArrayEquals(before, Files.readAllBytes(a));
    }

    @Test
    void dashOAndSeveralInputs() throws IOException {
        Path a = fresh("one.txt", TEXT);
        Path b = a.resolveSibling("two.txt");
        Files.write(b, "Two: the fog and the dog.".getBytes(StandardCharsets.UTF_8));
        Path named = a.resolveSibling("named.bin");
        assertEquals(0, codec("compress", a.toString(), "-o", named.toString()).code());
        Path back = a.resolveSibling("back.txt");
        assertEquals(0, codec("decompress", named.toString(), "-o", back.toString()).code(), "-o takes any name");
        assertArrayEquals(TEXT, Files.readAllBytes(back));
        assertEquals(0, codec("compress", a.toString(), b.toString()).code());
        assertArrayEquals(Files.readAllBytes(named), Files.readAllBytes(Path.of(a + ".nct")), "the same bytes whatever the name");
        assertTrue(Files.exists(Path.of(b + ".nct")));
        assertError(codec("compress", "-f", a.toString(), b.toString(), "-o", named.toString()), "-o names one output, but 2 inputs");
        assertError(codec("compress", "-c", a.toString(), b.toString()), "-c with several inputs");
        assertError(codec("compress", "-c", "-o", named.toString(), a.toString()), "-c and -o exclude each other");
        // the old "IN OUT" form is a clear error, not a second input
        assertError(codec("compress", a.toString(), a.resolveSibling("new.nct").toString()), "to name the output, use -o");
        assertError(codec("compress", a.toString(), "-"), "- (standard input) cannot be combined");
        // one bad input: nothing is written for any of them
        Path c = a.resolveSibling("three.txt");
        Files.writeString(c, "three");
        Cli.Run r = codec("compress", c.toString(), a.resolveSibling("missing.txt").toString(), b.toString());
        assertError(r, "no such file: " + a.resolveSibling("missing.txt"));
        assertTrue(r.err().contains(b + ".nct already exists"), r.err());
        assertFalse(Files.exists(Path.of(c + ".nct")), "no work before every input passes its checks");
    }

    @Test
    void decompressNeedsTheSuffixOrAName() throws IOException {
        Path a = fresh("plain.txt", TEXT);
        assertEquals(0, codec("compress", a.toString(), "-o", a.resolveSibling("plain.bin").toString()).code());
        assertError(codec("decompress", a.resolveSibling("plain.bin").toString()), "unknown suffix (expected .nct)");
        Path dotNct = a.resolveSibling("x.nct");
        assertError(codec("compress", dotNct.toString()), "already ends in .nct");
    }

    @Test
    void rmRemovesTheInputOnlyAfterSuccess() throws IOException {
        Path a = fresh("gone.txt", TEXT);
        Cli.Run r = codec("compress", "--rm", a.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(a));
        assertTrue(r.err().contains("removed " + a), r.err());
        Path packed = Path.of(a + ".nct");
        assertEquals(0, codec("decompress", "--rm", packed.toString()).code());
        assertArrayEquals(TEXT, Files.readAllBytes(a));
        assertFalse(Files.exists(packed));
        // a failed decode keeps its input
        Path bad = a.resolveSibling("bad.nct");
        assertEquals(0, codec("compress", a.toString(), "-o", bad.toString()).code());
        byte[] b = Files.readAllBytes(bad);
        b[b.length - 20] ^= 1;                           // inside the trailer's SHA-256
        Files.write(bad, b);
        assertError(codec("decompress", "--rm", bad.toString()), "bad.nct: corrupt");
        assertTrue(Files.exists(bad));
        assertFalse(Files.exists(a.resolveSibling("bad")), "no output from a damaged file");
    }

    @Test
    void quietAndVerbose() throws IOException {
        Path a = fresh("q.txt", TEXT);
        Cli.Run r = codec("compress", "-q", a.toString());
        assertEquals(0, r.code());
        assertEquals("", r.err());
        r = codec("decompress", "-v", "-f", a + ".nct");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains(a + ".nct -> " + a + ": " + TEXT.length + " bytes"), r.err());
        r = codec("compress", "-v", "-f", a.toString());
        assertTrue(r.err().contains("model " + modelId + ", ac, CDF precision 16"), r.err());
        assertError(codec("compress", "-q", "-v", a.toString()), "-q and -v exclude each other");
    }

    /** NctCodec names its settings (window, rule); compress names its options, before any file and in a file's own error. */
    @Test
    void engineSettingsAreNamedAsOptions() throws IOException {
        Path a = fresh("w.txt", TEXT);
        assertEquals("nct compress: error: --window must be 0 (plain AC) or a multiple of 8 from 16 to 128, got 12" + System.lineSeparator(),
                codec("compress", "--window", "12", a.toString()).err());
        // random letters under the untrained test model: greedy windows lose blocks, and the file's error names --rule
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        byte[] letters = new byte[400];
        for (int i = 0; i < letters.length; i++) letters[i] = (byte) "etaoin shrdlu".charAt(rnd.nextInt(13));
        Path g = fresh("greedy.txt", letters);
        Cli.Run r = codec("compress", "--window", "16", "--rule", "greedy", "--block-size", "400", g.toString());
        assertError(r, "nct compress: error: greedy windowing does not decode");
        assertTrue(r.err().strip().endsWith("(it is not lossless); use --rule g"), r.err());
        assertFalse(Files.exists(Path.of(g + ".nct")), "no output for a refused file");
    }

    @Test
    void listShowsTheHeader() throws IOException {
        Path a = fresh("l.txt", TEXT);
        assertEquals(0, codec("compress", "--window", "16", a.toString()).code());
        Path packed = Path.of(a + ".nct");
        long size = Files.size(packed);
        for (String[] cmd : new String[][] {{"list", packed.toString()}, {"info", packed.toString()},
                {"decompress", "-m", model.toString(), "--list", packed.toString()}}) {
            Cli.Run r = nct(cmd);
            assertEquals(0, r.code(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals(2, lines.size(), r.out());
            assertTrue(lines.get(0).matches(" *original +compressed +ratio +mode +model +file"), lines.get(0));
            String[] f = lines.get(1).trim().split(" +");
            assertEquals(List.of(String.valueOf(TEXT.length), String.valueOf(size), String.format(java.util.Locale.ROOT, "%.3f", TEXT.length / (double) size),
                    "eqinfo-ac[16,g]", modelId.substring(0, 16), packed.toString()), List.of(f));
        }
        Cli.Run r = nct("list", "-v", packed.toString());
        assertTrue(r.out().contains("model       " + modelId + " (CDF precision 16)"), r.out());
        assertTrue(r.out().contains("format      .nct version 2"), r.out());
        // damaged and missing files are errors; the good one is still listed
        byte[] b = Files.readAllBytes(packed);
        Path cut = a.resolveSibling("cut.nct");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 10));
        r = nct("list", packed.toString(), cut.toString(), a.resolveSibling("none.nct").toString());
        assertError(r, "cut.nct: truncated .nct file");
        assertTrue(r.err().contains("no such file: " + a.resolveSibling("none.nct")), r.err());
        assertEquals(2, r.out().lines().count(), r.out());
        b[45] ^= 1;                                      // the header's block size: its CRC fails
        Files.write(cut, b);
        assertError(nct("list", cut.toString()), "header checksum mismatch");
    }

    @Test
    void usageErrorsExitWithOne() {
        assertEquals(1, nct("compress", "--no-such-option").code());
        assertEquals(1, nct("no-such-command").code());
        assertEquals(0, nct("compress", "--help").code());
    }

    @Test
    void completionCoversCommandsAndOptions() {
        Cli.Run r = nct("completion");
        assertEquals(0, r.code(), r.err());
        for (String s : new String[] {"complete -F", "compress", "decompress", "list", "--stdout", "--force", "--rm", "--list"}) {
            assertTrue(r.out().contains(s), "completion script lacks " + s);
        }
    }

    @Test
    void optionNamesAreConsistentAcrossCommands() {
        // one spelling per meaning: -m is --model (the M1 checkpoint), -o is --out/--output, -f is --force
        Map<String, List<String>> meanings = Map.of("-m", List.of("--model"), "-o", List.of("--out", "--output"), "-f", List.of("--force"));
        int checked = 0;
        for (Map.Entry<String, CommandLine> e : Main.commandLine().getSubcommands().entrySet()) {
            var spec = e.getValue().getCommandSpec();
            for (var m : meanings.entrySet()) {
                var shortOpt = spec.findOption(m.getKey());
                if (shortOpt != null) {
                    checked++;
                    assertTrue(List.of(shortOpt.names()).stream().anyMatch(m.getValue()::contains),
                            e.getKey() + ": " + m.getKey() + " is " + String.join("/", shortOpt.names()));
                }
                for (String longName : m.getValue()) {
                    var o = spec.findOption(longName);
                    if (o != null && !(e.getKey().equals("experiment") && longName.equals("--force"))) {
                        assertTrue(List.of(o.names()).contains(m.getKey()), e.getKey() + ": " + longName + " without " + m.getKey());
                    }
                }
            }
        }
        assertTrue(checked >= 8, "checked " + checked);
        var tokenize = Main.commandLine().getSubcommands().get("tokenize").getCommandSpec();
        assertSame(tokenize.findOption("--m1"), tokenize.findOption("-m"), "--m1 stays as an alias");
    }

    // ---- child JVM: real standard output and standard error

    static ProcessBuilder cli(Map<String, String> env, String... args) {
        ProcessBuilder pb = CodecCommandsHostileTest.cli(args);
        pb.environment().remove("NCT_QUIET");
        pb.environment().remove("NCT_PROGRESS");
        pb.environment().putAll(env);
        return pb;
    }

    @Test
    void dashCWritesTheSameBytesToStandardOutput() throws Exception {
        Path a = fresh("c.txt", TEXT);
        assertEquals(0, codec("compress", a.toString()).code());
        Path out = a.resolveSibling("stdout.nct");
        Process p = cli(Map.of(), "compress", "-m", model.toString(), "--threads", "1", "-c", a.toString()).redirectOutput(out.toFile()).start();
        String err = CodecCommandsHostileTest.finish(p);
        assertEquals(0, p.exitValue(), err);
        assertArrayEquals(Files.readAllBytes(Path.of(a + ".nct")), Files.readAllBytes(out));
        Path b = a.resolveSibling("d.txt");
        Files.writeString(b, "and more");
        assertEquals(0, codec("compress", b.toString()).code());
        Path both = a.resolveSibling("both.txt");
        p = cli(Map.of(), "decompress", "-m", model.toString(), "--threads", "1", "-c", a + ".nct", b + ".nct").redirectOutput(both.toFile()).start();
        err = CodecCommandsHostileTest.finish(p);
        assertEquals(0, p.exitValue(), err);
        assertEquals(new String(TEXT, StandardCharsets.UTF_8) + "and more", Files.readString(both), "decompress -c joins the originals");
        // standard input to standard output when no file is named
        Path piped = a.resolveSibling("piped.nct");
        p = cli(Map.of(), "compress", "-m", model.toString(), "--threads", "1").redirectInput(a.toFile()).redirectOutput(piped.toFile()).start();
        err = CodecCommandsHostileTest.finish(p);
        assertEquals(0, p.exitValue(), err);
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(piped));
    }

    @Test
    void compressedDataAreNotWrittenToATerminal() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1) for a pseudo-terminal");
        Path a = fresh("t.txt", TEXT);
        List<String> cmd = CodecCommandsHostileTest.cli("compress", "-m", model.toString(), "--threads", "1", "-c", a.toString()).command();
        String line = String.join(" ", cmd.stream().map(s -> "'" + s.replace("'", "'\\''") + "'").toList());
        Process p = new ProcessBuilder("/usr/bin/script", "-qec", line, "/dev/null").redirectErrorStream(true).start();
        String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), all);
        assertTrue(all.contains("refusing to write compressed data to a terminal"), all);
        assertFalse(all.contains("NCT1"), "no compressed bytes on the terminal: " + all);
    }

    @Test
    void progressOnlyOnATerminalWithTheTotalForDecompress() throws Exception {
        byte[] big = "It was the best of times, it was the worst of times. ".repeat(1400).getBytes(StandardCharsets.UTF_8);
        Path a = fresh("big.txt", big);
        Process p = cli(Map.of("NCT_STDERR_TTY", "0"), "compress", "-m", model.toString(), "--threads", "1", "--window", "16", a.toString()).start();
        String err = CodecCommandsHostileTest.finish(p);
        assertEquals(0, p.exitValue(), err);
        assertFalse(err.contains("compress ["), "no bar when stderr is not a terminal: " + err);
        assertTrue(err.contains("big.txt -> "), err);
        p = cli(Map.of("NCT_STDERR_TTY", "1"), "decompress", "-m", model.toString(), "--threads", "1", "-f", a + ".nct").start();
        err = CodecCommandsHostileTest.finish(p);
        assertEquals(0, p.exitValue(), err);
        assertTrue(err.contains("decompress [") && err.contains("/" + big.length + " B"), "a bar with the total from the file: " + err);
        assertArrayEquals(big, Files.readAllBytes(a));
    }
}
