package org.nct.bench.train;

import org.junit.jupiter.api.Test;
import org.nct.cli.Main;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class BenchTrainCommandTest {

    /** Runs {@code nct args...}; returns {exit code, stdout, stderr}. */
    private static Object[] run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Object[] {code, out.toString(StandardCharsets.UTF_8), err.toString()};
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void timesOurStepsWithoutTorch() {
        Object[] r = run("bench", "train", "--preset", "tiny", "--batch", "2", "--seq", "16", "--long-seq", "40", "--steps", "2", "--warmup", "1",
                "--threads", "1", "--no-torch", "--profile");
        assertEquals(0, r[0], r[1] + "\n" + r[2]);
        String out = (String) r[1];
        assertTrue(out.contains("nct vector") || out.contains("nct scalar"), out);
        assertTrue(out.matches("(?s).*\nnct tiny training tokens/s: B2xT16 [0-9]+, B2xT40 [0-9]+\n.*"), "tokens/s at both lengths: " + out);
        assertTrue(out.contains(" seq 40 "), "a table row for the long sequences: " + out);
        int before = out.indexOf("load average before: "), after = out.indexOf("load average after: ");
        assertTrue(before >= 0 && after > out.indexOf("training tokens/s"), "load average before the run and after both lengths: " + out);
        assertTrue(out.contains("matmul "), "profile lists the GEMM: " + out);
        assertFalse(out.contains("ratio vs pytorch"), out);
    }

    @Test
    void aMissingPythonIsOneClearError() {
        Object[] r = run("bench", "train", "--preset", "tiny", "--batch", "1", "--seq", "8", "--long-seq", "0", "--steps", "1", "--warmup", "0",
                "--python", "/nonexistent/python3");
        assertEquals(1, r[0]);
        String err = (String) r[2];
        assertTrue(err.contains("apt-get install python3-torch"), err);
        assertEquals(1, err.strip().lines().count(), "one line, no stack trace: " + err);
    }

    @Test
    void badOptionsAreRejected() {
        Object[] r = run("bench", "train", "--preset", "nope", "--no-torch");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("unknown preset 'nope'"), (String) r[2]);
        assertEquals(1, run("bench", "train", "--steps", "0", "--no-torch")[0]);
        Object[] neg = run("bench", "train", "--long-seq", "-1", "--no-torch");
        assertEquals(1, neg[0]);
        assertTrue(((String) neg[2]).contains("--long-seq must be 0 (skip) or positive"), (String) neg[2]);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, BenchTrainCommand.median(new double[] {3, 1, 2}));
        assertEquals(2.5, BenchTrainCommand.median(new double[] {4, 1, 3, 2}));
    }
}
