package org.nct.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/** Runs each example program end to end, as a user would, on generated text and a tiny model. */
class CompressExampleTest {

    /** English-like text of about {@code bytes} bytes. */
    static String text(int bytes, long seed) {
        String[] words = "the of and to in a is that for it as was with be by on not this are or from at which".split(" ");
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < bytes) sb.append(words[r.nextInt(words.length)]).append(r.nextInt(9) == 0 ? ".\n" : " ");
        return sb.toString();
    }

    @Test
    void compressExampleRoundTripsAFileThroughArraysAndStreams(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m1.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 7)) {
            Checkpoint.save(model, w);
        }
        Path input = dir.resolve("input.txt");
        Files.writeString(input, text(3000, 1), StandardCharsets.UTF_8);

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        boolean ok;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            ok = CompressExample.run(model, input, out);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(ok, String.join("\n", lines));
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches("byte arrays: " + Files.size(input) + " -> \\d+ bytes \\(ratio \\d+\\.\\d{3}\\), round trip ok"), lines.get(0));
        assertTrue(lines.get(1).matches("streams: +" + Files.size(input) + " -> \\d+ bytes, round trip ok"), lines.get(1));
        assertTrue(lines.get(2).matches("model id: +\\S{16,}"), lines.get(2));
    }
}
