package org.nct.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.model.Checkpoint;

class TrainCommandTest {

    @TempDir
    Path dir;

    /** Plain text of many blank-line separated documents (so the hash split has both halves). */
    Path corpus() throws IOException {
        StringBuilder sb = new StringBuilder();
        SplittableRandom r = new SplittableRandom(3);
        String[] words = {"alpha", "beta", "gamma", "delta", "the", "of", "and", "model", "text"};
        for (int d = 0; d < 400; d++) {
            for (int w = 0; w < 20 + r.nextInt(20); w++) sb.append(words[r.nextInt(words.length)]).append(' ');
            sb.append("doc ").append(d).append(".\n\n");
        }
        Path p = dir.resolve("corpus.txt");
        Files.writeString(p, sb.toString(), StandardCharsets.UTF_8);
        return p;
    }

    static void assertOneLineError(Cli.Run r, String expected) {
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void badInputsAreOneLineErrors() throws IOException {
        Path text = corpus();
        Path out = dir.resolve("m.safetensors");
        assertOneLineError(Cli.run("train", "--preset", "tiny", "--steps", "2", "--out", out.toString()), "--data is required");
        assertOneLineError(Cli.run("train", "--data", text.toString(), "--preset", "7m", "--steps", "2", "--out", out.toString()), "unknown preset '7m'");
        // TrainConfig names its components (steps, weightDecay); the command line names its options
        assertOneLineError(Cli.run("train", "--data", text.toString(), "--steps", "0", "--out", out.toString()),
                "nct train: error: --steps must be at least 1, got 0");
        assertOneLineError(Cli.run("train", "--data", text.toString(), "--steps", "2", "--weight-decay", "-1", "--out", out.toString()),
                "nct train: error: --weight-decay must be >= 0, got -1.0");
        assertOneLineError(Cli.run("train", "--data", dir.resolve("nope").toString(), "--steps", "2", "--out", out.toString()), "no such file or directory");
        assertOneLineError(Cli.run("train", "--data", text.toString(), "--steps", "2", "--optimizer", "sgd", "--out", out.toString()), "--optimizer must be adafactor or adamw");
        assertOneLineError(Cli.run("train", "--data", text.toString(), "--steps", "2", "--out", out.toString(), "--resume", dir.resolve("x").toString()), "no such checkpoint");
        assertOneLineError(Cli.run("eval", "--model", dir.resolve("none.safetensors").toString(), "--data", text.toString()), "no such checkpoint");
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, '{', '}', 0, 0, 0});
        assertOneLineError(Cli.run("eval", "--model", junk.toString(), "--data", text.toString()), "truncated");
        assertFalse(Files.exists(out), "no checkpoint from failed runs");
    }

    @Test
    void trainResumeAndEvalFromTheCommandLine() throws IOException {
        Path text = corpus();
        Path out = dir.resolve("m.safetensors");
        String[] common = {"--data", text.toString(), "--preset", "tiny", "--batch", "2", "--seq", "32", "--out", out.toString(),
                "--threads", "1", "--log-every", "1"};
        Cli.Run r = Cli.run(concat(common, "train", "--steps", "2"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out) && Files.exists(dir.resolve("m.metrics.jsonl")) && Files.exists(dir.resolve("m.loss.png")));
        byte[] first = Files.readAllBytes(out);
        assertOneLineError(Cli.run(concat(common, "train", "--steps", "2")), "--out " + out + " already exists; use -f to overwrite it");
        assertArrayEquals(first, Files.readAllBytes(out), "a refused run leaves the checkpoint alone");
        r = Cli.run(concat(common, "train", "--steps", "3", "--resume", out.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(Checkpoint.load(out).metadata().get("nct.training").contains("\"step\":3"));
        assertEquals(3 + 2, Files.readAllLines(dir.resolve("m.metrics.jsonl")).size(), "train lines 1, 2, 3 and two eval lines");
        assertOneLineError(Cli.run(concat(common, "train", "--steps", "3", "--resume", out.toString())), "already at step 3");
        assertOneLineError(Cli.run("train", "--steps", "5", "--resume", out.toString(), "--data", text.toString(), "--batch", "4", "--seq", "32",
                "--out", out.toString(), "--threads", "1"), "nct train: error: cannot resume from " + out + ": the checkpoint was trained with"
                + " --batch 2 and --seq 32, not --batch 4 and --seq 32; resume with the same --batch and --seq");
        r = Cli.run("eval", "--model", out.toString(), "--data", text.toString(), "--seq", "32", "--threads", "1");
        assertEquals(0, r.code(), r.err());
    }

    private static String[] concat(String[] common, String... first) {
        String[] all = new String[first.length + common.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(common, 0, all, first.length, common.length);
        return all;
    }
}
