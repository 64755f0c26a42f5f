package org.nct.examples;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.nct.api.NctCompressor;

/**
 * Embedding nct: compress a file with an M1 checkpoint, once through byte arrays and once through
 * the stream wrappers, and check that both decode back to the original.
 *
 * <pre>
 * java -cp ... org.nct.examples.CompressExample m1.safetensors input.txt
 * </pre>
 */
public final class CompressExample {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: CompressExample CHECKPOINT FILE");
            System.exit(2);
        }
        if (!run(Path.of(args[0]), Path.of(args[1]), System.out)) System.exit(1);
    }

    /** Compresses {@code file} both ways, reports on {@code out}; true when both round trips are exact. */
    public static boolean run(Path checkpoint, Path file, PrintStream out) throws IOException {
        byte[] original = Files.readAllBytes(file);
        try (NctCompressor nct = NctCompressor.builder().model(checkpoint).build()) {
            byte[] packed = nct.compress(original);
            byte[] unpacked = nct.decompress(packed);
            boolean arraysOk = Arrays.equals(original, unpacked);
            out.printf("byte arrays: %d -> %d bytes (ratio %.3f), round trip %s%n",
                    original.length, packed.length, (double) original.length / packed.length, arraysOk ? "ok" : "FAILED");

            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            try (OutputStream enc = nct.compressingStream(sink)) {
                enc.write(original);
            }
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            try (InputStream dec = nct.decompressingStream(new ByteArrayInputStream(sink.toByteArray()))) {
                dec.transferTo(back);
            }
            boolean streamsOk = Arrays.equals(original, back.toByteArray());
            out.printf("streams:     %d -> %d bytes, round trip %s%n", original.length, sink.size(), streamsOk ? "ok" : "FAILED");
            out.println("model id:    " + nct.modelId());
            return arraysOk && streamsOk;
        }
    }
}
