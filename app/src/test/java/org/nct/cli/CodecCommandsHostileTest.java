package org.nct.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/**
 * The compress/decompress/verify commands on hostile ground: outputs that are inputs, bad
 * --streams, standard output that fails (full disk, closed pipe) and SIGTERM during a write. The
 * output cases run the CLI in a child JVM, where standard output is a real file descriptor.
 */
class CodecCommandsHostileTest {
    @TempDir static Path dir;
    static Path model, text, nct;

    @BeforeAll
    static void setUp() throws IOException {
        model = dir.resolve("m1.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 7)) {
            Checkpoint.save(model, w);
        }
        text = dir.resolve("text.txt");
        Files.writeString(text, "The cat sat on the mat. ".repeat(40));
        nct = dir.resolve("text.nct");
        assertEquals(0, Main.commandLine().execute("compress", "-m", model.toString(), "--threads", "1", text.toString(), "-o", nct.toString()));
    }

    @Test
    void outputThatIsTheInputOrTheModelIsRefused() throws IOException {
        byte[] before = Files.readAllBytes(text);
        Cli.Run r = Cli.run("compress", "-m", model.toString(), text.toString(), "-o", dir.resolve(".").resolve("text.txt").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is the input file"), r.err());
        assertArrayEquals(before, Files.readAllBytes(text));
        Path link = dir.resolve("link.txt");
        Files.createSymbolicLink(link, text);
        r = Cli.run("compress", "-m", model.toString(), "-f", text.toString(), "-o", link.toString());
        assertTrue(r.err().contains("is the input file"), r.err());
        byte[] m = Files.readAllBytes(model);
        r = Cli.run("decompress", "-m", model.toString(), "-f", nct.toString(), "-o", model.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is the model file"), r.err());
        assertArrayEquals(m, Files.readAllBytes(model));
    }

    @Test
    void streamsOutOfRangeIsNamed() {
        for (String cmd : new String[] {"decompress", "compress"}) {
            Cli.Run r = Cli.run(cmd, "-m", model.toString(), "--streams", "0", cmd.equals("compress") ? text.toString() : nct.toString(), "-o", dir.resolve("o").toString());
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("--streams must be 1..4096"), r.err());
        }
    }

    // ---- child JVM: real standard output

    static ProcessBuilder cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                "-cp", System.getProperty("java.class.path"), "org.nct.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("NCT_DEBUG");
        pb.environment().put("NCT_QUIET", "1");
        return pb;
    }

    static String finish(Process p) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    static void assertOneLineError(String err, String contains) {
        assertTrue(err.contains(contains), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "a stack trace: " + err);
        assertEquals(1, err.lines().filter(l -> l.contains("error")).count(), err);
    }

    @Test
    void standardOutputErrorsAreErrors() throws Exception {
        Process p = cli("decompress", "-m", model.toString(), "--threads", "1", "-c", nct.toString())
                .redirectOutput(new File("/dev/full")).start();
        String err = finish(p);
        assertNotEquals(0, p.exitValue(), err);
        assertOneLineError(err, "cannot write to standard output");

        p = cli("verify", "-m", model.toString(), "--threads", "1", nct.toString()).redirectOutput(new File("/dev/full")).start();
        err = finish(p);
        assertNotEquals(0, p.exitValue(), err);
        assertOneLineError(err, "cannot write to standard output");

        p = cli("decompress", "-m", model.toString(), "--threads", "1", nct.toString(), "-o", "-").start();
        p.getInputStream().close();                   // the reader of the pipe is gone
        err = finish(p);
        assertNotEquals(0, p.exitValue(), err);
        assertOneLineError(err, "cannot write to standard output");
    }

    @Test
    void sigtermRemovesTheTemporaryOutput() throws Exception {
        Path big = dir.resolve("big.txt");
        Files.writeString(big, "It was the best of times, it was the worst of times. ".repeat(4000));
        Path out = dir.resolve("sub").resolve("big.nct");
        Files.createDirectories(out.getParent());
        Process p = cli("compress", "-m", model.toString(), "--threads", "1", big.toString(), "-o", out.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (temps(out.getParent()).isEmpty() && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(p.isAlive() && !temps(out.getParent()).isEmpty(), "the child should be writing its temporary file");
        p.destroy();                                  // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(List.of(), temps(out.getParent()));
        assertFalse(Files.exists(out));
    }

    static List<Path> temps(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(f -> f.getFileName().toString().contains(".tmp-")).toList();
        }
    }
}
