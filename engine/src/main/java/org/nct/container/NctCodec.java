package org.nct.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import org.nct.InvalidSettingException;
import org.nct.coding.CodingTask;
import org.nct.coding.StreamDecoder;
import org.nct.coding.StreamEncoder;
import org.nct.coding.WindowDecoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;

/**
 * Compression to and from .nct files with M1. The input is cut into independent blocks (M1's
 * context and the coder restart at each block), which run as concurrent streams of one batched M1;
 * the bytes written do not depend on the thread count or on the number of streams. {@link Encoder}
 * writes version 2 ({@link NctFrames}) front to back, a batch of frames at a time; {@link Decoder}
 * reads versions 1 ({@link NctHeader}) and 2 a batch of blocks at a time. Both hold at most
 * {@link #BATCH_BYTES} of original bytes (plus one frame) whatever the input's size or a header's
 * claims.
 */
public final class NctCodec {
    private NctCodec() { }

    /** Most original bytes an encoder or decoder holds at once (a batch is at least one frame). */
    public static final long BATCH_BYTES = 16L << 20;

    /**
     * Coding settings: W = 0 for plain AC over each block. A window outside {0, 16, 24, ..., 128} is
     * an {@link InvalidSettingException} naming {@code window}; a bad block size or stream count an
     * {@link IllegalArgumentException}.
     */
    public record Settings(int windowBits, WindowRule rule, int blockSize, int streams) {
        public Settings {
            if (windowBits != 0 && (windowBits < 16 || windowBits > 128 || windowBits % 8 != 0)) {
                throw new InvalidSettingException("window must be 0 (plain AC) or a multiple of 8 from 16 to 128, got " + windowBits, "window");
            }
            if (blockSize < 1 || blockSize > NctHeader.MAX_BLOCK) throw new IllegalArgumentException("block size must be 1.." + NctHeader.MAX_BLOCK + " bytes, got " + blockSize);
            if (streams < 1 || streams > 4096) throw new IllegalArgumentException("streams must be 1..4096, got " + streams);
            if (rule == null) rule = WindowRule.G;
        }

        /**
         * Defaults: 1 KiB blocks and 64 streams with windows (the context restarts every window, so
         * the block size only sets the parallelism), 2 KiB blocks and 32 streams for AC.
         */
        public static Settings defaults(int windowBits, WindowRule rule) {
            return windowBits == 0 ? new Settings(0, rule, 2048, 32) : new Settings(windowBits, rule, 1024, 64);
        }
    }

    /** Compresses all of data[0..len) to {@code out}. {@code progress} (may be null) gets bytes done. */
    public static void compress(CodingModel model, Settings s, byte[] data, int len, OutputStream out, LongConsumer progress) throws IOException {
        Encoder e = new Encoder(model, s, out, progress);
        e.write(data, 0, len);
        e.finish();
    }

