package org.nct.train;

import org.nct.InvalidSettingException;

/**
 * Hyperparameters of a training run. A value out of range is an {@link InvalidSettingException}
 * that names the component ("steps must be at least 1, got 0").
 *
 * @param steps           total number of optimizer steps (the run ends at this step)
 * @param batch           sequences per step
 * @param seq             tokens per sequence (examples hold seq + 1 tokens)
 * @param seed            seed of the initialisation and of the data order
 * @param optimizer       "adafactor" (T5X, with the rsqrt schedule) or "adamw" (warmup + cosine)
 * @param lr              base learning rate (rsqrt: lr/√max(step, warmup); cosine: the peak)
 * @param warmup          warmup steps
 * @param weightDecay     AdamW weight decay on matrices (ignored by Adafactor)
 * @param clipNorm        global gradient-norm clipping threshold; 0 disables it
 * @param evalEvery       steps between validation passes; 0: only at the end
 * @param evalBatches     validation batches per pass (the first evalBatches·batch validation examples)
 * @param checkpointEvery steps between checkpoints; 0: only at the end
 * @param logEvery        steps between training metric lines
 * @param byteLevel       the tokens are bytes, so bits/byte = loss/ln 2 is reported
 */
public record TrainConfig(long steps, int batch, int seq, long seed, String optimizer, double lr, long warmup,
                          double weightDecay, double clipNorm, long evalEvery, int evalBatches, long checkpointEvery,
                          long logEvery, boolean byteLevel) {

    public TrainConfig {
        if (steps < 1) throw bad("steps", "must be at least 1, got " + steps);
        if (batch < 1 || batch > 1 << 16) throw bad("batch", "must be in [1, 65536], got " + batch);
        if (seq < 1 || seq > 1 << 20) throw bad("seq", "must be in [1, 1048576], got " + seq);
        if (!optimizer.equals("adafactor") && !optimizer.equals("adamw")) throw bad("optimizer", "must be adafactor or adamw, got '" + optimizer + "'");
        if (!(lr > 0) || !Double.isFinite(lr)) throw bad("lr", "must be positive, got " + lr);
        if (warmup < 0) throw bad("warmup", "must be >= 0, got " + warmup);
        if (!(weightDecay >= 0)) throw bad("weightDecay", "must be >= 0, got " + weightDecay);
        if (!(clipNorm >= 0)) throw bad("clipNorm", "must be >= 0, got " + clipNorm);
        if (evalEvery < 0) throw bad("evalEvery", "must be >= 0, got " + evalEvery);
        if (checkpointEvery < 0) throw bad("checkpointEvery", "must be >= 0, got " + checkpointEvery);
        if (evalBatches < 1) throw bad("evalBatches", "must be at least 1, got " + evalBatches);
        if (logEvery < 1) throw bad("logEvery", "must be at least 1, got " + logEvery);
    }

    /** "SETTING PROBLEM", naming the setting by its component name. */
    private static InvalidSettingException bad(String setting, String problem) {
        return new InvalidSettingException(setting + " " + problem, setting);
    }

    /** CPU defaults: Adafactor, rsqrt with base 1.0 as in the paper but a short warmup (paper: 10,000). */
    public static TrainConfig defaults(long steps, int batch, int seq) {
        return new TrainConfig(steps, batch, seq, 1, "adafactor", 1.0, 1000, 0.0, 0.0, 0, 8, 0, 10, true);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(steps, batch, seq, s, optimizer, lr, warmup, weightDecay, clipNorm, evalEvery, evalBatches, checkpointEvery, logEvery, byteLevel);
    }

    public LearningRate schedule() {
        return optimizer.equals("adafactor") ? new LearningRate.Rsqrt(lr, Math.max(1, warmup))
                : new LearningRate.Cosine(lr, warmup, steps, 0.1);
    }
}
