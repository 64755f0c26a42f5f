package org.nct.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** An OutOfMemoryError from any command is a one-line error with exit code 1, not a stack trace. */
class MainOutOfMemoryTest {
    @TempDir Path dir;
    @CommandLine.Command(name = "hungry")
    static final class Hungry implements Runnable {
        @Override
        public void run() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void outOfMemoryIsOneLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new Hungry());
        cl.setExecutionExceptionHandler(new Main.UserErrors());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = Main.execute(cl, new String[] {"hungry"});
        assertEquals(1, code);
        String text = err.toString();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("nct: error: out of memory (Java heap space)"), text);
    }

    /** A gzip bomb in --data (200 MiB of text in 200 KB) under a 32 MiB heap, in a child JVM: one line, exit 1. */
    @Test
    void gzipBombInDataIsOneLine() throws Exception {
        Path bomb = dir.resolve("bomb.txt.gz");
        byte[] line = "a".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(bomb), 1 << 16)) {
            for (int i = 0; i < 200; i++) o.write(line);
        }
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.nct.cli.Main",
                "tokenize", "--method", "bytes", "--data", bomb.toString(), "--out", dir.resolve("out").toString()));
        pb.environment().remove("NCT_DEBUG");
        pb.environment().put("NCT_QUIET", "1");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("nct: error: out of memory"), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception in thread"), err);
    }
}