    /** Compresses everything {@code in} holds to {@code out} in bounded memory; returns the bytes read. */
    public static long compress(CodingModel model, Settings s, InputStream in, OutputStream out, LongConsumer progress) throws IOException {
        Encoder e = new Encoder(model, s, out, progress);
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) >= 0; ) e.write(buf, 0, n);
        e.finish();
        return e.bytesIn();
    }

    /** Convenience: compress to a byte array. */
    public static byte[] compress(CodingModel model, Settings s, byte[] data) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        compress(model, s, data, data.length, o, null);
        return o.toByteArray();
    }

    /**
     * Decompresses an .nct stream (version 1 or 2) to {@code out}; returns the original length.
     * {@code streams} ≤ 0 takes the compressor's default for the file's mode. Any
     * mismatch (model, truncation, corruption, reordering, trailing bytes) is an
     * {@link NctFormatException}; the bytes of a batch are written only after their checks pass,
     * and the last batch only after the checks of the whole file.
     */
    public static long decompress(IntFunction<CodingModel> modelForPrecision, InputStream in, OutputStream out, int streams, LongConsumer progress) throws IOException {
        Decoder d = new Decoder(modelForPrecision, in, streams, progress);
        long n = 0;
        for (byte[] chunk; (chunk = d.nextChunk()) != null; ) {
            out.write(chunk);
            n += chunk.length;
        }
        return n;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static WindowDecoder windowDecoder(CodingModel model, int w, WindowRule rule, byte[] code, byte[] out, int off, int len) {
        WindowDecoder d = new WindowDecoder(w, rule, model.precision());
        d.start(code, 0, code.length / (w / 8), out, off, len);
        return d;
    }

    private static byte[] readFully(InputStream in, int n, String where) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new NctFormatException("truncated .nct file (ends inside " + where + ")");
        return b;
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /**
     * Writes a version 2 .nct stream: bytes written to it are coded a batch of frames at a time;
     * {@link #finish()} (or {@link #close()}, which does not close the underlying stream) codes
     * the rest and writes the trailer. Memory: one batch of original bytes and its codes.
     */
    public static final class Encoder extends OutputStream {
        private final CodingModel model;
        private final Settings s;
        private final OutputStream out;
        private final LongConsumer progress;
        private final int frameBlocks = NctFrames.FRAME_BLOCKS;
        private final int batchBytes;
        private final MessageDigest sha = sha256();
        private byte[] buf = new byte[0];
        private int fill;
        private long raw, blocks, frames;
        private boolean headerWritten, finished;

        public Encoder(CodingModel model, Settings s, OutputStream out, LongConsumer progress) {
            if (s.windowBits() != 0 && s.windowBits() < model.precision()) throw new IllegalArgumentException("window size " + s.windowBits() + " is below the CDF precision " + model.precision());
            this.model = model;
            this.s = s;
            this.out = out;
            this.progress = progress;
            long frameBytes = (long) frameBlocks * s.blockSize();
            long perBatch = Math.max(1, Math.min((s.streams() + frameBlocks - 1) / frameBlocks, BATCH_BYTES / frameBytes));
            this.batchBytes = (int) (perBatch * frameBytes);
        }

        /** Original bytes taken so far. */
        public long bytesIn() {
            return raw + fill;
        }

        @Override
        public void write(int b) throws IOException {
            if (finished) throw new IOException("write after finish");
            if (fill == batchBytes) codeBatch();
            if (buf.length == fill) buf = Arrays.copyOf(buf, (int) Math.min(batchBytes, Math.max(1 << 16, 2L * buf.length)));
            buf[fill++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (finished) throw new IOException("write after finish");
            while (len > 0) {
                if (fill == batchBytes) codeBatch();
                if (buf.length == fill) buf = Arrays.copyOf(buf, (int) Math.min(batchBytes, Math.max(1 << 16, 2L * buf.length)));
                int k = Math.min(len, buf.length - fill);
                System.arraycopy(b, off, buf, fill, k);
                fill += k;
                off += k;
                len -= k;
            }
        }

        /** Codes what is left and writes the trailer; the stream takes no more bytes. Idempotent. */
        public void finish() throws IOException {
            if (finished) return;
            if (fill > 0) codeBatch();
            writeHeader();
            new NctFrames.Trailer(frames, raw, sha.digest()).write(out);
            out.flush();
            finished = true;
            buf = null;
        }

        @Override
        public void close() throws IOException {
            finish();
        }

        private void writeHeader() throws IOException {
            if (headerWritten) return;
            new NctFrames.Header(model.id(), model.precision(), s.windowBits(), s.rule(), s.blockSize(), frameBlocks).write(out);
            headerWritten = true;
        }

        private void codeBatch() throws IOException {
            writeHeader();
            int len = fill, bs = s.blockSize();
            int n = (len + bs - 1) / bs;
            int[] rawLen = new int[n];
            List<CodingTask> tasks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int off = i * bs;
                rawLen[i] = Math.min(bs, len - off);
                if (s.windowBits() == 0) {
                    tasks.add(new StreamEncoder.Task(buf, off, rawLen[i], model.precision()));
                } else {
                    WindowEncoder e = new WindowEncoder(s.windowBits(), s.rule(), model.precision());
                    e.start(buf, off, rawLen[i]);
                    tasks.add(e);
                }
            }
            long before = raw;
            model.run(tasks, s.streams(), progress == null ? null : fed -> progress.accept(before + Math.min(len, fed)));
            byte[][] codes = new byte[n][];
            for (int i = 0; i < n; i++) {
                if (tasks.get(i) instanceof StreamEncoder.Task t) {
                    // the zeros the coder dropped beyond what the decoder may read past the end
                    long pad = Math.max(0, t.droppedZeros() + StreamDecoder.FLUSH_OVERREAD - NctFrames.MAX_OVERREAD);
                    codes[i] = Arrays.copyOf(t.code(), Math.toIntExact(t.code().length + pad));
                } else {
                    codes[i] = ((WindowEncoder) tasks.get(i)).tokens();
                }
            }
            if (s.windowBits() > 0 && s.rule() == WindowRule.GREEDY) checkGreedy(rawLen, codes);
            for (int first = 0; first < n; first += frameBlocks) {
                int m = Math.min(frameBlocks, n - first);
                int[] r = new int[m], k = new int[m], check = new int[m];
                for (int j = 0; j < m; j++) {
                    int i = first + j;
                    r[j] = rawLen[i];
                    k[j] = codes[i].length;
                    check[j] = NctFrames.blockCheck(blocks + i, raw + (long) i * bs, buf, i * bs, rawLen[i]);
                }
                new NctFrames.Table(frames, r, k, check).write(out);
                for (int j = 0; j < m; j++) out.write(codes[first + j]);
                frames++;
            }
            sha.update(buf, 0, len);
            raw += len;
            blocks += n;
            fill = 0;
        }

        /** The greedy rule is not lossless: refuse to write a file it would not decode. */
        private void checkGreedy(int[] rawLen, byte[][] codes) {
            byte[] back = new byte[fill];
            List<CodingTask> tasks = new ArrayList<>();
            for (int i = 0; i < rawLen.length; i++) tasks.add(windowDecoder(model, s.windowBits(), s.rule(), codes[i], back, i * s.blockSize(), rawLen[i]));
            model.run(tasks, s.streams(), null);
            int bad = 0;
            for (int i = 0; i < rawLen.length; i++) {
                int off = i * s.blockSize();
                if (!Arrays.equals(back, off, off + rawLen[i], buf, off, off + rawLen[i])) bad++;
            }
            if (bad > 0) throw new InvalidSettingException("greedy windowing does not decode " + bad + " of " + rawLen.length
                    + " blocks of this input back to the original (it is not lossless); use rule g", "rule");
        }
    }

    /**
     * Reads an .nct stream of version 1 or 2 and yields its original bytes, a checked batch at a
     * time ({@link #nextChunk()}, or as an {@link InputStream}). Errors are
     * {@link NctFormatException}s. Closing closes the underlying stream.
     */
    public static final class Decoder extends InputStream {
        private final IntFunction<CodingModel> models;
        private final InputStream in;
        private int streams;
        private final LongConsumer progress;
        private final NctHeader.CrcInput c;
        private int version;
        private CodingModel model;
        private boolean done;
        private byte[] chunk = new byte[0];
        private int chunkPos;
        private long raw;
        // version 2
        private NctFrames.Header h2;
        private long frames, blocks;
        private boolean sawPartial;
        private final MessageDigest sha = sha256();
        // version 1
        private NctHeader h1;
        private int nextBlock;
        private final CRC32C total1 = new CRC32C();

        /** {@code streams} ≤ 0 takes the compressor's default for the file's mode (see {@link Settings#defaults}). */
        public Decoder(IntFunction<CodingModel> models, InputStream in, int streams, LongConsumer progress) {
            if (streams > 4096) throw new IllegalArgumentException("streams must be 1..4096, got " + streams);
            this.models = models;
            this.in = in;
            this.streams = streams;
            this.progress = progress;
            this.c = new NctHeader.CrcInput(in);
        }

        /** The next checked batch of original bytes, or null after the end (whose checks have passed). */
        public byte[] nextChunk() throws IOException {
            if (done) return null;
            if (version == 0) {
                version = NctHeader.readMagicAndVersion(c);
                if (version == 1) {
                    h1 = NctHeader.readAfterVersion(c, p -> models.apply(p).id());
                    model = models.apply(h1.precision());
                } else {
                    h2 = NctFrames.Header.read(c, p -> models.apply(p).id());
                    model = models.apply(h2.precision());
                }
                if (streams <= 0) streams = Settings.defaults(version == 1 ? h1.windowBits() : h2.windowBits(), WindowRule.G).streams();
            }
            byte[] b = version == 1 ? nextV1() : nextV2();
            if (b == null) done = true;
            return b;
        }

        private LongConsumer progressFrom(long base) {
            return progress == null ? null : fed -> progress.accept(base + fed);
        }

        private byte[] nextV2() throws IOException {
            List<NctFrames.Table> tables = new ArrayList<>();
            List<byte[]> codes = new ArrayList<>();
            NctFrames.Trailer trailer = null;
            long pendingRaw = 0;
            int pendingBlocks = 0;
            while (true) {
                c.resetCrc();
                c.part = "frame " + (frames + tables.size()) + " (the file ends before its trailer)";
                int tag = c.u8();
                if (tag == NctFrames.END_TAG) {
                    trailer = NctFrames.Trailer.read(c);
                    break;
                }
                if (tag != NctFrames.FRAME_TAG) throw new NctFormatException("corrupt .nct file (no frame or trailer where frame " + (frames + tables.size()) + " belongs)");
                if (sawPartial) throw new NctFormatException("corrupt .nct file (a frame follows a frame that is not full)");
                NctFrames.Table t = NctFrames.Table.read(c, h2, frames + tables.size());
                for (int i = 0; i < t.blocks(); i++) codes.add(readFully(in, t.code()[i], "block " + (blocks + pendingBlocks + i)));
                if (!t.full(h2)) sawPartial = true;
                tables.add(t);
                pendingRaw += t.rawBytes();
                pendingBlocks += t.blocks();
                if (pendingBlocks >= streams || pendingRaw + h2.frameBytes() > BATCH_BYTES) break;
            }
            byte[] out = new byte[(int) pendingRaw];
            List<CodingTask> tasks = new ArrayList<>(pendingBlocks);
            int[] rawLen = new int[pendingBlocks], check = new int[pendingBlocks];
            int j = 0;
            for (NctFrames.Table t : tables) {
                for (int i = 0; i < t.blocks(); i++, j++) {
                    rawLen[j] = t.raw()[i];
                    check[j] = t.check()[i];
                }
            }
            int off = 0;
            for (int i = 0; i < pendingBlocks; i++) {
                byte[] code = codes.get(i);
                if (h2.windowBits() == 0) {
                    tasks.add(new StreamDecoder.Task(code, 0, code.length, NctFrames.MAX_OVERREAD, out, off, rawLen[i], h2.precision()));
                } else {
                    tasks.add(windowDecoder(model, h2.windowBits(), h2.rule(), code, out, off, rawLen[i]));
                }
                off += rawLen[i];
            }
            model.run(tasks, streams, progressFrom(raw));
            off = 0;
            for (int i = 0; i < pendingBlocks; i++) {
                long index = blocks + i;
                checkDecoded(tasks.get(i), codes.get(i).length, rawLen[i], index, true, h2.windowBits());
                if (NctFrames.blockCheck(index, raw + off, out, off, rawLen[i]) != check[i]) {
                    throw new NctFormatException("corrupt block " + index + " (checksum mismatch: damaged, or not at its place in the file)");
                }
                off += rawLen[i];
            }
            sha.update(out);
            raw += pendingRaw;
            blocks += pendingBlocks;
            frames += tables.size();
            if (trailer != null) {
                if (trailer.frames() != frames || trailer.rawLength() != raw) {
                    throw new NctFormatException("corrupt .nct file (the trailer records " + trailer.frames() + " frames and " + trailer.rawLength()
                            + " bytes; the file holds " + frames + " frames and " + raw + " bytes)");
                }
                if (!MessageDigest.isEqual(trailer.sha256(), sha.digest())) throw new NctFormatException("corrupt .nct file (SHA-256 of the content mismatch)");
                if (in.read() >= 0) throw new NctFormatException("corrupt .nct file (trailing bytes after the trailer)");
                if (out.length == 0) return null;
                done = true;
            }
            return out;
        }

        /** The coder's own checks of one decoded block. */
        private static void checkDecoded(CodingTask task, int codeLen, int rawLen, long index, boolean strict, int windowBits) throws NctFormatException {
            if (task instanceof StreamDecoder.Task t) {
                if (t.overran() || t.produced() != rawLen) throw new NctFormatException("corrupt block " + index + " (its code ends before its " + rawLen + " bytes)");
                if (strict && !t.consumedAll()) throw new NctFormatException("corrupt block " + index + " (bytes after the end of its code)");
            } else {
                WindowDecoder d = (WindowDecoder) task;
                if (d.produced() != rawLen || (long) d.windowsUsed() * (windowBits / 8) != codeLen) {
                    throw new NctFormatException("corrupt block " + index + " (its windows do not decode to its length)");
                }
            }
        }

        private byte[] nextV1() throws IOException {
            NctHeader h = h1;
            if (nextBlock == h.blocks()) {
                finishV1();
                return null;
            }
            int wave = (int) Math.max(1, Math.min(streams, BATCH_BYTES / h.blockSize()));
            int first = nextBlock, last = Math.min(h.blocks(), first + wave);
            long bytes = 0;
            for (int i = first; i < last; i++) bytes += h.blockRaw()[i];
            byte[] out = new byte[(int) bytes];
            List<CodingTask> tasks = new ArrayList<>();
            int off = 0;
            for (int i = first; i < last; i++) {
                byte[] code = readFully(in, h.blockCode()[i], "block " + i);
                int n = h.blockRaw()[i];
                if (h.windowBits() == 0) {
                    // version 1 stores no padding: allow the flush's zeros, and no more zeros than the block has code bytes
                    tasks.add(new StreamDecoder.Task(code, 0, code.length, NctFrames.MAX_OVERREAD + code.length, out, off, n, h.precision()));
                } else {
                    tasks.add(windowDecoder(model, h.windowBits(), h.rule(), code, out, off, n));
                }
                off += n;
            }
            model.run(tasks, streams, progressFrom(raw));
            off = 0;
            for (int i = first; i < last; i++) {
                int n = h.blockRaw()[i];
                checkDecoded(tasks.get(i - first), h.blockCode()[i], n, i, false, h.windowBits());
                if (crc(out, off, n) != h.blockCrc()[i]) throw new NctFormatException("corrupt block " + i + " (checksum mismatch)");
                off += n;
            }
            total1.update(out);
            raw += out.length;
            nextBlock = last;
            if (nextBlock == h.blocks()) {
                finishV1();
                done = true;
            }
            return out;
        }

        private void finishV1() throws IOException {
            if (in.read() >= 0) throw new NctFormatException("corrupt .nct file (trailing bytes after the last block)");
            if ((int) total1.getValue() != h1.rawCrc()) throw new NctFormatException("corrupt .nct file (checksum of the whole mismatch)");
        }

        /** Makes the current chunk non-empty; false at the end. */
        private boolean fill() throws IOException {
            while (chunkPos == chunk.length) {
                byte[] next = nextChunk();
                if (next == null) return false;
                chunk = next;
                chunkPos = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? chunk[chunkPos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            if (!fill()) return -1;
            int k = Math.min(len, chunk.length - chunkPos);
            System.arraycopy(chunk, chunkPos, b, off, k);
            chunkPos += k;
            return k;
        }

        @Override
        public int available() {
            return chunk.length - chunkPos;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
