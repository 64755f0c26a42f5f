package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.paper.Metrics;
import org.nct.paper.PaperNumbers;
import org.nct.tokenize.Shard;
import org.nct.tokenize.TestText;

/** {@code nct tokenize}: the one method spec syntax, and the report's Table 3 columns from {@link Metrics} and {@link PaperNumbers}. */
class TokenizeReportTest {

    @TempDir
    Path dir;

    private Path corpus() throws IOException {
        Path data = dir.resolve("docs.txt");
        StringBuilder sb = new StringBuilder();
        for (byte[] d : TestText.documents(120, 3)) sb.append(new String(d, StandardCharsets.UTF_8)).append("\n\n");
        Files.writeString(data, sb);
        return data;
    }

    @Test
    void bracketSpecAndFlagsBuildTheSameShard() throws IOException {
        Path data = corpus();
        Path a = dir.resolve("a"), b = dir.resolve("b");
        assertEquals(0, Main.commandLine().execute("tokenize", "--method", "static-ac[v=65k]", "--data", data.toString(),
                "--example-bytes", "1000", "--out", a.toString()));
        assertEquals(0, Main.commandLine().execute("tokenize", "--method", "static-ac", "--vocab", "65536", "--data", data.toString(),
                "--example-bytes", "1000", "--out", b.toString()));
        for (String f : List.of("tokens.bin", "examples.bin")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        // a spec that contradicts the flags, and flags that do not apply, are one-line errors
        // (the engine names the settings method, vocab and bits; the command line names its options)
        assertOneLineError(Cli.run("tokenize", "--method", "static-ac[v=256]", "--vocab", "65536", "--data", data.toString(), "--out",
                dir.resolve("c").toString()), "nct tokenize: error: --method static-ac[v=256] contradicts --vocab or --bits; give the vocabulary and window in one place");
        assertOneLineError(Cli.run("tokenize", "--method", "gzip", "--bits", "16", "--data", data.toString(), "--out", dir.resolve("d").toString()),
                "nct tokenize: error: --bits is for eqinfo-ac only, not gzip");
        assertEquals(1, Cli.run("tokenize", "--method", "eqinfo-ac[b=20,v=256]", "--data", data.toString(), "--out", dir.resolve("e").toString()).code());
    }

    @Test
    void oldColonFormPointsToTheSpecSyntax() throws IOException {
        Path data = corpus();
        Cli.Run r = Cli.run("tokenize", "--report", "--methods", "gzip:65536", "--data", data.toString());
        assertEquals(1, r.code());
        String msg = r.err().trim();
        assertTrue(msg.contains("gzip[v=65536]") || msg.contains("NAME[b=B,v=V]"), msg);
        assertEquals(1, msg.lines().count(), msg);
    }

    @Test
    void reportUsesTheSharedUnigramAndPaperNumbers() throws IOException {
        Path data = corpus();
        Path json = dir.resolve("r.json");
        assertEquals(0, Main.commandLine().execute("tokenize", "--report", "--methods", "bytes,gzip[v=256]", "--data", data.toString(),
                "--example-bytes", "1000", "--json", json.toString()));
        JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).path("rows");
        assertEquals(2, rows.size());

        // bytes: tokens are the bytes; the unigram is fitted on as many training examples as there are held-out ones
        List<byte[]> held = Shard.cut(JoinedText.read(List.of(data), Split.VALIDATION, 0.05).bytes(), 1000);
        List<byte[]> train = Shard.cut(JoinedText.read(List.of(data), Split.TRAIN, 0.05).bytes(), 1000);
        long[] eval = new long[256], fit = new long[256];
        long n = 0;
        for (byte[] e : held) for (byte x : e) { eval[x & 0xFF]++; n++; }
        for (byte[] e : train.subList(0, held.size())) for (byte x : e) fit[x & 0xFF]++;
        JsonNode bytes = rows.get(0);
        assertEquals(n, bytes.path("tokens").asLong());
        assertEquals(Metrics.unigramBitsPerByte(fit, eval, 1.0), bytes.path("unigram_bits_per_byte").asDouble(), 1e-12);
        assertEquals(8.0, bytes.path("uniform_bits_per_byte").asDouble(), 1e-12);
        assertEquals(PaperNumbers.TABLE3.get("Bytes")[1], bytes.path("paper_unigram_bits_per_byte").asDouble(), 0);
        JsonNode gzip = rows.get(1);
        assertEquals(PaperNumbers.TABLE12_RATIO.get("GZip[v=256]"), gzip.path("paper_ratio").asDouble(), 0);
        assertEquals(PaperNumbers.TABLE3.get("GZip[v=256]")[0], gzip.path("paper_uniform_bits_per_byte").asDouble(), 0);
    }

    static void assertOneLineError(Cli.Run r, String line) {
        assertEquals(1, r.code(), r.err());
        assertEquals(line + System.lineSeparator(), r.err());
    }
}
