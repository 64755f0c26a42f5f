package org.nct.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.data.Documents;
import org.nct.data.Split;
import org.nct.testing.TestData;

/**
 * Side by side with the real SentencePiece ({@code spm_train}/{@code spm_encode} of the Debian
 * package): the same .model applied by both gives identical ids; trained on the same text with the
 * same vocabulary, the two tokenizers' compression ratios on held-out text are within 2%; and
 * spm_encode applies nct's own .model files exactly as nct does. Skips when spm_train is absent.
 */
class SpmComparisonTest {
    @TempDir Path dir;

    static final String FLAGS = "--normalization_rule_name=identity --byte_fallback=true --add_dummy_prefix=false "
            + "--remove_extra_whitespaces=false --num_threads=1 --minloglevel=2";

    static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) return true;
        }
        return false;
    }

    static String run(List<String> cmd, String stdin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        Thread feeder = new Thread(() -> {
            try (var o = p.getOutputStream()) {
                o.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process died; its exit code says so
            }
        });
        feeder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        feeder.join();
        assertEquals(0, p.waitFor(), "exit code of " + cmd);
        return out;
    }

    static List<int[]> spmEncode(Path model, List<String> lines) throws Exception {
        String out = run(List.of("spm_encode", "--model=" + model, "--output_format=id"), String.join("\n", lines) + "\n");
        List<int[]> ids = new ArrayList<>();
        for (String l : out.split("\n", -1)) {
            if (ids.size() == lines.size()) break;
            ids.add(l.isBlank() ? new int[0] : Arrays.stream(l.trim().split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        assertEquals(lines.size(), ids.size());
        return ids;
    }

    @Test
    void matchesSentencePiece() throws Exception {
        if (!onPath("spm_train") || !onPath("spm_encode")) {
            System.out.println("SKIPPED: spm_train/spm_encode not on the PATH (Debian package sentencepiece)");
            Assumptions.abort("spm_train/spm_encode not on the PATH");
        }
        List<byte[]> train = new ArrayList<>(), held = new ArrayList<>();
        int vocab;
        Path c4 = TestData.c4DirOrNull();
        if (c4 != null) {
            vocab = 1000;
            Documents.forEach(List.of(c4), d -> {
                if (Split.isValidation(d, 0.05)) { if (held.size() < 60) held.add(d); }
                else if (train.size() < 300) train.add(d);
            });
        } else {
            vocab = 560;
            train.addAll(TestText.documents(300, 1));
            held.addAll(TestText.documents(60, 2));
        }
        Path trainFile = dir.resolve("train.txt");
        StringBuilder sb = new StringBuilder();
        for (byte[] d : train) sb.append(new String(d, StandardCharsets.UTF_8)).append('\n');
        Files.writeString(trainFile, sb);
        List<String> lines = new ArrayList<>();
        for (byte[] d : held) for (String l : new String(d, StandardCharsets.UTF_8).split("\n")) if (!l.isEmpty()) lines.add(l);

        List<String> cmd = new ArrayList<>(List.of("spm_train", "--input=" + trainFile, "--model_prefix=" + dir.resolve("spm"), "--vocab_size=" + vocab));
        cmd.addAll(List.of(FLAGS.split(" ")));
        run(cmd, "");
        Path spmModel = dir.resolve("spm.model");

        // 1. the same .model applied by both
        SentencePieceTokenizer onSpm = new SentencePieceTokenizer(SentencePieceModel.read(spmModel));
        List<int[]> ref = spmEncode(spmModel, lines);
        long agree = 0, total = 0, spmTokens = 0, bytes = 0;
        int sameLines = 0;
        for (int i = 0; i < lines.size(); i++) {
            byte[] b = lines.get(i).getBytes(StandardCharsets.UTF_8);
            int[] ours = onSpm.encode(b);
            bytes += b.length;
            spmTokens += ref.get(i).length;
            total += Math.max(ours.length, ref.get(i).length);
            for (int k = 0; k < Math.min(ours.length, ref.get(i).length) && ours[k] == ref.get(i)[k]; k++) agree++;
            if (Arrays.equals(ours, ref.get(i))) sameLines++;
        }
        // 2. trained on the same text
        SentencePieceModel mine = new UnigramTrainer().vocabSize(vocab).train(train);
        SentencePieceTokenizer onMine = new SentencePieceTokenizer(mine);
        long myTokens = 0;
        List<int[]> myIds = new ArrayList<>();
        for (String l : lines) {
            int[] ids = onMine.encode(l.getBytes(StandardCharsets.UTF_8));
            myIds.add(ids);
            myTokens += ids.length;
        }
        double spmRatio = (double) bytes / spmTokens, myRatio = (double) bytes / myTokens;
        // 3. spm_encode applies nct's model file
        Path myModel = dir.resolve("nct.model");
        mine.write(myModel);
        List<int[]> viaSpm = spmEncode(myModel, lines);
        int interop = 0;
        for (int i = 0; i < lines.size(); i++) if (Arrays.equals(viaSpm.get(i), myIds.get(i))) interop++;

        System.out.printf(Locale.ROOT, "spm comparison (%s, vocab %d, %d training docs, %d held-out lines, %d bytes):%n",
                c4 != null ? "C4" : "generated text", vocab, train.size(), lines.size(), bytes);
        System.out.printf(Locale.ROOT, "  same spm .model: %d/%d tokens agree (prefix), %d/%d lines identical%n", agree, total, sameLines, lines.size());
        System.out.printf(Locale.ROOT, "  trained: spm_train %.4f bytes/token, nct %.4f bytes/token, difference %+.2f%%%n",
                spmRatio, myRatio, 100 * (myRatio / spmRatio - 1));
        System.out.printf(Locale.ROOT, "  nct .model through spm_encode: %d/%d lines identical%n", interop, lines.size());

        assertEquals(lines.size(), sameLines, "identical segmentation with the same .model");
        assertEquals(total, agree);
        assertEquals(1.0, myRatio / spmRatio, 0.02, "compression ratio within 2% of spm_train's");
        assertEquals(lines.size(), interop, "spm_encode applies nct's .model identically");
    }
}
