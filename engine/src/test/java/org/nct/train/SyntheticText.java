package org.nct.train;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.nct.data.ExampleSource;

/** Generated English-like bytes cut into examples (tests must not need the C4 sample). */
final class SyntheticText implements ExampleSource {
    private static final String[] WORDS = {"the", "model", "reads", "compressed", "text", "and", "learns", "to", "predict",
            "next", "byte", "of", "a", "stream", "with", "arithmetic", "coding", "windows", "equal", "information"};
    private final byte[] bytes;
    private final int length;
    private final long seed;

    SyntheticText(long seed, int examples, int length) {
        this.length = length;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < examples * length) {
            sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(8) == 0 ? ". " : " ");
        }
        this.bytes = sb.substring(0, examples * length - 3).getBytes(StandardCharsets.US_ASCII); // last example padded
    }

    @Override public int vocabSize() { return 256; }
    @Override public int exampleLength() { return length; }
    @Override public long size() { return (bytes.length + length - 1) / length; }

    @Override
    public int read(long index, int[] dst) {
        int start = (int) (index * length), n = Math.min(length, bytes.length - start);
        for (int i = 0; i < n; i++) dst[i] = bytes[start + i] & 255;
        for (int i = n; i < length; i++) dst[i] = -1;
        return n;
    }

    @Override public String describe() { return "synthetic seed " + seed + ", " + bytes.length + " bytes"; }
}
