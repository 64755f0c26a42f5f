package org.nct.tokenize;

import java.io.IOException;
import java.io.OutputStream;
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
        try (Progress progress = new Progress("decode " + tok.name(), shard.size(), "examples")) {
            for (long i = 0; i < shard.size(); i++) {
                int[] t = shard.tokens(i);
                byte[] b;
                try {
                    b = tok.decode(t);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(shard.dir() + ": example " + i + " does not decode: " + e.getMessage());
                }
                CRC32C c = new CRC32C();
                c.update(b);
                if (b.length != shard.byteCount(i) || (int) c.getValue() != shard.byteCrc(i)) {
                    throw new IllegalStateException(shard.dir() + ": example " + i + " decodes to " + b.length
                            + " bytes that differ from the original " + shard.byteCount(i) + " bytes (length or CRC-32C)");
                }
                out.write(b);
                bytes += b.length;
                progress.advance(1);
            }
        }
        return new Result(shard.size(), bytes);
    }
}
