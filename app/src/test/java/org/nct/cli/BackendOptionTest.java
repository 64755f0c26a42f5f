package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** --backend picks the kernel backend of a command; a bad name is a usage error, an unusable GPU one line. */
class BackendOptionTest {
    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty("nct.backend");
    }

    @AfterEach
    void restore() {
        if (saved == null) System.clearProperty("nct.backend");
        else System.setProperty("nct.backend", saved);
    }

    @Test
    void picksTheBackend() {
        Cli.Run scalar = Cli.run("info", "--backend", "scalar");
        assertEquals(0, scalar.code(), scalar.err());
        assertTrue(scalar.out().contains("kernel backend  scalar"), scalar.out());
        Cli.Run vector = Cli.run("info", "--backend", "VECTOR");
        assertEquals(0, vector.code(), vector.err());
        assertTrue(vector.out().contains("kernel backend  vector-"), vector.out());
    }

    @Test
    void anUnknownBackendIsOneLine() {
        Cli.Run r = Cli.run("train", "--backend", "tpu", "--data", "x", "--out", "y");
        assertEquals(Main.ERROR, r.code(), "a usage error");
        assertTrue(r.err().startsWith("--backend must be vector, scalar or cuda, got 'tpu'"), r.err());
        assertEquals(saved, System.getProperty("nct.backend"), "a refused name leaves the property as it was");
    }

    @Test
    void cudaWithoutAUsableDeviceIsOneLine() {
        Cli.Run r = Cli.run("info", "--backend", "cuda");
        if (r.code() == 0) {
            System.out.println("BackendOptionTest: a CUDA device is usable here; the no-device message is not checked");
            assertTrue(r.out().contains("kernel backend  cuda"), r.out());
            return;
        }
        assertEquals(1, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("nct info: error: the CUDA backend could not start"), r.err());
    }
}
