package org.nct.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import org.nct.coding.CodingTask;
import org.nct.coding.StreamDecoder;
import org.nct.coding.StreamEncoder;
import org.nct.coding.WindowDecoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;

/**
 * Compression to and from .nct files with M1 ({@link NctHeader} describes the layout). The input
 * is cut into independent blocks (M1's context and the coder restart at each block), which run as
 * concurrent streams of one batched M1; the bytes written do not depend on the thread count or on
 * the number of streams. Decompression works in waves of blocks, so memory stays bounded by the
 * validated block sizes whatever a header claims.
 */
public final class NctCodec {
    private NctCodec() { }

    /** Coding settings: W = 0 for plain AC over each block. */
    public record Settings(int windowBits, WindowRule rule, int blockSize, int streams) {
        public Settings {
            if (windowBits != 0 && (windowBits < 16 || windowBits > 128 || windowBits % 8 != 0)) {
                throw new IllegalArgumentException("--window must be 0 (plain AC) or a multiple of 8 from 16 to 128, got " + windowBits);
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
        if (s.windowBits() != 0 && s.windowBits() < model.precision()) throw new IllegalArgumentException("window size " + s.windowBits() + " is below the CDF precision " + model.precision());
        int n = (int) ((len + (long) s.blockSize() - 1) / s.blockSize());
        int[] raw = new int[n], crcs = new int[n];
        List<CodingTask> tasks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int off = i * s.blockSize();
            raw[i] = Math.min(s.blockSize(), len - off);
            crcs[i] = crc(data, off, raw[i]);
            if (s.windowBits() == 0) {
                tasks.add(new StreamEncoder.Task(data, off, raw[i], model.precision()));
            } else {
                WindowEncoder e = new WindowEncoder(s.windowBits(), s.rule(), model.precision());
                e.start(data, off, raw[i]);
                tasks.add(e);
            }
        }
        model.run(tasks, s.streams(), progress);
        byte[][] codes = new byte[n][];
        int[] codeLen = new int[n];
        for (int i = 0; i < n; i++) {
            codes[i] = tasks.get(i) instanceof StreamEncoder.Task t ? t.code() : ((WindowEncoder) tasks.get(i)).tokens();
            codeLen[i] = codes[i].length;
        }
        if (s.windowBits() > 0 && s.rule() == WindowRule.GREEDY) checkGreedy(model, s, data, raw, codes);
        NctHeader h = new NctHeader(model.id(), model.precision(), s.windowBits(), s.rule(), s.blockSize(), len,
                crc(data, 0, len), raw, codeLen, crcs);
        h.write(out);
        for (byte[] c : codes) out.write(c);
    }

    /** The greedy rule is not lossless: refuse to write a file it would not decode. */
    private static void checkGreedy(CodingModel model, Settings s, byte[] data, int[] raw, byte[][] codes) {
        byte[] back = new byte[data.length];
        List<CodingTask> tasks = new ArrayList<>();
        for (int i = 0; i < raw.length; i++) tasks.add(windowDecoder(model, s.windowBits(), s.rule(), codes[i], back, i * s.blockSize(), raw[i]));
        model.run(tasks, s.streams(), null);
        int bad = 0;
        for (int i = 0; i < raw.length; i++) {
            int off = i * s.blockSize();
            if (!java.util.Arrays.equals(back, off, off + raw[i], data, off, off + raw[i])) bad++;
        }
        if (bad > 0) throw new IllegalArgumentException("the greedy window rule does not decode " + bad + " of " + raw.length
                + " blocks of this input back to the original (it is not lossless); use --rule g");
    }

    private static WindowDecoder windowDecoder(CodingModel model, int w, WindowRule rule, byte[] code, byte[] out, int off, int len) {
        WindowDecoder d = new WindowDecoder(w, rule, model.precision());
        d.start(code, 0, code.length / (w / 8), out, off, len);
        return d;
    }

    /**
     * Decompresses an .nct stream to {@code out}; returns the original length. {@code streams} ≤ 0
     * takes the compressor's default for the file's mode. Any mismatch
     * (model, truncation, corruption, trailing bytes) is an {@link NctFormatException}.
     */
    public static long decompress(IntFunction<CodingModel> modelForPrecision, InputStream in, OutputStream out, int streams, LongConsumer progress) throws IOException {
        NctHeader h = NctHeader.read(in, p -> modelForPrecision.apply(p).id());
        CodingModel model = modelForPrecision.apply(h.precision());
        if (streams <= 0) streams = Settings.defaults(h.windowBits(), h.rule()).streams();
        CRC32C total = new CRC32C();
        long done = 0;
        int wave = Math.max(1, Math.min(streams, (int) Math.max(1, (256L << 20) / Math.max(1, h.blockSize()))));
        for (int first = 0; first < h.blocks(); first += wave) {
            int last = Math.min(h.blocks(), first + wave);
            List<CodingTask> tasks = new ArrayList<>();
            List<WindowDecoder> windowTasks = new ArrayList<>();
            byte[][] outs = new byte[last - first][];
            for (int i = first; i < last; i++) {
                byte[] code = readFully(in, h.blockCode()[i], i);
                byte[] o = outs[i - first] = new byte[h.blockRaw()[i]];
                if (h.windowBits() == 0) {
                    tasks.add(new StreamDecoder.Task(code, 0, code.length, o, 0, o.length, h.precision()));
                } else {
                    WindowDecoder d = windowDecoder(model, h.windowBits(), h.rule(), code, o, 0, o.length);
                    tasks.add(d);
                    windowTasks.add(d);
                }
            }
            model.run(tasks, streams, progress == null ? null : fed -> progress.accept(Math.min(h.rawLength(), fed)));
            for (int i = first; i < last; i++) {
                byte[] o = outs[i - first];
                if (h.windowBits() > 0) {
                    WindowDecoder d = windowTasks.get(i - first);
                    if (d.produced() != o.length || d.windowsUsed() * (h.windowBits() / 8) != h.blockCode()[i]) {
                        throw new NctFormatException("corrupt block " + i + " (its windows do not decode to its length)");
                    }
                }
                if (crc(o, 0, o.length) != h.blockCrc()[i]) throw new NctFormatException("corrupt block " + i + " (checksum mismatch)");
                total.update(o);
                out.write(o);
                done += o.length;
            }
        }
        if (in.read() >= 0) throw new NctFormatException("corrupt .nct file (trailing bytes after the last block)");
        if ((int) total.getValue() != h.rawCrc()) throw new NctFormatException("corrupt .nct file (checksum of the whole mismatch)");
        return done;
    }

    private static byte[] readFully(InputStream in, int n, int block) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new NctFormatException("truncated .nct file (ends inside block " + block + ")");
        return b;
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** Convenience: compress to a byte array. */
    public static byte[] compress(CodingModel model, Settings s, byte[] data) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        compress(model, s, data, data.length, o, null);
        return o.toByteArray();
    }
}
