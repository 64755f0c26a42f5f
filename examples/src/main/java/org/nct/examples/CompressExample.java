package org.nct.examples;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
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
        byte[] original = Files.readAllBytes(Path.of(args[1]));
        try (NctCompressor nct = NctCompressor.open(Path.of(args[0]))) {
            byte[] packed = nct.compress(original);
            byte[] unpacked = nct.decompress(packed);
            System.out.printf("byte arrays: %d -> %d bytes (ratio %.3f), round trip %s%n",
                    original.length, packed.length, (double) original.length / packed.length,
                    Arrays.equals(original, unpacked) ? "ok" : "FAILED");

            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            try (OutputStream out = nct.compressingStream(sink)) {
                out.write(original);
            }
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            try (InputStream in = nct.decompressingStream(new ByteArrayInputStream(sink.toByteArray()))) {
                in.transferTo(back);
            }
            System.out.printf("streams:     %d -> %d bytes, round trip %s%n", original.length, sink.size(),
                    Arrays.equals(original, back.toByteArray()) ? "ok" : "FAILED");
            System.out.println("model id:    " + nct.modelId());
        }
    }
}
