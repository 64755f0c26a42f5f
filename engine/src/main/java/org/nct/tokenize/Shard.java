package org.nct.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.nct.InvalidInputException;
import org.nct.data.ExampleSource;
import org.nct.util.AtomicFiles;
import org.nct.util.Progress;

/**
 * A token shard: one directory with
 * <ul>
 *   <li>{@code tokens.bin} — the real tokens of every example, back to back, little-endian
 *       uint16 (padding is not stored);</li>
 *   <li>{@code examples.bin} — per example, little-endian: int64 offset of its first token (in
 *       tokens), int32 token count, int32 byte count (the example prefix those tokens stand for),
 *       int32 CRC-32C of those bytes — 20 bytes each;</li>
 *   <li>{@code metadata.json} — method, parameters, M1 model id, example length, sequence
 *       length, totals, padding, compression ratio, file sizes and CRC-32Cs; written last;</li>
 *   <li>{@code spm.model} for the spm method (the model that decodes the shard).</li>
 * </ul>
 * A shard is built in a temporary sibling directory and renamed into place when complete, so an
 * interrupted build never leaves a directory with {@code metadata.json} that is not whole.
 */
public final class Shard {
    private Shard() { }

    public static final int FORMAT = 1;
    /** Largest example a reader accepts, in tokens (the int[] a read fills) and in original bytes (what a decode allocates). */
    public static final int MAX_EXAMPLE_TOKENS = 1 << 24, MAX_EXAMPLE_BYTES = 1 << 24;
    public static final String TOKENS = "tokens.bin", EXAMPLES = "examples.bin", METADATA = "metadata.json", SPM_MODEL = "spm.model";
    /** Bytes per example record in {@code examples.bin}. */
    public static final int RECORD = 20;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a build is: the tokenizer and how examples are cut and fitted. */
    public record Spec(Tokenizer tokenizer, int exampleBytes, int seq, String source, int threads) {
        /** Tokens stored per example at most: seq + 1 (inputs and the last target), or unlimited when seq is 0. */
        public int capacity() {
            return seq > 0 ? seq + 1 : Integer.MAX_VALUE;
        }
    }

    /** Totals of a build. */
    public record Totals(long examples, long tokens, long padding, long bytes, long sourceBytes, int maxTokens) {
        public double ratio() {
            return tokens == 0 ? 0 : (double) bytes / tokens;
        }
    }

    /** The examples of a joined byte stream: consecutive slices of {@code exampleBytes} (the last may be shorter). */
    public static List<byte[]> cut(byte[] stream, int exampleBytes) {
        if (exampleBytes < 1) throw new InvalidInputException("example length must be at least 1 byte, got " + exampleBytes);
        List<byte[]> out = new ArrayList<>();
        for (int s = 0; s < stream.length; s += exampleBytes) out.add(java.util.Arrays.copyOfRange(stream, s, Math.min(stream.length, s + exampleBytes)));
        return out;
    }

