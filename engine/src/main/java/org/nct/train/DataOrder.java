package org.nct.train;

import java.util.SplittableRandom;

/**
 * Seeded example order: epoch e visits every example exactly once in the order of a
 * Fisher–Yates permutation drawn from {@code SplittableRandom(seed)} split by epoch. The position
 * (epoch, index within the epoch) is all a checkpoint needs to continue exactly.
 */
public final class DataOrder {

    private final long seed;
    private final int size;
    private final int[] perm;
    private long epoch;
    private int position;

    public DataOrder(long seed, long size) {
        if (size < 1) throw new IllegalArgumentException("the training data holds no examples");
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("too many examples for one epoch order: " + size);
        this.seed = seed;
        this.size = (int) size;
        this.perm = new int[this.size];
        seek(0, 0);
    }

    /** Moves to example {@code position} of epoch {@code epoch}. */
    public void seek(long epoch, long position) {
        if (epoch < 0 || position < 0 || position > size) throw new IllegalArgumentException("invalid data position " + epoch + ":" + position + " for " + size + " examples");
        this.epoch = epoch;
        this.position = (int) position;
        permute(epoch);
    }

    private void permute(long e) {
        SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (e + 1)));
        for (int i = 0; i < size; i++) perm[i] = i;
        for (int i = size - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
    }

    /** The next example index (rolls over into the next epoch). */
    public int next() {
        if (position == size) {
            epoch++;
            position = 0;
            permute(epoch);
        }
        return perm[position++];
    }

    public long epoch() {
        return epoch;
    }

    public long position() {
        return position;
    }

    public long seed() {
        return seed;
    }

    public long size() {
        return size;
    }
}
