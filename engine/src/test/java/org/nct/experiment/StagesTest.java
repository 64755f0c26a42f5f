package org.nct.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> log = new ArrayList<>();

    private static ObjectNode inputs(int setting) {
        return JSON.createObjectNode().put("setting", setting);
    }

    private Stages stages(Path root, String... force) {
        return new Stages(root, Set.of(force), log::add);
    }

    @Test
    void skipsACompleteStageAndRedoesOnChangedInputsOrForce(@TempDir Path root) throws IOException {
        int[] runs = {0};
        Stages.Body body = (dir, resume) -> {
            runs[0]++;
            Files.writeString(dir.resolve("out.txt"), "result");
        };
        Stages.Record first = stages(root).run("a/b", inputs(1), body);
        assertEquals(1, runs[0]);
        assertFalse(first.skipped());
        Stages.Record second = stages(root).run("a/b", inputs(1), body);
        assertEquals(1, runs[0], "same inputs: skipped");
        assertTrue(second.skipped());
        assertEquals(first.outputHash(), second.outputHash());
        stages(root).run("a/b", inputs(2), body);
        assertEquals(2, runs[0], "changed inputs: redone");
        stages(root, "a/b").run("a/b", inputs(2), body);
        assertEquals(3, runs[0], "forced by name");
        stages(root, "a").run("a/b", inputs(2), body);
        assertEquals(4, runs[0], "forced by group");
        stages(root, "a/bc", "b").run("a/b", inputs(2), body);
        assertEquals(4, runs[0], "other names do not force it");
    }

    @Test
    void damagedOutputIsRedoneAndChangesTheHash(@TempDir Path root) throws IOException {
        int[] runs = {0};
        Stages.Record r1 = stages(root).run("s", inputs(1), (dir, resume) -> {
            runs[0]++;
            Files.writeString(dir.resolve("out.txt"), "v" + runs[0] + (runs[0] == 1 ? "" : "-longer"));
        });
        Files.writeString(root.resolve("s/out.txt"), "truncated-and-different-size");
        Stages.Record r2 = stages(root).run("s", inputs(1), (dir, resume) -> {
            runs[0]++;
            Files.writeString(dir.resolve("out.txt"), "v" + runs[0] + "-longer");
        });
        assertEquals(2, runs[0]);
        assertNotEquals(r1.outputHash(), r2.outputHash());
        Files.delete(root.resolve("s/out.txt"));
        stages(root).run("s", inputs(1), (dir, resume) -> {
            runs[0]++;
            Files.writeString(dir.resolve("out.txt"), "again");
        });
        assertEquals(3, runs[0], "missing output: redone");
    }

    @Test
    void interruptedStageResumesWithItsPartialFiles(@TempDir Path root) throws IOException {
        assertThrows(IOException.class, () -> stages(root).run("train", inputs(7), (dir, resume) -> {
            assertFalse(resume);
            Files.writeString(dir.resolve("checkpoint"), "step 10");
            throw new IOException("killed");
        }));
        assertFalse(Files.exists(root.resolve("train").resolve(Stages.MANIFEST)), "no manifest for an unfinished stage");
        boolean[] sawResume = {false};
        stages(root).run("train", inputs(7), (dir, resume) -> {
            sawResume[0] = resume;
            assertEquals("step 10", Files.readString(dir.resolve("checkpoint")));
            Files.writeString(dir.resolve("model"), "final");
        });
        assertTrue(sawResume[0]);
        // a partial run with different inputs starts from an empty directory
        assertThrows(IOException.class, () -> stages(root).run("other", inputs(1), (dir, resume) -> {
            Files.writeString(dir.resolve("partial"), "x");
            throw new IOException("killed");
        }));
        stages(root).run("other", inputs(2), (dir, resume) -> {
            assertFalse(resume);
            assertFalse(Files.exists(dir.resolve("partial")));
            Files.writeString(dir.resolve("done"), "y");
        });
    }

    @Test
    void outputHashCoversContentNotBookkeeping(@TempDir Path root) throws IOException {
        Stages.Record a = stages(root).run("x", inputs(1), (dir, r) -> {
            Files.writeString(dir.resolve("f"), "abc");
            Files.createDirectories(dir.resolve(".shard.tmp-123"));
            Files.writeString(dir.resolve(".shard.tmp-123/tokens.bin"), "left by an interrupted write");
        });
        Stages.Record b = stages(root).run("y", inputs(2), (dir, r) -> Files.writeString(dir.resolve("f"), "abc"));
        Stages.Record c = stages(root).run("z", inputs(3), (dir, r) -> Files.writeString(dir.resolve("f"), "abd"));
        assertEquals(a.outputHash(), b.outputHash(), "same files, different inputs: same output hash (temporary files ignored)");
        assertNotEquals(a.outputHash(), c.outputHash());
        assertNotEquals(a.inputHash(), b.inputHash());
    }
}
