package org.nct.tokenize;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.nct.util.Progress;

/** Decodes a shard back to text and checks every example against its recorded byte count and CRC-32C. */
public final class ShardDecoder {
    private ShardDecoder() { }

    /** Result: examples and bytes written. */
    public record Result(long examples, long bytes) { }

    /**
     * Writes the decoded bytes of every example, in order, to {@code out}. Throws
     * {@link IllegalStateException} naming the first example whose decoded bytes differ from the
     * original (wrong length or CRC-32C).
     */
    public static Result decode(Shard.Reader shard, Tokenizer tok, OutputStream out) throws IOException {
        long bytes = 0;
        int chunk = tok.parallel() ? 1 : 64;
        try (Progress progress = new Progress("decode " + tok.name(), shard.size(), "examples")) {
            for (long start = 0; start < shard.size(); start += chunk) {
                int m = (int) Math.min(chunk, shard.size() - start);
                List<int[]> tokens = new ArrayList<>(m);
                int[] lengths = new int[m];
                for (int k = 0; k < m; k++) {
                    tokens.add(shard.tokens(start + k));
                    lengths[k] = shard.byteCount(start + k);
                }
                List<byte[]> decoded;
                try {
                    decoded = tok.decodeAll(tokens, lengths);
                } catch (IllegalArgumentException | org.nct.coding.CorruptInputException e) {
                    throw new IllegalStateException(shard.dir() + ": example" + (m == 1 ? " " + start : "s " + start + ".." + (start + m - 1))
                            + " do" + (m == 1 ? "es" : "") + " not decode: " + e.getMessage());
                }
                for (int k = 0; k < m; k++) {
                    long i = start + k;
                    byte[] b = decoded.get(k);
                    CRC32C c = new CRC32C();
                    c.update(b);
                    if (b.length != shard.byteCount(i) || (int) c.getValue() != shard.byteCrc(i)) {
                        throw new IllegalStateException(shard.dir() + ": example " + i + " decodes to " + b.length
                                + " bytes that differ from the original " + shard.byteCount(i) + " bytes (length or CRC-32C)");
                    }
                    out.write(b);
                    bytes += b.length;
                }
                progress.advance(m);
            }
        }
        return new Result(shard.size(), bytes);
    }
}
