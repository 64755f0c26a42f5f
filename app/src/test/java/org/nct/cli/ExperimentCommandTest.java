package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nct experiment}'s options. */
class ExperimentCommandTest {
    @TempDir
    Path dir;

    @Test
    void methodsOptionSplitsAtCommasOutsideBrackets() {
        ExperimentCommand cmd = new ExperimentCommand();
        new picocli.CommandLine(cmd).parseArgs("--methods", "bytes,eqinfo-ac[16,65536],gzip[v=256]");
        assertEquals(List.of("bytes", "eqinfo-ac[16,65536]", "gzip[v=256]"), cmd.methods);
    }

    /** The engine's messages name the M1 and the forced stages; the command line names --m1 and --force. */
    @Test
    void badM1AndForceAreOneLineErrorsNamingTheOption() throws IOException {
        Path data = dir.resolve("text.txt"), out = dir.resolve("run");
        Files.writeString(data, "The cat sat on the mat.\n\nA second document.\n");
        Path missing = dir.resolve("missing.safetensors");
        Cli.Run r = Cli.run("experiment", "--preset", "smoke", "--data", data.toString(), "--out", out.toString(), "--m1", missing.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("nct experiment: error: --m1: no such M1 checkpoint: " + missing + System.lineSeparator(), r.err());

        r = Cli.run("experiment", "--preset", "smoke", "--data", data.toString(), "--out", out.toString(), "--force", "trian");
        assertEquals(1, r.code(), r.err());
        assertEquals("nct experiment: error: unknown stage 'trian' in --force (use split, m1, datasets, m2, eval, report, or one stage such as "
                + "m2/bytes/tiny)" + System.lineSeparator(), r.err());
        assertFalse(Files.exists(out), "nothing written by a refused run");
    }
}
