package org.nct.experiment;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;
import org.nct.inference.CodingModel;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.tokenize.Method;

/** {@code experiment --m1 FILE}: the given M1 replaces the m1 stage's training, and the report says so. */
class ExperimentGivenM1Test {

    static Path givenModel(Path file, long seed) throws IOException {
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), seed)) {
            Checkpoint.saveF16(file, w, Map.of());
        }
        return file;
    }

    @Test
    void aGivenM1IsUsedNotTrainedAndTheReportNamesIt(@TempDir Path tmp) throws IOException {
        Path corpus = tmp.resolve("generated.txt");
        ExperimentSmokeTest.writeGeneratedCorpus(corpus, 300);
        Path m1File = givenModel(tmp.resolve("given.safetensors"), 31);
        Preset p = Preset.named("smoke").withMethods(List.of(new Method(Method.Kind.AC, 0, 256)));
        Path out = tmp.resolve("run");
        List<String> log = new ArrayList<>();
        Experiment.GivenM1 given = Experiment.GivenM1.load(m1File.toString());
        Results r = Experiment.run(new Experiment.Options(p, List.of(corpus), out, Set.of(), tmp.resolve("cache"), org.nct.tokenize.ShardBuilder.LOCAL, given),
                log::add);

        // the m1 stage holds the given file, unchanged, and trained nothing
        assertArrayEquals(Files.readAllBytes(m1File), Files.readAllBytes(out.resolve("m1").resolve(Experiment.MODEL)));
        assertFalse(Files.exists(out.resolve("m1").resolve(Experiment.METRICS)), "no training metrics: M1 was not trained");
        String id;
        try (Weights w = Checkpoint.loadWeights(m1File)) {
            id = HexFormat.of().formatHex(CodingModel.id(w, 16));
        }
        assertNotNull(r.m1().given());
        assertEquals(m1File.toString(), r.m1().given().source());
        assertEquals(id, r.m1().given().modelId());
        assertEquals("tiny", r.m1().preset());
        assertEquals(-1, r.m1().steps(), "an untrained F16 file records no step");
        assertTrue(Double.isFinite(r.m1().validBitsPerByte()) && r.m1().validBitsPerByte() > 0);

        String md = Files.readString(out.resolve(Report.MARKDOWN));
        assertTrue(md.contains("M1 given: `" + m1File + "` (not trained by this run"), md);
        assertTrue(md.contains("**Given, not trained by this run** (`" + m1File + "`): model id `" + id + "`"), md);
        assertFalse(md.contains("--m1"), "the report names the M1, not a command-line option: " + md);
        assertTrue(md.contains(ModelConfig.preset("tiny", 256).describe()), "the config: " + md);
        JsonNode json = new ObjectMapper().readTree(out.resolve(Report.JSON_FILE).toFile());
        assertEquals(id, json.get("m1").get("model_id").asText());
        assertTrue(log.stream().anyMatch(l -> l.contains("M1 given")), String.join("\n", log));

        // another M1 redoes the m1 stage and the AC dataset built with it
        Path m1b = givenModel(tmp.resolve("given-b.safetensors"), 32);
        Results again = Experiment.run(new Experiment.Options(p, List.of(corpus), out, Set.of(), tmp.resolve("cache"),
                org.nct.tokenize.ShardBuilder.LOCAL, Experiment.GivenM1.load(m1b.toString())), s -> { });
        for (Stages.Record s : again.stages()) {
            if (s.name().equals("m1") || s.name().startsWith("datasets/")) assertFalse(s.skipped(), s.name());
        }
        assertNotEquals(id, again.m1().given().modelId());
    }

    @Test
    void badGivenM1IsAUserError(@TempDir Path tmp) throws IOException {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Experiment.GivenM1.load(tmp.resolve("nope").toString()));
        assertEquals("no such M1 checkpoint: " + tmp.resolve("nope"), e.getMessage());
        Path m2 = tmp.resolve("m2.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 512), 1)) {
            Checkpoint.save(m2, w);
        }
        e = assertThrows(InvalidInputException.class, () -> Experiment.GivenM1.load(m2.toString()));
        assertTrue(e.getMessage().contains("not a byte-level model (vocabulary 512"), e.getMessage());
        Path junk = tmp.resolve("junk.safetensors");
        Files.writeString(junk, "not a checkpoint at all");
        e = assertThrows(InvalidInputException.class, () -> Experiment.GivenM1.load(junk.toString()));
        assertTrue(e.getMessage().startsWith("M1 " + junk + ": checkpoint " + junk + ": header length"), e.getMessage());
        if (BundledM1.present()) {
            assertEquals("bundled (models/m1.safetensors)", Experiment.GivenM1.load("bundled").source());
        } else {
            e = assertThrows(InvalidInputException.class, () -> Experiment.GivenM1.load("bundled"));
            assertEquals("no bundled M1 in this build (models/m1.safetensors); give an M1 checkpoint file instead", e.getMessage());
        }
    }
}
