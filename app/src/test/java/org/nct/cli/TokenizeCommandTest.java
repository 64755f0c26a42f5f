package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.tokenize.Shard;
import org.nct.tokenize.TestText;

/** {@code nct tokenize}: builds a shard, decodes it, refuses overwrites, bad settings and the wrong M1. */
class TokenizeCommandTest {
    @TempDir Path dir;

    @Test
    void buildsAndDecodes() throws IOException {
        Path data = dir.resolve("docs.txt");
        StringBuilder sb = new StringBuilder();
        for (byte[] d : TestText.documents(80, 8)) sb.append(new String(d, StandardCharsets.UTF_8)).append("\n\n");
        Files.writeString(data, sb);
        Path out = dir.resolve("sh");
        int rc = Main.commandLine().execute("tokenize", "--method", "gzip", "--vocab", "65536", "--split", "all",
                "--example-bytes", "1000", "--seq", "0", "--data", data.toString(), "--out", out.toString());
        assertEquals(0, rc);
        Path txt = dir.resolve("back.txt");
        assertEquals(0, Main.commandLine().execute("tokenize", "--decode", out.toString(), "--out", txt.toString()));
        // documents split at blank lines and joined with "\n\n": the text comes back as written
        assertEquals(sb.toString(), Files.readString(txt));
        Files.writeString(txt, "mine");
        assertEquals(1, Main.commandLine().execute("tokenize", "--decode", out.toString(), "--out", txt.toString()));
        assertEquals("mine", Files.readString(txt), "an existing output is replaced only with -f");
        assertEquals(0, Main.commandLine().execute("tokenize", "--decode", out.toString(), "-o", txt.toString(), "-f"));
        assertEquals(sb.toString(), Files.readString(txt));
        assertEquals(1, Main.commandLine().execute("tokenize", "--method", "gzip", "--vocab", "300",
                "--data", data.toString(), "--out", dir.resolve("x").toString()));
        assertEquals(1, Main.commandLine().execute("tokenize", "--method", "bytes",
                "--data", dir.resolve("missing.json").toString(), "--out", dir.resolve("y").toString()));
        List<String> left = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> left.add(p.getFileName().toString()));
        }
        assertFalse(left.contains("x") || left.contains("y"), "failed builds leave nothing: " + left);
    }

    @Test
    void m1MethodRecordsItsModelAndDecodeRefusesAnother() throws Exception {
        Path m1 = dir.resolve("m1.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 42)) {
            Checkpoint.save(m1, w);
        }
        String id;
        try (CodingModel cm = CodingModel.load(m1, Backends.create(1), 16)) {
            id = cm.idHex();
        }
        // build with -m, the shard records M1's id, decode finds M1 by the recorded path
        Path data = dir.resolve("d.txt");
        Files.write(data, Arrays.copyOf(TestText.stream(), 500));
        Path out = dir.resolve("cli");
        assertEquals(0, Main.commandLine().execute("tokenize", "--method", "eqinfo-ac", "--bits", "16", "--vocab", "65536",
                "-m", m1.toString(), "--split", "all", "--example-bytes", "250", "--seq", "32", "--threads", "1", "--data", data.toString(), "--out", out.toString()));
        try (Shard.Reader r = new Shard.Reader(out)) {
            assertEquals(id, r.metadata().path("m1_model_id").asText());
        }
        assertEquals(0, Main.commandLine().execute("tokenize", "--decode", out.toString(), "--threads", "1", "--out", dir.resolve("back.txt").toString()));
        // a different M1 is refused
        Path other = dir.resolve("other.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 43)) {
            Checkpoint.save(other, w);
        }
        assertEquals(1, Main.commandLine().execute("tokenize", "--decode", out.toString(), "-m", other.toString(), "--threads", "1",
                "--out", dir.resolve("x.txt").toString()));
        assertFalse(Files.exists(dir.resolve("x.txt")));
    }
}
