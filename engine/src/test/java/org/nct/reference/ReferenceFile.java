package org.nct.reference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader of the binary written by {@code tools/torch_reference.py write} (format version 1, see the
 * script's docstring): named float32/int32 tensors, little-endian.
 */
final class ReferenceFile {
    static final byte[] MAGIC = "NCTREF\0\0".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;

    /** One record: its shape and either float or int data. */
    record Entry(long[] shape, float[] floats, int[] ints) { }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private ReferenceFile() { }

    /** Loads a classpath resource, e.g. {@code /reference/tiny-v1.bin}. */
    static ReferenceFile load(String resource) throws IOException {
        try (InputStream in = ReferenceFile.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("test resource " + resource + " not found");
            return parse(in.readAllBytes());
        }
    }

    static ReferenceFile parse(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            byte[] magic = new byte[MAGIC.length];
            b.get(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new IOException("not an nct reference file (bad magic)");
            int version = b.getInt();
            if (version != VERSION) throw new IOException("reference file version " + version + ", expected " + VERSION);
            int count = b.getInt();
            ReferenceFile f = new ReferenceFile();
            for (int r = 0; r < count; r++) {
                byte[] name = new byte[b.getInt()];
                b.get(name);
                int dtype = b.getInt();
                long[] shape = new long[b.getInt()];
                long n = 1;
                for (int i = 0; i < shape.length; i++) n *= (shape[i] = b.getLong());
                Entry e;
                if (dtype == 0) {
                    float[] v = new float[Math.toIntExact(n)];
                    b.asFloatBuffer().get(v);
                    e = new Entry(shape, v, null);
                } else if (dtype == 1) {
                    int[] v = new int[Math.toIntExact(n)];
                    b.asIntBuffer().get(v);
                    e = new Entry(shape, null, v);
                } else {
                    throw new IOException("unknown dtype " + dtype);
                }
                b.position(b.position() + Math.toIntExact(n) * 4);
                f.entries.put(new String(name, StandardCharsets.UTF_8), e);
            }
            if (b.hasRemaining()) throw new IOException(b.remaining() + " trailing bytes");
            return f;
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("reference file is truncated", e);
        }
    }

    /** Record names in file order. */
    List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException("reference file has no record '" + name + "'");
        return e;
    }

    float[] floats(String name) {
        float[] v = entry(name).floats();
        if (v == null) throw new IllegalArgumentException("record '" + name + "' is not float32");
        return v;
    }

    int[] ints(String name) {
        int[] v = entry(name).ints();
        if (v == null) throw new IllegalArgumentException("record '" + name + "' is not int32");
        return v;
    }

    int intScalar(String name) {
        return ints(name)[0];
    }

    float floatScalar(String name) {
        return floats(name)[0];
    }

    long[] shape(String name) {
        return entry(name).shape();
    }
}
