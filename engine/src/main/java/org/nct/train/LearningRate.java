package org.nct.train;

/** Learning-rate schedules, as a function of the 1-based step number. */
public sealed interface LearningRate {

    float at(long step);

    /** One line for logs and checkpoints. */
    String describe();

    /**
     * The T5X/paper schedule: {@code base / sqrt(max(step, warmup))} — constant base/√warmup during
     * warmup, then inverse square-root decay (paper: base 1.0, warmup 10,000).
     */
    record Rsqrt(double base, long warmup) implements LearningRate {
        public Rsqrt {
            if (!(base > 0) || !Double.isFinite(base)) throw new IllegalArgumentException("learning rate must be positive, got " + base);
            if (warmup < 1) throw new IllegalArgumentException("warmup must be at least 1 step, got " + warmup);
        }

        @Override
        public float at(long step) {
            return (float) (base / Math.sqrt(Math.max(step, warmup)));
        }

        @Override
        public String describe() {
            return "rsqrt(base=" + base + ", warmup=" + warmup + ")";
        }
    }

    /**
     * Linear warmup from 0 to {@code peak} over {@code warmup} steps, then cosine decay to
     * {@code peak·minRatio} at step {@code total} (constant after).
     */
    record Cosine(double peak, long warmup, long total, double minRatio) implements LearningRate {
        public Cosine {
            if (!(peak > 0) || !Double.isFinite(peak)) throw new IllegalArgumentException("learning rate must be positive, got " + peak);
            if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
            if (total < 1) throw new IllegalArgumentException("cosine schedule needs a positive step count, got " + total);
            if (!(minRatio >= 0 && minRatio <= 1)) throw new IllegalArgumentException("minimum ratio must be in [0, 1], got " + minRatio);
        }

        @Override
        public float at(long step) {
            if (step <= warmup) return (float) (peak * step / Math.max(1, warmup));
            if (step >= total) return (float) (peak * minRatio);
            double progress = (double) (step - warmup) / (total - warmup);
            double cos = 0.5 * (1 + StrictMath.cos(StrictMath.PI * progress));
            return (float) (peak * (minRatio + (1 - minRatio) * cos));
        }

        @Override
        public String describe() {
            return "cosine(peak=" + peak + ", warmup=" + warmup + ", total=" + total + ", min_ratio=" + minRatio + ")";
        }
    }
}
