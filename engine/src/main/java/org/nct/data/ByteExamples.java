package org.nct.data;

import java.nio.file.Path;
import java.util.List;
import org.nct.InvalidInputException;

/**
 * Fixed-length byte examples (vocabulary 256) cut from a joined byte stream: example i is bytes
 * {@code [i*L, min((i+1)*L, n))} with L = {@link #exampleLength()}. The last example may be
 * shorter; it is kept when it holds at least 2 bytes (one input and one target) and its tail is
 * padding (-1).
 */
public final class ByteExamples implements ExampleSource {
    private final byte[] stream;
    private final int length;
    private final long size;
    private final String describe;

    public ByteExamples(byte[] stream, int exampleLength, String describe) {
        if (exampleLength < 2) throw new InvalidInputException("example length must be at least 2 bytes, got " + exampleLength);
        this.stream = stream;
        this.length = exampleLength;
        long full = stream.length / exampleLength;
        int rest = stream.length % exampleLength;
        this.size = full + (rest >= 2 ? 1 : 0);
        if (size == 0) throw new InvalidInputException("data too short: " + stream.length + " bytes give no example of " + exampleLength + " bytes");
        this.describe = "bytes example-length=" + exampleLength + " " + describe;
    }

    /** Byte examples of T+1 bytes over the {@code split} documents of {@code paths}. */
    public static ByteExamples load(List<Path> paths, Split split, double validationFraction, int exampleLength) {
        JoinedText text = JoinedText.read(paths, split, validationFraction);
        return new ByteExamples(text.bytes(), exampleLength, text.describe());
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int exampleLength() {
        return length;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long index, int[] dst) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("example " + index + " of " + size);
        int start = Math.toIntExact(index * length);
        int n = Math.min(length, stream.length - start);
        for (int i = 0; i < n; i++) dst[i] = stream[start + i] & 0xFF;
        for (int i = n; i < length; i++) dst[i] = -1;
        return n;
    }

    @Override
    public String describe() {
        return describe;
    }
}
