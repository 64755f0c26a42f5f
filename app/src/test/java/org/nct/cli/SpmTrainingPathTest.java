package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.experiment.Datasets;
import org.nct.experiment.Preset;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.tokenize.Method;
import org.nct.tokenize.SentencePieceModel;
import org.nct.tokenize.SentencePieceTokenizer;
import org.nct.tokenize.Shard;
import org.nct.tokenize.Tokenizer;

/** {@code nct tokenize --method spm} and the experiment's datasets stage train the same SentencePiece model. */
class SpmTrainingPathTest {

    @TempDir
    Path dir;

    /** Documents of short lines, and some whose single line runs to about 9,000 bytes (over the trainer's 4,192-byte limit). */
    private static String corpus() {
        String[] words = "the of and to in is that for it as was with be by on not this are or from at which have an they you were her"
                .split(" ");
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < 60; d++) {
            boolean longLine = d % 6 == 0;
            int n = longLine ? 1500 : 10 + r.nextInt(20);
            for (int w = 0; w < n; w++) {
                // "quixotically" occurs only on the long lines: a model that drops them cannot learn it
                sb.append(longLine && w % 3 == 0 ? "quixotically" : words[r.nextInt(words.length)]).append(w == n - 1 ? "." : " ");
                if (!longLine && w == n / 2) sb.append('\n');
            }
            sb.append("\n\n");
        }
        return sb.toString();
    }

    @Test
    void tokenizeCommandAndExperimentTrainTheSameModel() throws IOException {
        Path data = dir.resolve("corpus.txt");
        Files.writeString(data, corpus());
        Path out = dir.resolve("spm-shard");
        assertEquals(0, Main.commandLine().execute("tokenize", "--method", "spm[v=300]", "--data", data.toString(),
                "--validation-fraction", "0.1", "--example-bytes", "2000", "--seq", "0", "--out", out.toString()));
        byte[] cli = Files.readAllBytes(out.resolve(Shard.SPM_MODEL));

        byte[] train = JoinedText.read(List.of(data), Split.TRAIN, 0.1).bytes();
        Tokenizer tok = Datasets.tokenizer(Method.parse("spm[300]", 32000), train, null, Preset.named("smoke"), line -> { });
        byte[] experiment = ((SentencePieceTokenizer) tok).model().serialize();
        assertArrayEquals(experiment, cli, "the two commands trained different SentencePiece models on the same text");

        // the long lines were learned from, not dropped: their word is one piece
        SentencePieceModel model = SentencePieceModel.parse(cli);
        assertTrue(model.pieces.stream().anyMatch(p -> p.piece().equals("▁quixotically")),
                "a word found only on lines over 4,192 bytes did not become a piece");
        assertTrue(new String(train, StandardCharsets.UTF_8).contains("quixotically"));
    }
}
