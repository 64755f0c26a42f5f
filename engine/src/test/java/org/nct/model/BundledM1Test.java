package org.nct.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled M1 as a class-path resource: found, loaded with the file checks, or missing with one clear line. */
class BundledM1Test {
    @TempDir
    Path dir;

    /** A class loader that sees only {@code root} (no parent: not this build's resources). */
    static URLClassLoader only(Path root) throws IOException {
        return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
    }

    @Test
    void aResourceOnTheClassPathIsTheBundledM1() throws IOException {
        Path file = dir.resolve(BundledM1.RESOURCE);
        Files.createDirectories(file.getParent());
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 9)) {
            Checkpoint.saveF16(file, w, Map.of());
        }
        try (URLClassLoader l = only(dir); Weights fromResource = BundledM1.load(l); Weights fromFile = Checkpoint.loadWeights(file)) {
            assertTrue(BundledM1.present(l));
            assertEquals(fromFile.config(), fromResource.config());
            CheckpointTest.assertSameBits(fromFile.params(), fromResource.params(), fromFile.layout().size());
            assertArrayEquals(Files.readAllBytes(file), BundledM1.bytes(l));
        }
    }

    @Test
    void aDamagedResourceIsRefusedLikeAFile() throws IOException {
        Path file = dir.resolve(BundledM1.RESOURCE);
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[] {1, 2, 3});
        try (URLClassLoader l = only(dir)) {
            IOException e = assertThrows(IOException.class, () -> BundledM1.load(l));
            assertEquals("checkpoint bundled M1 (models/m1.safetensors): not a safetensors file (3 bytes, shorter than the 8-byte header length)",
                    e.getMessage());
        }
    }

    @Test
    void noResourceIsOneClearLine() throws IOException {
        try (URLClassLoader l = only(dir)) {
            assertFalse(BundledM1.present(l));
            BundledM1.Missing e = assertThrows(BundledM1.Missing.class, () -> BundledM1.load(l));
            assertEquals("no bundled M1 in this build (models/m1.safetensors); give a model file instead", e.getMessage());
        }
    }

    @Test
    void thisBuildsBundledM1LoadsWhenPresent() throws IOException {
        Assumptions.assumeTrue(BundledM1.present(), "no models/m1.safetensors in this build: the real bundled M1 is not checked");
        try (Weights w = BundledM1.load()) {
            assertEquals(256, w.config().vocabSize(), "M1 is byte-level");
        }
    }
}