    /**
     * Builds the shard of {@code examples} into {@code dir} (which must not exist unless
     * {@code replace}). Examples are encoded in parallel and written in order: the bytes of the
     * shard depend only on the examples and the tokenizer.
     */
    public static Totals build(List<byte[]> examples, Spec spec, Path dir, boolean replace, Map<String, byte[]> extraFiles) throws IOException {
        if (examples.isEmpty()) throw new InvalidInputException("no examples to tokenize");
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && !replace) throw new InvalidInputException("output " + dir + " exists; remove it, or build with replace = true");
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        AtomicFiles.track(tmp);
        boolean ok = false;
        try {
            for (Map.Entry<String, byte[]> e : extraFiles.entrySet()) AtomicFiles.write(tmp.resolve(e.getKey()), e.getValue());
            Totals totals = write(examples, spec, tmp);
            makeReadable(tmp);
            if (Files.exists(target)) deleteTree(target);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            ok = true;
            return totals;
        } finally {
            try {
                if (!ok) deleteTree(tmp);
            } finally {
                AtomicFiles.release(tmp);
            }
        }
    }

    private static Totals write(List<byte[]> examples, Spec spec, Path dir) throws IOException {
        Tokenizer tok = spec.tokenizer();
        int cap = spec.capacity();
        int n = examples.size();
        CRC32C tokCrc = new CRC32C(), exCrc = new CRC32C();
        long tokens = 0, bytes = 0, source = 0, padding = 0;
        int maxTokens = 0;
        int threads = tok.parallel() ? Math.max(1, spec.threads()) : 1;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tokenize");
            t.setDaemon(true);
            return t;
        });
        try (OutputStream tokOut = new BufferedOutputStream(Files.newOutputStream(dir.resolve(TOKENS)), 1 << 16);
             OutputStream exOut = new BufferedOutputStream(Files.newOutputStream(dir.resolve(EXAMPLES)), 1 << 16);
             Progress progress = new Progress("tokenize " + tok.name(), n, "examples")) {
            int chunk = tok.parallel() ? Math.max(16, threads * 8) : 64;
            for (int start = 0; start < n; start += chunk) {
                List<byte[]> part = examples.subList(start, Math.min(n, start + chunk));
                List<Tokenizer.Prefix> prefixes = new ArrayList<>(part.size());
                if (tok.parallel()) {
                    List<Future<Tokenizer.Prefix>> futures = new ArrayList<>();
                    for (byte[] ex : part) futures.add(pool.submit(() -> tok.encodePrefix(ex, cap)));
                    for (Future<Tokenizer.Prefix> f : futures) prefixes.add(get(f));
                } else {
                    prefixes.addAll(tok.encodePrefixes(part, cap)); // one batch (M1)
                }
                for (int k = 0; k < part.size(); k++) {
                    Tokenizer.Prefix p = prefixes.get(k);
                    byte[] ex = examples.get(start + k);
                    byte[] tb = new byte[p.tokens().length * 2];
                    for (int j = 0; j < p.tokens().length; j++) {
                        int t = p.tokens()[j];
                        if (t < 0 || t >= tok.vocabSize()) throw new IllegalStateException(tok.name() + " produced token " + t + " outside its vocabulary");
                        tb[2 * j] = (byte) t;
                        tb[2 * j + 1] = (byte) (t >>> 8);
                    }
                    tokOut.write(tb);
                    tokCrc.update(tb);
                    CRC32C c = new CRC32C();
                    c.update(ex, 0, p.bytes());
                    byte[] rec = new byte[RECORD];
                    java.nio.ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN).putLong(tokens).putInt(p.tokens().length)
                            .putInt(p.bytes()).putInt((int) c.getValue());
                    exOut.write(rec);
                    exCrc.update(rec);
                    tokens += p.tokens().length;
                    bytes += p.bytes();
                    source += ex.length;
                    maxTokens = Math.max(maxTokens, p.tokens().length);
                    if (spec.seq() > 0) padding += cap - p.tokens().length;
                }
                progress.advance(part.size());
            }
        } finally {
            pool.shutdownNow();
        }
        Totals totals = new Totals(n, tokens, padding, bytes, source, maxTokens);
        fsync(dir.resolve(TOKENS));
        fsync(dir.resolve(EXAMPLES));
        AtomicFiles.write(dir.resolve(METADATA), metadata(tok, spec, totals, tokCrc.getValue(), exCrc.getValue()));
        return totals;
    }

    /**
     * The {@code metadata.json} bytes of a shard of {@code totals} built by {@code spec}, whose
     * {@code tokens.bin} and {@code examples.bin} have CRC-32Cs {@code tokensCrc} and
     * {@code examplesCrc}. Builders that assemble a shard from parts (Spark) write the same bytes.
     */
    public static byte[] metadata(Tokenizer tok, Spec spec, Totals totals, long tokensCrc, long examplesCrc) throws IOException {
        int cap = spec.capacity();
        long n = totals.examples(), tokens = totals.tokens();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "nct-token-shard");
        meta.put("version", FORMAT);
        meta.put("method", tok.name());
        meta.put("parameters", tok.parameters());
        meta.put("vocab_size", tok.vocabSize());
        meta.put("m1_model_id", tok.parameters().get("m1_model_id"));
        meta.put("example_bytes", spec.exampleBytes());
        meta.put("seq", spec.seq());
        meta.put("example_tokens", spec.seq() > 0 ? cap : totals.maxTokens());
        meta.put("examples", n);
        meta.put("tokens", tokens);
        meta.put("padding_tokens", totals.padding());
        meta.put("non_padding_fraction", spec.seq() > 0 ? (double) tokens / ((double) n * cap) : 1.0);
        meta.put("bytes", totals.bytes());
        meta.put("source_bytes", totals.sourceBytes());
        meta.put("compression_ratio", totals.ratio());
        meta.put("source", spec.source());
        meta.put("tokens_crc32c", String.format("%08x", tokensCrc));
        meta.put("examples_crc32c", String.format("%08x", examplesCrc));
        return JSON.writeValueAsBytes(meta);
    }

    /** Temporary directories and files are private to their owner; a finished shard is readable like any output. */
    private static void makeReadable(Path dir) throws IOException {
        if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) return;
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    private static <T> T get(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            throw new IOException(c);
        }
    }

    private static void fsync(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /** An opened shard: memory-mapped tokens and example table, as an {@link ExampleSource}. */
    public static final class Reader implements ExampleSource, AutoCloseable {
        private final Path dir;
        private final JsonNode meta;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment tokens, table;
        private final long count;
        private final int length, vocab;
        private volatile boolean tokensChecked;

        public Reader(Path dir) {
            this.dir = dir;
            Path m = dir.resolve(METADATA);
            if (!Files.isDirectory(dir)) throw new InvalidInputException("shard not found: " + dir);
            if (!Files.exists(m)) throw new InvalidInputException(dir + " is not a complete shard (no " + METADATA + "; an interrupted build?)");
            try {
                meta = JSON.readTree(m.toFile());
                if (!"nct-token-shard".equals(meta.path("format").asText()) || meta.path("version").asInt() != FORMAT) {
                    throw new InvalidInputException(m + ": not an nct token shard of format version " + FORMAT);
                }
                count = meta.path("examples").asLong(-1);
                long len = meta.path("example_tokens").asLong(-1);
                vocab = meta.path("vocab_size").asInt(-1);
                long nTokens = meta.path("tokens").asLong(-1);
                if (count < 1 || count > Long.MAX_VALUE / RECORD || len < 1 || vocab < 2 || vocab > 65536 || nTokens < 0 || nTokens > Long.MAX_VALUE / 2) {
                    throw new InvalidInputException(m + ": bad counts in metadata");
                }
                if (len > MAX_EXAMPLE_TOKENS) throw new InvalidInputException(m + ": example_tokens " + len + " is above the limit of " + MAX_EXAMPLE_TOKENS);
                length = (int) len;
                tokens = map(dir.resolve(TOKENS), nTokens * 2);
                table = map(dir.resolve(EXAMPLES), count * RECORD);
                String bad = crcMismatch(EXAMPLES, table, "examples_crc32c");
                if (bad != null) throw new InvalidInputException(bad);
                checkTable(nTokens);
            } catch (NoSuchFileException e) {
                arena.close();
                throw new InvalidInputException("shard " + dir + " is missing " + e.getFile());
            } catch (IOException e) {
                arena.close();
                throw new InvalidInputException("cannot read shard " + dir + ": " + e.getMessage());
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }

        /** Compares a file's CRC-32C with the one metadata.json records for it; returns the mismatch, or null. */
        private String crcMismatch(String file, MemorySegment data, String key) {
            String want = meta.path(key).asText("");
            CRC32C c = new CRC32C();
            for (long off = 0; off < data.byteSize(); off += 1 << 24) {
                c.update(data.asSlice(off, Math.min(1 << 24, data.byteSize() - off)).asByteBuffer());
            }
            String got = String.format("%08x", c.getValue());
            return got.equals(want) ? null
                    : dir.resolve(file) + ": CRC-32C " + got + " differs from " + key + " " + (want.isEmpty() ? "(missing)" : want) + " in " + METADATA + " (damaged shard)";
        }

        /**
         * The tokens are checked against tokens_crc32c once, before the first example is read (not
         * at open: opening only to look at metadata need not read the whole file).
         */
        private void checkTokens() {
            if (tokensChecked) return;
            synchronized (this) {
                if (tokensChecked) return;
                String bad = crcMismatch(TOKENS, tokens, "tokens_crc32c");
                if (bad != null) throw new IllegalStateException(bad);
                tokensChecked = true;
            }
        }

        /** Every example's tokens lie back to back inside tokens.bin, fit the example length, and its byte count is bounded. */
        private void checkTable(long nTokens) {
            long next = 0;
            for (long i = 0; i < count; i++) {
                long off = table.get(I64, i * RECORD);
                int n = tokenCount(i), b = byteCount(i);
                if (off != next || n < 0 || n > length || b < 0 || b > MAX_EXAMPLE_BYTES) {
                    throw new InvalidInputException(dir.resolve(EXAMPLES) + ": example " + i + " has a corrupt entry (offset " + off + ", " + n + " tokens, " + b + " bytes)");
                }
                next += n;
            }
            if (next != nTokens) throw new InvalidInputException(dir.resolve(EXAMPLES) + ": examples hold " + next + " tokens, metadata says " + nTokens);
        }

        private MemorySegment map(Path f, long expected) throws IOException {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                if (ch.size() != expected) throw new InvalidInputException(f + ": " + ch.size() + " bytes, metadata says " + expected);
                if (expected == 0) return MemorySegment.NULL;
                return ch.map(FileChannel.MapMode.READ_ONLY, 0, expected, arena);
            }
        }

        public JsonNode metadata() {
            return meta;
        }

        public Path dir() {
            return dir;
        }

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public int exampleLength() {
            return length;
        }

        @Override
        public long size() {
            return count;
        }

        /** Real tokens of example {@code i}. */
        public int tokenCount(long i) {
            return table.get(I32, i * RECORD + 8);
        }

        /** Bytes of the source example that those tokens stand for. */
        public int byteCount(long i) {
            return table.get(I32, i * RECORD + 12);
        }

        /** CRC-32C of those bytes. */
        public int byteCrc(long i) {
            return table.get(I32, i * RECORD + 16);
        }

        @Override
        public int read(long index, int[] dst) {
            if (index < 0 || index >= count) throw new IndexOutOfBoundsException("example " + index + " of " + count);
            checkTokens();
            long off = table.get(I64, index * RECORD);
            int n = tokenCount(index);
            if (n < 0 || n > length || off < 0 || off > tokens.byteSize() / 2 - n) {
                throw new IllegalStateException(dir + ": example " + index + " has a corrupt table entry");
            }
            for (int i = 0; i < n; i++) dst[i] = tokens.get(U16, (off + i) * 2) & 0xFFFF;
            for (int i = n; i < length; i++) dst[i] = -1;
            return n;
        }

        /** The real tokens of example {@code i}. */
        public int[] tokens(long i) {
            int[] t = new int[length];
            int n = read(i, t);
            return java.util.Arrays.copyOf(t, n);
        }

        @Override
        public String describe() {
            return "shard " + dir + " method=" + meta.path("method").asText() + " examples=" + count + " example-tokens=" + length;
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
