package org.nct.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the real C4 sample ({@code ../shared/data/c4} beside the repository) for tests. */
public final class TestData {
    private TestData() { }

    /** The repository root (set by surefire), or the working directory's parent chain. */
    public static Path repoRoot() {
        String p = System.getProperty("nct.repo.root");
        if (p != null && !p.isBlank()) return Path.of(p).toAbsolutePath().normalize();
        Path d = Path.of("").toAbsolutePath();
        while (d != null && !Files.exists(d.resolve("nct"))) d = d.getParent();
        return d == null ? Path.of("").toAbsolutePath() : d;
    }

    /** The C4 sample directory, or null when absent. NCT_C4_DIR overrides. */
    public static Path c4DirOrNull() {
        String env = System.getenv("NCT_C4_DIR");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : repoRoot().resolve("../shared/data/c4").normalize();
        return Files.isDirectory(dir) ? dir : null;
    }

    /** The C4 sample directory; skips the calling test (with a message saying why) when absent. */
    public static Path c4Dir() {
        Path dir = c4DirOrNull();
        if (dir == null) {
            System.out.println("SKIPPED: real C4 sample not found at ../shared/data/c4 (set NCT_C4_DIR); this test runs in CI");
        }
        Assumptions.assumeTrue(dir != null, "real C4 sample not found at ../shared/data/c4 (set NCT_C4_DIR)");
        return dir;
    }
}
