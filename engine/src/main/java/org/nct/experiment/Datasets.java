package org.nct.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.data.ExampleSource;
import org.nct.tokenize.BytesTokenizer;
import org.nct.tokenize.GzipTokenizer;
import org.nct.tokenize.SentencePieceTokenizer;
import org.nct.tokenize.TokenPacking;
import org.nct.util.AtomicFiles;
import org.nct.util.Progress;

/**
 * The M2 datasets of the experiment. The training and held-out texts are cut into examples of
 * {@code exampleBytes} bytes; each example is tokenized on its own by the method (the paper
 * compresses every 10,240-byte example separately); its tokens are then cut into M2 sequences of
 * {@code seq + 1} tokens (consecutive, overlapping by the one token that the last target needs),
 * the last one padded. Per split the dataset holds {@code tokens.u16} (little-endian uint16
 * tokens of all examples, back to back) and {@code examples.i32} (per example: token count and
 * byte count, little-endian int32), and per dataset {@code stats.json} with the token counts, the
 * held-out compression ratio and the uniform and unigram bits/byte.
 */
final class Datasets {
    private Datasets() { }

    /** Bumped when the dataset layout or the cutting rule changes (part of the stage inputs). */
    static final int VERSION = 1;
    static final String TRAIN = "train", VALID = "valid", STATS = "stats.json";
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Builds the method's training and held-out datasets into {@code dir}. For a v=65,536 method
     * whose v=256 twin (same coder, 8-bit tokens) is already built, {@code twin} is that dataset:
     * the 16-bit tokens are the twin's code bytes taken in pairs, exactly what encoding again
     * would give (and the round-trip check decodes them with this method's own decoder).
     */
    static void build(Method m, byte[] trainText, byte[] validText, Path m1, Path twin, Preset p, Path dir, Consumer<String> log) throws IOException {
        try (Kernels k = Backends.create();
             CodingModel coder = m.needsM1ForData() ? CodingModel.load(m1, k, IntegerCdf.DEFAULT_PRECISION) : null) {
            build(m, trainText, validText, coder, twin, p, dir, log);
        }
    }

    private static void build(Method m, byte[] trainText, byte[] validText, CodingModel m1, Path twin, Preset p, Path dir,
                              Consumer<String> log) throws IOException {
        Encodings.Encoding tok = encoding(m, trainText, m1, p, dir, log);
        long[] trainCounts = new long[m.vocab()], validCounts = new long[m.vocab()];
        long[] tr = write(tok, trainText, p.exampleBytes(), twin == null ? null : twin.resolve(TRAIN), dir.resolve(TRAIN), trainCounts, m.id() + " train");
        long[] va = write(tok, validText, p.exampleBytes(), twin == null ? null : twin.resolve(VALID), dir.resolve(VALID), validCounts, m.id() + " held-out");
        checkRoundTrip(tok, validText, p.exampleBytes(), dir.resolve(VALID));
        double ratio = Metrics.compressionRatio(va[1], va[0]);
        ObjectNode s = Experiment.JSON.createObjectNode();
        s.put("method", m.paperName()).put("tokenizer", tok.name()).put("vocab", m.vocab())
                .put("train_tokens", tr[0]).put("train_bytes", tr[1]).put("train_examples", tr[2])
                .put("valid_tokens", va[0]).put("valid_bytes", va[1]).put("valid_examples", va[2])
                .put("valid_padding", padding(dir.resolve(VALID), p.m2Seq()))
                .put("ratio", ratio).put("uniform_bits_per_byte", Metrics.uniformBitsPerByte(m.vocab(), ratio))
                .put("unigram_bits_per_byte", Metrics.unigramBitsPerByte(trainCounts, validCounts, ratio));
        Experiment.writeJson(dir.resolve(STATS), s);
        log.accept(String.format(Locale.ROOT, "dataset %s: %,d training tokens, held-out ratio %.3f bytes/token",
                m.paperName(), tr[0], ratio));
    }

    /** The encoder of a method; trains what needs training (spm, the static unigram model) on {@code trainText}. */
    static Encodings.Encoding encoding(Method m, byte[] trainText, CodingModel m1, Preset p, Path dir, Consumer<String> log) throws IOException {
        int tokenBits = m.vocab() == 65536 ? 16 : 8;
        return switch (m.kind()) {
            case BYTES -> Encodings.of(new BytesTokenizer());
            case GZIP -> Encodings.of(new GzipTokenizer(tokenBits));
            case SPM -> {
                long t0 = System.nanoTime();
                SentencePieceTokenizer spm = Encodings.trainSpm(trainText, m.vocab());
                spm.model().write(dir.resolve("spm.model"));
                log.accept(String.format(Locale.ROOT, "spm: trained a %,d-piece Unigram-LM on %,d bytes in %s", m.vocab(),
                        trainText.length, Report.seconds((System.nanoTime() - t0) / 1e9)));
                yield Encodings.of(spm);
            }
            case STATIC_AC -> Encodings.staticAc(trainText, tokenBits);
            case AC -> M1Encodings.ac(m1, tokenBits, M1Encodings.streams(p.exampleBytes()));
            case EQINFO_AC -> M1Encodings.eqinfo(m1, m.bits(), WindowRule.parse(p.windowRule()), tokenBits,
                    M1Encodings.streams(p.exampleBytes()));
        };
    }

    /** Whether a v=65,536 method can be derived from its v=256 twin by pairing code bytes. */
    static boolean packsBytes(Method m) {
        return m.kind() == Method.Kind.GZIP || m.kind() == Method.Kind.STATIC_AC || m.kind() == Method.Kind.AC
                || m.kind() == Method.Kind.EQINFO_AC;
    }

    /**
     * Tokenizes {@code text} in examples of {@code exampleBytes} (or repacks the twin's tokens from
     * {@code twinDir}) and writes the split; adds the token counts into {@code counts}; returns
     * {tokens, bytes, examples}.
     */
    private static long[] write(Encodings.Encoding tok, byte[] text, int exampleBytes, Path twinDir, Path dir, long[] counts,
                                String label) throws IOException {
        Files.createDirectories(dir);
        int n = (int) Math.ceilDiv(text.length, exampleBytes);
        int[][] tokens;
        if (twinDir != null) {
            Tokens twin = Tokens.read(twinDir);
            if (twin.tokenCounts().length != n) throw new IllegalStateException(twinDir + " holds " + twin.tokenCounts().length + " examples, expected " + n);
            tokens = new int[n][];
            for (int i = 0; i < n; i++) {
                byte[] code = new byte[twin.tokenCount(i)];
                for (int j = 0; j < code.length; j++) code[j] = (byte) twin.token(twin.start(i) + j);
                tokens[i] = TokenPacking.pack(code, code.length, 16);
            }
        } else {
            List<byte[]> examples = new ArrayList<>(n);
            for (int i = 0; i < n; i++) examples.add(Arrays.copyOfRange(text, i * exampleBytes, Math.min(text.length, (i + 1) * exampleBytes)));
            try (Progress progress = new Progress("tokenize " + label, text.length, "B")) {
                tokens = tok.encodeAll(examples, progress::advance);
            }
        }
        for (int[] t : tokens) {
            for (int x : t) {
                if (x < 0 || x >= counts.length) throw new IllegalStateException(tok.name() + " produced token " + x + " outside the vocabulary of " + counts.length);
            }
        }
        long total = 0;
        for (int[] t : tokens) {
            for (int x : t) counts[x]++;
            total += t.length;
        }
        AtomicFiles.write(dir.resolve("tokens.u16"), out -> {
            byte[] buf = new byte[2];
            for (int[] t : tokens) {
                for (int x : t) {
                    buf[0] = (byte) x;
                    buf[1] = (byte) (x >>> 8);
                    out.write(buf);
                }
            }
        });
        AtomicFiles.write(dir.resolve("examples.i32"), out -> {
            DataOutputStream d = new DataOutputStream(out);
            for (int i = 0; i < n; i++) {
                int bytes = Math.min(text.length, (i + 1) * exampleBytes) - i * exampleBytes;
                d.writeInt(Integer.reverseBytes(tokens[i].length));
                d.writeInt(Integer.reverseBytes(bytes));
            }
            d.flush();
        });
        return new long[] {total, text.length, n};
    }

    /** Decodes the first held-out example back and compares it with the text (a guard against a broken coder). */
    private static void checkRoundTrip(Encodings.Encoding tok, byte[] text, int exampleBytes, Path dir) throws IOException {
        Tokens t = Tokens.read(dir);
        int[] first = new int[t.tokenCount(0)];
        for (int i = 0; i < first.length; i++) first[i] = t.token(t.start(0) + i);
        byte[] want = Arrays.copyOfRange(text, 0, Math.min(text.length, exampleBytes));
        byte[] back = tok.decode(first, want.length);
        if (!Arrays.equals(back, want)) throw new IllegalStateException(tok.name() + ": the first held-out example does not decode to its text");
    }

    /** One split's tokens and per-example counts. */
    record Tokens(MemorySegment tokens, int[] tokenCounts, int[] byteCounts, long[] starts) {
        static Tokens read(Path dir) throws IOException {
            MemorySegment ex;
            try (FileChannel ch = FileChannel.open(dir.resolve("examples.i32"), StandardOpenOption.READ)) {
                ex = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            }
            int n = (int) (ex.byteSize() / 8);
            int[] tc = new int[n], bc = new int[n];
            long[] st = new long[n];
            long pos = 0;
            for (int i = 0; i < n; i++) {
                tc[i] = ex.get(I32, 8L * i);
                bc[i] = ex.get(I32, 8L * i + 4);
                st[i] = pos;
                pos += tc[i];
            }
            MemorySegment tok;
            try (FileChannel ch = FileChannel.open(dir.resolve("tokens.u16"), StandardOpenOption.READ)) {
                if (ch.size() != 2 * pos) throw new IOException(dir + ": tokens.u16 holds " + ch.size() / 2 + " tokens, examples.i32 says " + pos);
                tok = pos == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            }
            return new Tokens(tok, tc, bc, st);
        }

        int token(long i) {
            return tokens.get(U16, 2 * i) & 0xFFFF;
        }

        int tokenCount(int example) {
            return tokenCounts[example];
        }

        long start(int example) {
            return starts[example];
        }
    }

    /** Padding tokens when the split is cut into sequences of {@code seq + 1}. */
    private static long padding(Path dir, int seq) throws IOException {
        Tokens t = Tokens.read(dir);
        long pad = 0;
        for (int n : t.tokenCounts()) {
            for (int s = 0; s + 1 < n; s += seq) pad += Math.max(0, s + seq + 1 - n);
        }
        return pad;
    }

    /** The M2 examples (sequences of {@code seq + 1} tokens) of one split of a dataset. */
    static ExampleSource open(Path datasetDir, String split, int seq) throws IOException {
        JsonNode s = Experiment.JSON.readTree(datasetDir.resolve(STATS).toFile());
        int vocab = s.get("vocab").asInt();
        Tokens t = Tokens.read(datasetDir.resolve(split));
        long count = 0;
        for (int n : t.tokenCounts()) for (int st = 0; st + 1 < n; st += seq) count++;
        long[] begin = new long[(int) count];
        int[] len = new int[(int) count];
        int k = 0;
        for (int e = 0; e < t.tokenCounts().length; e++) {
            int n = t.tokenCount(e);
            for (int st = 0; st + 1 < n; st += seq) {
                begin[k] = t.start(e) + st;
                len[k++] = Math.min(seq + 1, n - st);
            }
        }
        String describe = "experiment dataset " + s.get("method").asText() + " " + split + " seq=" + seq;
        return new ExampleSource() {
            public int vocabSize() {
                return vocab;
            }

            public int exampleLength() {
                return seq + 1;
            }

            public long size() {
                return begin.length;
            }

            public int read(long index, int[] dst) {
                int i = Math.toIntExact(index);
                int n = len[i];
                for (int j = 0; j < n; j++) dst[j] = t.token(begin[i] + j);
                for (int j = n; j <= seq; j++) dst[j] = -1;
                return n;
            }

            public String describe() {
                return describe;
            }
        };
    }

    /** The dataset's numbers for the report. */
    static Results.Dataset stats(Method m, Path dir) throws IOException {
        JsonNode s = Experiment.JSON.readTree(dir.resolve(STATS).toFile());
        return new Results.Dataset(m, s.get("train_bytes").asLong(), s.get("train_tokens").asLong(), s.get("valid_bytes").asLong(),
                s.get("valid_tokens").asLong(), s.get("valid_padding").asLong(), s.get("uniform_bits_per_byte").asDouble(),
                s.get("unigram_bits_per_byte").asDouble());
    }
}
