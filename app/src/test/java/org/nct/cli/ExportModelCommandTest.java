package org.nct.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.coding.IntegerCdf;
import org.nct.inference.CodingModel;
import org.nct.kernels.Buffers;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.train.Trainer;

/** {@code nct export-model}: weights only, F16 rounding widened exactly, the printed hash and model id, bad input. */
class ExportModelCommandTest {
    @TempDir
    Path dir;

    /** A training checkpoint of the tiny preset at step 12, with an optimizer state. */
    Path trainingCheckpoint(long seed) throws IOException {
        Path p = dir.resolve("ckpt-" + seed + ".safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), seed); Arena a = Arena.ofConfined()) {
            MemorySegment opt = Buffers.floats(a, 500);
            for (int i = 0; i < 500; i++) opt.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
            Checkpoint.save(p, w, Map.of(Trainer.KEY_TRAINING, "{\"step\":12,\"batch\":4}"), opt, 500);
        }
        return p;
    }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void exportsWeightsOnlyInF16AndPrintsItsHashAndModelId() throws Exception {
        Path in = trainingCheckpoint(3), out = dir.resolve("m1.safetensors");
        Cli.Run r = Cli.run("export-model", "--in", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Checkpoint c = Checkpoint.load(out);
        try (Weights exported = c.weights(); Weights orig = Checkpoint.loadWeights(in)) {
            assertNull(c.optimizerState(), "no optimizer state");
            assertNull(c.metadata().get(Trainer.KEY_OPTIMIZER), "no optimizer metadata");
            JsonNode from = new ObjectMapper().readTree(c.metadata().get(Checkpoint.KEY_EXPORTED_FROM));
            assertEquals(12, from.get("step").asLong());
            assertEquals(sha256(in), from.get("sha256").asText());
            assertEquals("F16", from.get("dtype").asText());
            for (long i = 0; i < orig.layout().size(); i++) {
                float a = orig.params().getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(a)), exported.params().getAtIndex(ValueLayout.JAVA_FLOAT, i), 0f, "weight " + i);
            }
            String id = HexFormat.of().formatHex(CodingModel.id(exported, IntegerCdf.DEFAULT_PRECISION));
            assertTrue(r.out().contains("model id (P=16): " + id + "\n"), r.out());
            assertNotEquals(id, HexFormat.of().formatHex(CodingModel.id(orig, IntegerCdf.DEFAULT_PRECISION)),
                    "the id is that of the widened weights, not of the F32 originals");
        }
        assertTrue(r.out().contains("file sha256: " + sha256(out) + "\n"), r.out());
        assertTrue(r.out().contains("at step 12") && r.out().contains("no optimizer state"), r.out());
        byte[] f = Files.readAllBytes(out);
        long hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | (f[i] & 0xFF);
        assertEquals(2L * new org.nct.model.ParameterLayout(ModelConfig.preset("tiny", 256)).size(), f.length - 8 - hl,
                "the data section: 2 bytes a weight, no optimizer state");

        // the model id is stable: a second export of the same checkpoint is the same file
        Path again = dir.resolve("again.safetensors");
        assertEquals(0, Cli.run("export-model", "--in", in.toString(), "--out", again.toString()).code());
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again));
        // and exporting the export (F16 → F16) changes nothing but the provenance
        Path twice = dir.resolve("twice.safetensors");
        Cli.Run r2 = Cli.run("export-model", "--in", out.toString(), "--out", twice.toString());
        assertEquals(0, r2.code(), r2.err());
        try (Weights a = Checkpoint.loadWeights(out); Weights b = Checkpoint.loadWeights(twice)) {
            assertArrayEquals(CodingModel.id(a, 16), CodingModel.id(b, 16));
        }
    }

    @Test
    void f32ExportKeepsEveryBit() throws Exception {
        Path in = trainingCheckpoint(4), out = dir.resolve("f32.safetensors");
        Cli.Run r = Cli.run("export-model", "--in", in.toString(), "--out", out.toString(), "--dtype", "f32");
        assertEquals(0, r.code(), r.err());
        try (Weights a = Checkpoint.loadWeights(in); Weights b = Checkpoint.loadWeights(out)) {
            assertArrayEquals(CodingModel.id(a, 16), CodingModel.id(b, 16));
        }
        assertNull(Checkpoint.load(out).optimizerState());
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path in = trainingCheckpoint(5);
        Cli.Run r = Cli.run("export-model", "--in", in.toString(), "--out", dir.resolve("x").toString(), "--dtype", "bf16");
        assertEquals(1, r.code());
        assertEquals("nct export-model: error: --dtype must be f16 or f32, got bf16", r.err().strip());
        r = Cli.run("export-model", "--in", dir.resolve("nope").toString(), "--out", dir.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().strip().endsWith("no such checkpoint: " + dir.resolve("nope")), r.err());
        byte[] before = Files.readAllBytes(in);
        r = Cli.run("export-model", "--in", in.toString(), "--out", in.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is the input checkpoint"), r.err());
        assertArrayEquals(before, Files.readAllBytes(in));
        // an existing output is replaced only with -f
        Path existing = dir.resolve("existing.safetensors");
        Files.write(existing, new byte[] {42});
        r = Cli.run("export-model", "--in", in.toString(), "-o", existing.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().strip().endsWith("already exists; use -f to overwrite it"), r.err());
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(existing));
        r = Cli.run("export-model", "--in", in.toString(), "-o", existing.toString(), "-f");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(existing) > 1000);
        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        r = Cli.run("export-model", "--in", garbage.toString(), "--out", dir.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot load") && r.err().contains("header length"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(dir.resolve("x")));

        // a weight beyond F16's range: refused, with the way out
        Path big = dir.resolve("big.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 6)) {
            w.params().setAtIndex(ValueLayout.JAVA_FLOAT, 17, 1e6f);
            Checkpoint.save(big, w);
        }
        r = Cli.run("export-model", "--in", big.toString(), "--out", dir.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("beyond the F16 range") && r.err().contains("--dtype f32"), r.err());
        assertFalse(Files.exists(dir.resolve("x")));
    }
}
