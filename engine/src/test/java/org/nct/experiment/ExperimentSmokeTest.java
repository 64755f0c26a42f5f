package org.nct.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;
import org.nct.testing.TestData;
import org.nct.tokenize.Method;

/**
 * Runs {@code experiment --preset smoke} end to end (on the C4 sample when present, else on
 * generated text), checks that the report is complete, and that a second run skips every stage.
 */
class ExperimentSmokeTest {

    /** Generated documents: Zipf-distributed pseudo-words built from syllables, in sentences; seeded. */
    static void writeGeneratedCorpus(Path file, int docs) throws IOException {
        String[] syllables = "ka to ri an el mo su ne th er in on re at ha se li ve ra de co ma pe lo".split(" ");
        SplittableRandom rnd = new SplittableRandom(7);
        String[] words = new String[600];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) w.append(syllables[rnd.nextInt(syllables.length)]);
            words[i] = w.toString();
        }
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < docs; d++) {
            int sentences = 3 + rnd.nextInt(6);
            for (int s = 0; s < sentences; s++) {
                int n = 4 + rnd.nextInt(10);
                for (int w = 0; w < n; w++) {
                    String word = words[(int) Math.floor(Math.pow(rnd.nextDouble(), 2.5) * words.length)];
                    if (w == 0) word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                    sb.append(word).append(w == n - 1 ? ". " : rnd.nextInt(12) == 0 ? ", " : " ");
                }
            }
            sb.append("\n\n");
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    @Test
    void smokePresetProducesACompleteReportAndResumes(@TempDir Path tmp) throws IOException {
        Path c4 = TestData.c4DirOrNull();
        List<Path> data;
        if (c4 != null) {
            data = List.of(c4);
        } else {
            Path gen = tmp.resolve("generated.txt");
            writeGeneratedCorpus(gen, 600);
            data = List.of(gen);
        }
        Preset p = Preset.named("smoke");
        Path out = tmp.resolve("run");
        List<String> log = new ArrayList<>();
        Results r = Experiment.run(new Experiment.Options(p, data, out, Set.of(), tmp.resolve("cache")), log::add);

        String md = Files.readString(out.resolve(Report.MARKDOWN));
        for (String heading : List.of("## Findings", "(paper Table 15)", "(paper Table 12)", "(paper Table 3)",
                "## Plots", "## M1", "## Settings", "## Machine", "## Stages")) {
            assertTrue(md.contains(heading), "report lacks " + heading);
        }
        for (Method m : p.methods()) {
            assertTrue(md.contains("| " + m.paperName() + " | tiny |"), "Table 15 row of " + m.paperName());
            assertTrue(md.contains("| " + m.paperName() + " | uniform |"), "uniform row of " + m.paperName());
            Results.Model mod = r.model(m, "tiny");
            assertNotNull(mod, m.paperName());
            assertTrue(Double.isFinite(mod.bitsPerByte()) && mod.bitsPerByte() > 0, m.paperName() + " bits/byte " + mod.bitsPerByte());
            assertTrue(mod.evalTokens() > 0 && mod.evalTokens() <= p.evalTokens(), m.paperName() + " eval tokens " + mod.evalTokens());
        }
        for (String png : List.of(Report.PLOT_FLOPS, Report.PLOT_STEP)) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png + " is a valid PNG");
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve(Report.JSON_FILE).toFile());
        assertEquals(p.methods().size(), json.get("models").size());
        JsonNode findings = json.get("findings");
        assertTrue(findings.size() >= 7);
        for (JsonNode f : findings) assertFalse(f.get("verdict").asText().equals("NOT_TESTED"), "every claim is tested: " + f);
        assertEquals(1 + p.methods().size(), Files.readAllLines(out.resolve(Report.CSV)).size());
        // the Bytes dataset's unigram model is far below uniform (8 bits/byte), as in paper Table 3
        assertTrue(r.dataset(new Method(Method.Kind.BYTES, 0, 256)).unigramBitsPerByte() < 6.0);

        // a second run skips every stage; --force eval redoes only the evaluations
        Results again = Experiment.run(new Experiment.Options(p, data, out, Set.of("eval"), tmp.resolve("cache")), log::add);
        for (Stages.Record s : again.stages()) {
            assertEquals(!s.name().startsWith("eval/"), s.skipped(), s.name());
        }
        for (Method m : p.methods()) {
            assertEquals(r.model(m, "tiny").bitsPerByte(), again.model(m, "tiny").bitsPerByte(), 0.0,
                    "evaluation is deterministic: " + m.paperName());
        }
    }

    @Test
    void badForceNameIsAUserError(@TempDir Path tmp) {
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class, () -> Experiment.run(
                new Experiment.Options(Preset.named("smoke"), List.of(tmp), tmp.resolve("o"), Set.of("trian"), tmp), s -> { }));
        assertTrue(e.getMessage().contains("unknown stage 'trian'"), e.getMessage());
    }
}
