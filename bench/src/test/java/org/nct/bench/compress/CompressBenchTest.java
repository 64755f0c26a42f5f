package org.nct.bench.compress;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.cli.Main;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import picocli.CommandLine;

/** {@code nct bench compress}: its last line, peers that are missing, archivers run on files, the whole command on a tiny M1. */
class CompressBenchTest {

    @Test
    void lastLineFormat() {
        assertEquals("ac bits/byte 2.346 vs brotli 2.580 xz 2.710 zpaq 2.000", CompressBench.summary(2.3456, 2.58, 2.7104, 1.99996));
        assertEquals("ac bits/byte 2.990 vs brotli - xz 2.700 zpaq -", CompressBench.summary(2.99, Double.NaN, 2.7, Double.NaN));
    }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    static String captured(Runnable r) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            r.run();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMissingPeerPrintsADashAndAHint() {
        List<String> hints = new ArrayList<>();
        double[] bits = new double[1];
        String out = captured(() -> bits[0] = CompressBench.peer(
                new CompressBench.Peer("nct-no-such-tool -9", "nct-no-such-package", List.of("nct-no-such-tool", "-9"), false),
                "text".getBytes(StandardCharsets.UTF_8), hints));
        assertTrue(Double.isNaN(bits[0]));
        assertTrue(out.matches("nct-no-such-tool -9\\s+-\\s+-\\s+-\\s+-\\s+-\\s+not installed\\R"), out);
        assertEquals(List.of("nct-no-such-tool is not installed: apt-get install -y nct-no-such-package"), hints);
        // a peer that fails is a dash too, with the reason, and no hint
        hints.clear();
        out = captured(() -> bits[0] = CompressBench.peer(new CompressBench.Peer("false", "coreutils", List.of("false"), false),
                new byte[10], hints));
        assertTrue(Double.isNaN(bits[0]));
        assertTrue(out.contains("failed: false -c: exit 1"), out);
        assertEquals(List.of(), hints);
    }

    @Test
    void archiversRunOnFiles() throws IOException {
        byte[] text = "the quick brown fox jumps over the lazy dog. ".repeat(2000).getBytes(StandardCharsets.US_ASCII);
        int ran = 0;
        for (CompressBench.Peer p : CompressBench.PEERS) {
            if (!p.archiver() || !installed(p.cmd().getFirst())) continue;
            long size = CompressBench.archive(p, text), empty = CompressBench.archive(p, new byte[0]);
            assertTrue(size > empty && size < text.length / 20, p.name() + ": " + size + " bytes for " + text.length + " repetitive bytes");
            ran++;
        }
        Assumptions.assumeTrue(ran > 0, "neither zpaq nor 7z is installed (apt-get install -y zpaq p7zip-full)");
    }

    @Test
    void theCommandEndsWithTheSummaryLine(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("m1.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 5)) {
            Checkpoint.saveF16(model, w, java.util.Map.of());
        }
        StringBuilder docs = new StringBuilder();
        for (int d = 0; d < 1200; d++) docs.append("Document ").append(d).append(" says the cat sat on mat ").append(d % 7).append(".\n\n");
        Path data = dir.resolve("docs.txt");
        Files.writeString(data, docs);
        StringWriter err = new StringWriter();
        int[] code = new int[1];
        String out = captured(() -> {
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            code[0] = cl.execute("bench", "compress", "-m", model.toString(), "--data", data.toString(), "--bytes", "1500", "--threads", "1");
        });
        assertEquals(0, code[0], out + err);
        List<String> lines = out.lines().toList();
        String last = lines.getLast();
        assertTrue(last.matches("ac bits/byte \\d+\\.\\d{3} vs brotli (\\d+\\.\\d{3}|-) xz (\\d+\\.\\d{3}|-) zpaq (\\d+\\.\\d{3}|-)"), last);
        assertTrue(lines.get(lines.size() - 2).startsWith("load average after: "), out);
        assertTrue(out.contains("load average before: "), out);
        assertTrue(out.contains("nct AC (as nct compress)") && out.contains("round trip ok"), out);
        for (CompressBench.Peer p : CompressBench.PEERS) assertTrue(out.contains(p.name()), "row of " + p.name() + ": " + out);
    }
}
