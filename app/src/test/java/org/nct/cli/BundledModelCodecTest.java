package org.nct.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.api.NctCompressor;
import org.nct.coding.IntegerCdf;
import org.nct.inference.CodingModel;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/**
 * compress and decompress without -m use the bundled M1 from the class path. A child JVM gets a
 * generated F16 M1 as that resource (a directory ahead of the build on its class path), the same
 * way the engine jar carries models/m1.safetensors; files made with another model are refused
 * with both model ids named.
 */
class BundledModelCodecTest {
    @TempDir static Path dir;
    static Path resources, bundledFile, bundledAsF32, other, text;
    static String bundledId, otherId;

    @BeforeAll
    static void setUp() throws IOException {
        resources = dir.resolve("res");
        bundledFile = resources.resolve(BundledM1.RESOURCE);
        Files.createDirectories(bundledFile.getParent());
        ModelConfig tiny = ModelConfig.preset("tiny", 256);
        try (Weights w = Weights.init(tiny, 21)) {
            Checkpoint.saveF16(bundledFile, w, Map.of());
        }
        // the widened weights saved as F32: the same model, so the same id
        bundledAsF32 = dir.resolve("bundled-f32.safetensors");
        try (Weights widened = Checkpoint.loadWeights(bundledFile)) {
            Checkpoint.save(bundledAsF32, widened);
            bundledId = HexFormat.of().formatHex(CodingModel.id(widened, IntegerCdf.DEFAULT_PRECISION));
        }
        other = dir.resolve("other.safetensors");
        try (Weights w = Weights.init(tiny, 22)) {
            Checkpoint.save(other, w);
            otherId = HexFormat.of().formatHex(CodingModel.id(w, IntegerCdf.DEFAULT_PRECISION));
        }
        text = dir.resolve("text.txt");
        Files.writeString(text, "Bundled models compress without a flag. ".repeat(30));
    }

    /** nct in a child JVM whose class path starts with the generated resource directory. */
    static ProcessBuilder cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                "-cp", resources + File.pathSeparator + System.getProperty("java.class.path"), "org.nct.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("NCT_DEBUG");
        pb.environment().put("NCT_QUIET", "1");
        return pb;
    }

    record Result(int code, String err) { }

    static Result run(String... args) throws Exception {
        Process p = cli(args).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        return new Result(p.exitValue(), err);
    }

    /** The model id an .nct file records (header bytes 6..38, after magic, version and flags). */
    static String recordedId(Path nct) throws IOException {
        byte[] f = Files.readAllBytes(nct);
        return HexFormat.of().formatHex(f, 6, 38);
    }

    @Test
    void roundTripWithTheBundledModelAndRefusalsNamingBothModels() throws Exception {
        Path packed = dir.resolve("text.nct"), back = dir.resolve("back.txt");
        Result r = run("compress", "--threads", "1", "-o", packed.toString(), text.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(bundledId, recordedId(packed), "the file records the id of the widened bundled weights");
        r = run("decompress", "--threads", "1", "-o", back.toString(), packed.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(text), Files.readAllBytes(back));

        // -m picks another model: the F32 file of the widened weights is the same model; another is refused
        Path back2 = dir.resolve("back2.txt");
        r = run("decompress", "-m", bundledAsF32.toString(), "--threads", "1", "-o", back2.toString(), packed.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(text), Files.readAllBytes(back2));
        Path refused = dir.resolve("refused.txt");
        r = run("decompress", "-m", other.toString(), "--threads", "1", "-o", refused.toString(), packed.toString());
        assertRefusal(r, bundledId, otherId);
        assertFalse(Files.exists(refused));

        // a file made with another model is refused by the bundled one
        Path fromOther = dir.resolve("other.nct");
        r = run("compress", "-m", other.toString(), "--threads", "1", "-o", fromOther.toString(), text.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(otherId, recordedId(fromOther));
        r = run("decompress", "--threads", "1", "-o", refused.toString(), fromOther.toString());
        assertRefusal(r, otherId, bundledId);
        assertFalse(Files.exists(refused));
    }

    static void assertRefusal(Result r, String fileModel, String modelInUse) {
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("file was compressed with model " + fileModel.substring(0, 16) + "…, not with the model in use ("
                + modelInUse.substring(0, 16) + "…"), r.err());
        CodecCommandsHostileTest.assertOneLineError(r.err(), "file was compressed with model");
    }

    // ---- this build's own bundled M1 (present once models/m1.safetensors exists, absent before)

    @Test
    void withoutModelThisBuildEitherUsesItsBundledM1OrSaysItHasNone() throws IOException {
        Path out = dir.resolve("own.nct");
        Cli.Run run = Cli.run("compress", "--threads", "1", "-o", out.toString(), text.toString());
        int code = run.code();
        String err = run.err();
        if (BundledM1.present()) {
            assertEquals(0, code, err);
            try (NctCompressor nct = NctCompressor.open()) {
                assertArrayEquals(Files.readAllBytes(text), nct.decompress(Files.readAllBytes(out)));
                byte[] data = "the library opens the bundled M1".getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(data, nct.decompress(nct.compress(data)));
            }
        } else {
            assertEquals(1, code);
            assertEquals("nct compress: error: no bundled M1 in this build (models/m1.safetensors); pass -m MODEL" + System.lineSeparator(),
                    err);
            assertFalse(Files.exists(out), "no output without a model");
            BundledM1.Missing e = assertThrows(BundledM1.Missing.class, NctCompressor::open);
            assertEquals(BundledM1.MISSING, e.getMessage());
        }
    }
}
