package org.nct.container;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.api.NctCompressor;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/**
 * Forged and damaged .nct files, written with the format's own layout and recomputed CRCs (the
 * way the defects of issue 13 were found), and the streaming container's bounded memory.
 */
class ContainerHostileTest {
    static Weights weights;
    static Kernels kernels;
    static CodingModel model;
    static final byte[] TEXT = ("The cat sat on the mat. The dog sat on the log. A bird sat on a branch. ".repeat(10)).getBytes(StandardCharsets.UTF_8);
    static final Duration QUICK = Duration.ofSeconds(30);

    @BeforeAll
    static void setUp() {
        weights = Weights.init(ModelConfig.preset("tiny", 256), 7);
        kernels = new ScalarKernels(1);
        model = new CodingModel(weights, kernels, 16);
    }

    @AfterAll
    static void tearDown() {
        kernels.close();
        weights.close();
    }

    static byte[] decompress(byte[] nct) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NctCodec.decompress(p -> model, new ByteArrayInputStream(nct), out, 4, null);
        return out.toByteArray();
    }

    static NctFormatException fails(byte[] forged) {
        return assertTimeoutPreemptively(QUICK, () -> assertThrows(NctFormatException.class, () -> decompress(forged)));
    }

    // ---- 1: decoder work bounded by the code, and a maximum block size

    /** A block that claims more bytes than its code holds stops at the end of its code, not after decoding zeros for hours. */
    @Test
    void acBlockWithTooShortACodeStops() throws IOException {
        byte[] nct = NctCodec.compress(model, new NctCodec.Settings(0, WindowRule.G, 2048, 4), Arrays.copyOf(TEXT, 300));
        for (int keep : new int[] {0, 3}) {
            V2File v = V2File.parse(nct, model.id());
            V2File.Frame f = v.frames.get(0);
            f.raw.set(0, 2048);
            f.code.set(0, keep);
            f.codes.set(0, Arrays.copyOf(f.codes.get(0), keep));
            NctFormatException e = fails(v.bytes());
            assertTrue(e.getMessage().contains("code ends before"), e.getMessage());
        }
    }

    /** The version 1 bomb: a 60-byte file claiming a block of 64 KiB with no code at all. */
    @Test
    void version1BlockWithoutCodeStops() throws IOException {
        NctHeader forged = new NctHeader(model.id(), 16, 0, WindowRule.G, NctHeader.MAX_BLOCK, NctHeader.MAX_BLOCK, 0,
                new int[] {NctHeader.MAX_BLOCK}, new int[] {0}, new int[] {0});
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        forged.write(o);
        NctFormatException e = fails(o.toByteArray());
        assertTrue(e.getMessage().contains("code ends before"), e.getMessage());
    }

    @Test
    void blocksAboveTheMaximumAreRefused() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new NctCodec.Settings(0, WindowRule.G, NctHeader.MAX_BLOCK + 1, 4));
        NctHeader v1 = new NctHeader(model.id(), 16, 0, WindowRule.G, 1 << 24, 1 << 24, 0, new int[] {1 << 24}, new int[] {0}, new int[] {0});
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        v1.write(o);
        assertTrue(fails(o.toByteArray()).getMessage().contains("invalid block size"));
        byte[] v2 = NctCodec.compress(model, new NctCodec.Settings(0, WindowRule.G, 64, 4), Arrays.copyOf(TEXT, 10));
        V2File v = V2File.parse(v2, model.id());
        v.header[42] = 1;     // block size 2^24 + 64
        int crc = NctHeader.crc(Arrays.copyOf(v.header, NctFrames.HEADER_BYTES - 4));
        for (int i = 0; i < 4; i++) v.header[NctFrames.HEADER_BYTES - 4 + i] = (byte) (crc >>> (24 - 8 * i));
        assertTrue(fails(v.bytes()).getMessage().contains("invalid block size"));
    }

    /** Runs of zero bytes make the coder drop long runs of zero code bytes: version 2 stores them, and such blocks decode under the strict limit. */
    @Test
    void zeroRunsRoundTrip() throws IOException {
        byte[] data = new byte[1000];
        System.arraycopy(TEXT, 0, data, 0, 100);
        for (NctCodec.Settings s : new NctCodec.Settings[] {new NctCodec.Settings(0, WindowRule.G, 1024, 4), new NctCodec.Settings(0, WindowRule.G, 256, 4)}) {
            byte[] nct = NctCodec.compress(model, s, data);
            assertArrayEquals(data, decompress(nct));
            assertArrayEquals(new byte[300], decompress(NctCodec.compress(model, s, new byte[300])));
        }
    }

    // ---- 2: order, length and splicing bound by the checks

    @Test
    void reorderedDroppedRepeatedOrSplicedBlocksFail() throws IOException {
        NctCodec.Settings s = new NctCodec.Settings(0, WindowRule.G, 8, 8);
        byte[] data = Arrays.copyOf(TEXT, 700);       // 88 blocks: frames of 64 and 24
        byte[] nct = NctCodec.compress(model, s, data);
        assertArrayEquals(data, decompress(nct));
        V2File base = V2File.parse(nct, model.id());
        assertEquals(2, base.frames.size());
        assertArrayEquals(nct, base.bytes(), "the forger rewrites an untouched file exactly");

        V2File v = V2File.parse(nct, model.id());
        v.frames.get(0).swapBlocks(3, 5);
        fails(v.bytes());

        v = V2File.parse(nct, model.id());
        v.frames.get(1).swapBlocks(0, 23);
        fails(v.bytes());

        v = V2File.parse(nct, model.id());
        v.frames.get(1).removeBlock(7);
        v.trailer = new NctFrames.Trailer(2, 692, v.trailer.sha256());
        fails(v.bytes());

        v = V2File.parse(nct, model.id());          // frames swapped, indices rewritten to look in order
        V2File.Frame a = v.frames.get(0), b = v.frames.get(1);
        a.index = 1;
        b.index = 0;
        v.frames.set(0, b);
        v.frames.set(1, a);
        fails(v.bytes());

        v = V2File.parse(nct, model.id());          // frame 0 repeated
        V2File.Frame again = v.frames.get(0).copy();
        again.index = 1;
        v.frames.get(1).index = 2;
        v.frames.add(1, again);
        v.trailer = new NctFrames.Trailer(3, 700 + 512, v.trailer.sha256());
        fails(v.bytes());

        v = V2File.parse(nct, model.id());          // last frame dropped, trailer made consistent with what is left
        v.frames.remove(1);
        v.trailer = new NctFrames.Trailer(1, 512, v.trailer.sha256());
        assertTrue(fails(v.bytes()).getMessage().contains("SHA-256"));

        v = V2File.parse(nct, model.id());          // cut at a frame boundary: no trailer
        v.trailer = null;
        assertTrue(fails(v.bytes()).getMessage().contains("truncated"));

        byte[] otherData = Arrays.copyOf(TEXT, 700);
        otherData[600] = 'X';
        V2File other = V2File.parse(NctCodec.compress(model, s, otherData), model.id());
        v = V2File.parse(nct, model.id());          // frame 1 from another file of the same model and settings
        v.frames.set(1, other.frames.get(1));
        assertTrue(fails(v.bytes()).getMessage().contains("SHA-256"));
    }

    // ---- 5: a windowed block with no code

    @Test
    void windowBlockWithoutCodeIsAFormatError() throws IOException {
        NctCodec.Settings s = new NctCodec.Settings(16, WindowRule.G, 64, 4);
        byte[] data = Arrays.copyOf(TEXT, 150);
        NctHeader h = NctHeader.read(new ByteArrayInputStream(V1Files.compress(model, s, data)), p -> model.id());
        int[] code = h.blockCode().clone();
        code[0] = 0;
        byte[] v1 = V1Files.compress(model, s, data);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        new NctHeader(h.modelId(), 16, 16, WindowRule.G, 64, 150, h.rawCrc(), h.blockRaw(), code, h.blockCrc()).write(o);
        int headerLen = v1.length - Arrays.stream(h.blockCode()).sum();
        o.write(v1, headerLen + h.blockCode()[0], v1.length - headerLen - h.blockCode()[0]);
        assertTrue(fails(o.toByteArray()).getMessage().contains("do not decode to its length"));

        V2File v = V2File.parse(NctCodec.compress(model, s, data), model.id());
        v.frames.get(0).code.set(0, 0);
        v.frames.get(0).codes.set(0, new byte[0]);
        assertTrue(fails(v.bytes()).getMessage().contains("impossible code length"));
    }

    // ---- 9: version 2 streams in bounded memory; version 1 still decodes

    @Test
    void version1FilesStillDecode() throws IOException {
        for (NctCodec.Settings s : NctCodecTest.SETTINGS) {
            for (byte[] in : new byte[][] {new byte[0], {42}, TEXT}) {
                assertArrayEquals(in, decompress(V1Files.compress(model, s, in)), s + " " + in.length);
            }
        }
    }

    /** The encoder writes whole frames while the input is still being read, and the decoder yields bytes before it has read the whole file. */
    @Test
    void encoderAndDecoderStream() throws IOException {
        NctCodec.Settings s = new NctCodec.Settings(0, WindowRule.G, 1, 4);   // frames of 64 bytes
        byte[] data = Arrays.copyOf(TEXT, 640);
        long[] readWhenFirstWritten = {-1};
        CountingInput in = new CountingInput(new ByteArrayInputStream(data), 16);
        OutputStream sink = new OutputStream() {
            final ByteArrayOutputStream all = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                all.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (all.size() > NctFrames.HEADER_BYTES && readWhenFirstWritten[0] < 0) readWhenFirstWritten[0] = in.count;
                all.write(b, off, len);
            }

            @Override
            public String toString() {
                return "";
            }
        };
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                sink.write(b);
                copy.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                sink.write(b, off, len);
                copy.write(b, off, len);
            }
        };
        assertEquals(data.length, NctCodec.compress(model, s, in, tee, null));
        assertTrue(readWhenFirstWritten[0] > 0 && readWhenFirstWritten[0] <= 128,
                "frames were written after " + readWhenFirstWritten[0] + " of " + data.length + " input bytes");
        byte[] nct = copy.toByteArray();

        CountingInput fileIn = new CountingInput(new ByteArrayInputStream(nct), nct.length);
        NctCodec.Decoder d = new NctCodec.Decoder(p -> model, fileIn, 4, null);
        byte[] first = d.nextChunk();
        assertTrue(first.length <= 128 && fileIn.count < nct.length / 2, "first " + first.length + " bytes after reading " + fileIn.count + " of " + nct.length);
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        back.write(first);
        d.transferTo(back);
        assertArrayEquals(data, back.toByteArray());
    }

    @Test
    void libraryStreamsRoundTripAndReportDamage() throws IOException {
        NctCodec.Settings s = new NctCodec.Settings(16, WindowRule.G, 32, 8);
        byte[] data = Arrays.copyOf(TEXT, 500);
        try (NctCompressor nct = NctCompressor.of(weights, kernels, s, 16)) {
            boolean[] sinkClosed = {false};
            ByteArrayOutputStream packed = new ByteArrayOutputStream() {
                @Override public void close() { sinkClosed[0] = true; }
            };
            try (OutputStream out = nct.compressingStream(packed)) {
                for (int i = 0; i < data.length; i += 37) out.write(data, i, Math.min(37, data.length - i));
            }
            assertTrue(sinkClosed[0], "closing the compressing stream closes the caller's stream");
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            try (InputStream in = nct.decompressingStream(new ByteArrayInputStream(packed.toByteArray()))) {
                in.transferTo(back);
            }
            assertArrayEquals(data, back.toByteArray());
            byte[] damaged = packed.toByteArray();
            damaged[damaged.length - 10] ^= 1;           // inside the trailer's SHA-256
            try (InputStream in = nct.decompressingStream(new ByteArrayInputStream(damaged))) {
                assertThrows(NctFormatException.class, () -> in.transferTo(OutputStream.nullOutputStream()));
            }
        }
    }

    /** An input stream that counts the bytes read and hands out at most {@code max} per call. */
    static final class CountingInput extends InputStream {
        final InputStream in;
        final int max;
        long count;

        CountingInput(InputStream in, int max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, Math.min(len, max));
            if (n > 0) count += n;
            return n;
        }
    }
}
