package org.nct.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.paper.Metrics;
import org.nct.tokenize.Method;

class ReportTest {

    /**
     * Synthetic results for every method of {@code preset}: each M2's loss is {@code frac} of its
     * method's uniform rate, with {@code frac} given per method kind.
     */
    static Results synthetic(Preset preset, Map<Method.Kind, Double> frac, double eq65kBonus) {
        List<Results.Dataset> ds = new ArrayList<>();
        List<Results.Model> ms = new ArrayList<>();
        for (Method m : preset.methods()) {
            double ratio = switch (m.kind()) {
                case BYTES -> 1.0;
                case SPM -> 3.5;
                case GZIP -> 2.0;
                case STATIC_AC -> 1.6;
                case AC -> 2.5;
                case EQINFO_AC -> 1.5 + m.bits() / 32.0;
            } * (m.vocab() == 65536 ? 2 : 1);
            long validTokens = 10_000, validBytes = Math.round(validTokens * ratio);
            double uniform = Metrics.uniformBitsPerByte(m.vocab(), (double) validBytes / validTokens);
            double unigram = m.kind() == Method.Kind.BYTES || m.kind() == Method.Kind.SPM ? 0.6 * uniform : 0.995 * uniform;
            ds.add(new Results.Dataset(m, 20 * validBytes, 20 * validTokens, validBytes, validTokens, 3, uniform, unigram));
            for (String size : preset.m2Sizes()) {
                double f = frac.get(m.kind()) + (m.kind() == Method.Kind.EQINFO_AC ? m.bits() / 1000.0 : 0)
                        - (m.kind() == Method.Kind.EQINFO_AC && m.vocab() == 65536 ? eq65kBonus : 0);
                double bpb = f * uniform;
                double loss = bpb * Math.log(2) * validBytes / validTokens;
                ms.add(new Results.Model(m, size, 100_000, 150_000, preset.m2Steps(), loss, Math.min(preset.evalTokens(), validTokens),
                        loss, (double) validBytes / validTokens, bpb,
                        Metrics.flopsPerByte(100_000, (double) validBytes / validTokens, m.usesM1() ? 50_000 : 0), 1.5));
            }
        }
        List<Stages.Record> stages = List.of(new Stages.Record("split", "a", "b", 1.0, "now", 10, false),
                new Stages.Record("m1", "c", "d", 12.5, "now", 1000, true));
        return new Results("synthetic test corpus", "this corpus is not web text", preset, Map.of("cpus", "2", "java", "25"),
                new Results.M1("tiny", 50_000, 80_000, 60, 3.1, 40_000, null), ds, ms, stages);
    }

    static final Map<Method.Kind, Double> PAPER_LIKE = Map.of(Method.Kind.BYTES, 0.25, Method.Kind.SPM, 0.2,
            Method.Kind.GZIP, 0.8, Method.Kind.STATIC_AC, 1.0, Method.Kind.AC, 1.0, Method.Kind.EQINFO_AC, 0.6);

    @Test
    void writesEveryTableRowPlotAndFinding(@TempDir Path dir) throws IOException {
        Preset preset = Preset.named("paper");
        Results r = synthetic(preset, PAPER_LIKE, 0.05);
        Report.write(dir, r);
        String md = Files.readString(dir.resolve(Report.MARKDOWN));
        for (String heading : List.of("## Findings", "## Bits/byte and inference cost (paper Table 15)",
                "## Compression ratios on held-out text (paper Table 12)", "## Trivial models on held-out tokens (paper Table 3)",
                "## Window-size ablation (paper Table 16)", "## Plots", "## M1", "## Settings", "## Machine", "## Stages")) {
            assertTrue(md.contains(heading), "missing " + heading);
        }
        assertTrue(md.contains("not web text"), "the corpus note");
        for (Method m : preset.methods()) {
            for (String size : preset.m2Sizes()) {
                assertTrue(md.contains("| " + m.paperName() + " | " + size + " |"), "row " + m.paperName() + " " + size);
            }
        }
        // Table 15's paper column: Bytes at 25m is 1.29 bits/byte, 50.00M FLOPs/byte
        assertTrue(md.contains("| 25m | 1.29 | 50.00M |"), md);
        for (String png : List.of(Report.PLOT_FLOPS, Report.PLOT_STEP)) {
            BufferedImage img = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(img, png + " is a readable PNG");
            assertTrue(img.getWidth() > 100 && img.getHeight() > 100);
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
        assertEquals(preset.methods().size() * preset.m2Sizes().size(), json.get("models").size());
        assertEquals(preset.methods().size(), json.get("datasets").size());
        List<String> csv = Files.readAllLines(dir.resolve(Report.CSV));
        assertEquals(1 + preset.methods().size() * preset.m2Sizes().size(), csv.size());
        for (JsonNode f : json.get("findings")) assertEquals("REPRODUCED", f.get("verdict").asText(), f.toString());
        assertEquals(8, json.get("findings").size());
    }

    @Test
    void findingsFollowTheNumbers() {
        Preset preset = Preset.named("smoke");
        // paper-like numbers: every claim holds
        for (Findings.Finding f : Findings.check(synthetic(preset, PAPER_LIKE, 0.05))) {
            if (f.verdict() != Findings.Verdict.NOT_TESTED) assertEquals(Findings.Verdict.REPRODUCED, f.verdict(), f.toString());
        }
        // AC learned, EqualInfoAC did not, v=65k worse, GZip best: those claims fail
        Map<Method.Kind, Double> upside = Map.of(Method.Kind.BYTES, 0.5, Method.Kind.SPM, 0.4,
                Method.Kind.GZIP, 0.1, Method.Kind.STATIC_AC, 1.0, Method.Kind.AC, 0.5, Method.Kind.EQINFO_AC, 1.0);
        List<Findings.Finding> fs = Findings.check(synthetic(preset, upside, -0.05));
        assertEquals(Findings.Verdict.NOT_REPRODUCED, find(fs, "AC is not learnable").verdict());
        assertEquals(Findings.Verdict.REPRODUCED, find(fs, "StaticAC is not learnable").verdict());
        assertEquals(Findings.Verdict.NOT_REPRODUCED, find(fs, "EqualInfoAC[b=16] is learnable").verdict());
        assertEquals(Findings.Verdict.NOT_REPRODUCED, find(fs, "For EqualInfoAC[b=16], v=65k").verdict());
        assertEquals(Findings.Verdict.NOT_REPRODUCED, find(fs, "GZip is a weak").verdict());
        assertEquals(Findings.Verdict.NOT_REPRODUCED, find(fs, "SentencePiece gives").verdict());
        // missing methods are reported as not tested, never assumed
        Preset onlyBytes = preset.withMethods(List.of(new Method(Method.Kind.BYTES, 0, 256)));
        List<Findings.Finding> few = Findings.check(synthetic(onlyBytes, PAPER_LIKE, 0));
        assertEquals(Findings.Verdict.NOT_TESTED, find(few, "AC is not learnable").verdict());
        assertEquals(Findings.Verdict.NOT_TESTED, find(few, "GZip is a weak").verdict());
    }

    private static Findings.Finding find(List<Findings.Finding> fs, String prefix) {
        for (Findings.Finding f : fs) if (f.claim().startsWith(prefix)) return f;
        throw new AssertionError("no finding " + prefix);
    }
}
