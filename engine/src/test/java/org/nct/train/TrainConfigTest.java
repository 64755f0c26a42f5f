package org.nct.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nct.InvalidSettingException;

/** A TrainConfig out of range names the component in words a library user knows, never a command-line option. */
class TrainConfigTest {

    /** A fixed valid config with one component changed by {@code which}. */
    static TrainConfig with(String which, double v) {
        long steps = 10, warmup = 2, evalEvery = 0, checkpointEvery = 0, logEvery = 1;
        int batch = 4, seq = 32, evalBatches = 2;
        double lr = 1.0, weightDecay = 0, clipNorm = 0;
        switch (which) {
            case "steps" -> steps = (long) v;
            case "batch" -> batch = (int) v;
            case "seq" -> seq = (int) v;
            case "lr" -> lr = v;
            case "warmup" -> warmup = (long) v;
            case "weightDecay" -> weightDecay = v;
            case "clipNorm" -> clipNorm = v;
            case "evalEvery" -> evalEvery = (long) v;
            case "checkpointEvery" -> checkpointEvery = (long) v;
            case "evalBatches" -> evalBatches = (int) v;
            case "logEvery" -> logEvery = (long) v;
            default -> throw new AssertionError(which);
        }
        return new TrainConfig(steps, batch, seq, 1, "adafactor", lr, warmup, weightDecay, clipNorm, evalEvery, evalBatches,
                checkpointEvery, logEvery, true);
    }

    static void assertRefused(String setting, String message, org.junit.jupiter.api.function.Executable build) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, build);
        assertEquals(message, e.getMessage());
        assertEquals(List.of(setting), e.settings());
        assertFalse(e.getMessage().contains("--"), e.getMessage());
    }

    @Test
    void eachBadComponentIsNamedWithItsValue() {
        assertRefused("steps", "steps must be at least 1, got 0", () -> with("steps", 0));
        assertRefused("batch", "batch must be in [1, 65536], got 65537", () -> with("batch", 65537));
        assertRefused("seq", "seq must be in [1, 1048576], got 0", () -> with("seq", 0));
        assertRefused("lr", "lr must be positive, got NaN", () -> with("lr", Double.NaN));
        assertRefused("warmup", "warmup must be >= 0, got -1", () -> with("warmup", -1));
        assertRefused("weightDecay", "weightDecay must be >= 0, got -0.5", () -> with("weightDecay", -0.5));
        assertRefused("clipNorm", "clipNorm must be >= 0, got -1.0", () -> with("clipNorm", -1));
        assertRefused("evalEvery", "evalEvery must be >= 0, got -1", () -> with("evalEvery", -1));
        assertRefused("checkpointEvery", "checkpointEvery must be >= 0, got -2", () -> with("checkpointEvery", -2));
        assertRefused("evalBatches", "evalBatches must be at least 1, got 0", () -> with("evalBatches", 0));
        assertRefused("logEvery", "logEvery must be at least 1, got 0", () -> with("logEvery", 0));
        assertRefused("optimizer", "optimizer must be adafactor or adamw, got 'sgd'",
                () -> new TrainConfig(10, 4, 32, 1, "sgd", 1.0, 2, 0, 0, 0, 2, 0, 1, true));
    }

    @Test
    void inRangeValuesAreKept() {
        TrainConfig c = with("weightDecay", 0.25);
        assertEquals(0.25, c.weightDecay());
        assertEquals(10, c.steps());
    }
}
