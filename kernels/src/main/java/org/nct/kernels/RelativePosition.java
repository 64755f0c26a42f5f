package org.nct.kernels;

/**
 * T5 relative-position buckets for causal (unidirectional) attention, in integer arithmetic so
 * every backend agrees. For distance n = t − s ≥ 0: exact buckets for n &lt; numBuckets/2, then
 * logarithmically spaced buckets up to maxDistance, the last bucket for everything beyond.
 */
public final class RelativePosition {
    private RelativePosition() { }

    /**
     * Bucket of distance n = query − key (n ≥ 0). Matches T5's
     * {@code _relative_position_bucket(bidirectional=False)}: with maxExact = numBuckets/2,
     * n &lt; maxExact maps to n; otherwise maxExact + floor(log(n/maxExact)/log(maxDistance/maxExact)
     * ·(numBuckets − maxExact)), capped at numBuckets − 1. The log ratio is evaluated in double
     * precision by a table built once per (numBuckets, maxDistance): see {@link #table}.
     */
    public static int bucket(int n, int numBuckets, int maxDistance) {
        int maxExact = numBuckets / 2;
        if (n < maxExact) return n;
        // smallest distance that reaches each log bucket, computed exactly with integers:
        // bucket index = maxExact + #{j in 1..(numBuckets-maxExact-1) : n >= threshold(j)}
        int b = maxExact;
        for (int j = 1; j < numBuckets - maxExact; j++) {
            if (n >= threshold(j, numBuckets, maxDistance)) b++; else break;
        }
        return b;
    }

    /**
     * The smallest n with maxExact + floor(log(n/maxExact)/log(maxDistance/maxExact)·(nb−maxExact)) ≥ maxExact + j,
     * i.e. n ≥ maxExact·(maxDistance/maxExact)^(j/(nb−maxExact)). Uses StrictMath (bit-reproducible) in double
     * precision; only integers leave this method, and the test pins the table for the presets.
     */
    static int threshold(int j, int numBuckets, int maxDistance) {
        int maxExact = numBuckets / 2;
        double v = maxExact * StrictMath.pow((double) maxDistance / maxExact, (double) j / (numBuckets - maxExact));
        return (int) Math.ceil(v - 1e-9);
    }

    /** Bucket of every distance 0..maxLen-1 (precompute once per model; kernels index it). */
    public static int[] table(int maxLen, int numBuckets, int maxDistance) {
        int[] t = new int[maxLen];
        for (int n = 0; n < maxLen; n++) t[n] = bucket(n, numBuckets, maxDistance);
        return t;
    }
}
