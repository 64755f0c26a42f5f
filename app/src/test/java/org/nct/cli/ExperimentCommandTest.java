package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code nct experiment}'s options. */
class ExperimentCommandTest {
    @Test
    void methodsOptionSplitsAtCommasOutsideBrackets() {
        ExperimentCommand cmd = new ExperimentCommand();
        new picocli.CommandLine(cmd).parseArgs("--methods", "bytes,eqinfo-ac[16,65536],gzip[v=256]");
        assertEquals(List.of("bytes", "eqinfo-ac[16,65536]", "gzip[v=256]"), cmd.methods);
    }
}
