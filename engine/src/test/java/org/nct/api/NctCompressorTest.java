package org.nct.api;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.coding.WindowRule;
import org.nct.container.NctCodec;
import org.nct.container.NctFormatException;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/** The library API: the builder, the ByteBuffer and channel overloads, and calls racing from two threads. */
class NctCompressorTest {
    @TempDir static Path dir;
    static Path checkpoint;
    static Weights weights;
    static Kernels kernels;
    static final byte[] TEXT = "Now is the time for all good men to come to the aid of the party. ".repeat(12).getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void setUp() throws IOException {
        weights = Weights.init(ModelConfig.preset("tiny", 256), 5);
        checkpoint = dir.resolve("m1.safetensors");
        Checkpoint.save(checkpoint, weights);
        kernels = Backends.create(2);
    }

    @AfterAll
    static void tearDown() {
        kernels.close();
        weights.close();
    }

    /** The .nct bytes of NctCodec itself, without the API in between. */
    static byte[] direct(NctCodec.Settings s, int precision, byte[] data) throws IOException {
        return NctCodec.compress(new CodingModel(weights, kernels, precision), s, data);
    }

    @Test
    void theBuilderSetsWhatItSays() throws IOException {
        NctCodec.Settings ac = new NctCodec.Settings(0, WindowRule.G, 300, 3);
        try (NctCompressor nct = NctCompressor.builder().model(checkpoint).window(0).blockSize(300).streams(3).threads(1).precision(14).build()) {
            assertEquals(ac, nct.settings());
            assertEquals(14, nct.precision());
            assertArrayEquals(direct(ac, 14, TEXT), nct.compress(TEXT), "the same bytes as the codec with those settings");
            assertEquals(new CodingModel(weights, kernels, 14).idHex(), nct.modelId());
        }
        try (NctCompressor dflt = NctCompressor.builder().model(checkpoint).build(); NctCompressor old = NctCompressor.open(checkpoint)) {
            assertEquals(NctCodec.Settings.defaults(16, WindowRule.G), dflt.settings());
            assertEquals(16, dflt.precision());
            assertArrayEquals(old.compress(TEXT), dflt.compress(TEXT), "open(path) is builder().model(path).build()");
        }
        NctCodec.Settings w24 = new NctCodec.Settings(24, WindowRule.DELAY, 128, 5);
        try (NctCompressor nct = NctCompressor.builder().weights(weights).kernels(kernels).settings(w24).build()) {
            assertArrayEquals(direct(w24, 16, TEXT), nct.compress(TEXT));
        }
        assertTrue(weights.params().scope().isAlive(), "caller-owned weights stay open");
    }

    @Test
    void theBuilderRefusesBadSettings() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> NctCompressor.builder().window(20));
        assertThrows(IllegalArgumentException.class, () -> NctCompressor.builder().threads(0));
        assertThrows(IllegalArgumentException.class, () -> NctCompressor.builder().streams(5000));
        assertThrows(IllegalArgumentException.class, () -> NctCompressor.builder().blockSize(0));
        assertThrows(IllegalArgumentException.class, () -> NctCompressor.builder().precision(17));
        // no model given: the bundled M1, or BundledM1.Missing in a build without it
        if (org.nct.model.BundledM1.present()) {
            try (NctCompressor bundled = NctCompressor.builder().threads(1).build(); NctCompressor open = NctCompressor.open()) {
                assertEquals(open.modelId(), bundled.modelId(), "builder().build() is the bundled M1");
            }
        } else {
            assertThrows(org.nct.model.BundledM1.Missing.class, () -> NctCompressor.builder().build(), "no model, no bundled M1");
        }
        assertThrows(IllegalStateException.class, () -> NctCompressor.builder().model(checkpoint).weights(weights).build(), "two models");
        assertThrows(IllegalStateException.class, () -> NctCompressor.builder().weights(weights).kernels(kernels).threads(2).build());
        assertThrows(IOException.class, () -> NctCompressor.builder().model(dir.resolve("missing.safetensors")).build());
    }

    @Test
    void byteBuffersAndChannels() throws IOException {
        try (NctCompressor nct = NctCompressor.builder().weights(weights).kernels(kernels).blockSize(200).build()) {
            byte[] packed = nct.compress(TEXT);
            ByteBuffer in = ByteBuffer.allocateDirect(TEXT.length + 10);
            in.put(new byte[10]).put(TEXT).flip().position(10);
            ByteBuffer out = nct.compress(in);
            assertEquals(in.limit(), in.position(), "the input is consumed");
            assertEquals(0, out.position());
            assertArrayEquals(packed, Arrays.copyOfRange(out.array(), 0, out.limit()));
            ByteBuffer back = nct.decompress(ByteBuffer.wrap(packed));
            assertArrayEquals(TEXT, Arrays.copyOfRange(back.array(), back.position(), back.limit()));

            Path src = dir.resolve("src.txt"), dst = dir.resolve("dst.nct"), again = dir.resolve("again.txt");
            Files.write(src, TEXT);
            try (FileChannel r = FileChannel.open(src); FileChannel w = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                assertEquals(TEXT.length, nct.compress(r, w));
                assertTrue(r.isOpen() && w.isOpen(), "the caller's channels stay open");
            }
            assertArrayEquals(packed, Files.readAllBytes(dst));
            try (FileChannel r = FileChannel.open(dst); FileChannel w = FileChannel.open(again, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                assertEquals(TEXT.length, nct.decompress(r, w));
            }
            assertArrayEquals(TEXT, Files.readAllBytes(again));
            packed[packed.length / 2] ^= 4;
            assertThrows(NctFormatException.class, () -> nct.decompress(ByteBuffer.wrap(packed)));
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            assertThrows(NctFormatException.class, () -> nct.decompress(Channels.newChannel(new ByteArrayInputStream(packed)), Channels.newChannel(sink)));
        }
    }

    /**
     * A compress at one precision racing a decompress of a file of another precision, on one
     * compressor (one set of kernels): every result equals the single-threaded one, bit for bit.
     */
    @Test
    void racingCallsGiveTheSingleThreadedResults() throws Exception {
        byte[] a = Arrays.copyOf(TEXT, 700);
        byte[] b = "Other text, coded at the paper's precision of 2^14: 0123456789 ".repeat(10).getBytes(StandardCharsets.UTF_8);
        try (NctCompressor p16 = NctCompressor.builder().model(checkpoint).threads(2).blockSize(64).streams(4).build();
             NctCompressor p14 = NctCompressor.builder().weights(weights).kernels(kernels).blockSize(100).streams(8).precision(14).build()) {
            byte[] packedA = p16.compress(a);
            byte[] packedB = p14.compress(b);
            assertArrayEquals(b, p16.decompress(packedB), "single-threaded, p16's compressor decodes a 2^14 file");
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 3; round++) {
                    CyclicBarrier start = new CyclicBarrier(2);
                    Future<List<byte[]>> compress = pool.submit(() -> {
                        start.await();
                        List<byte[]> r = new ArrayList<>();
                        for (int i = 0; i < 3; i++) r.add(p16.compress(a));
                        return r;
                    });
                    Future<List<byte[]>> decompress = pool.submit(() -> {
                        start.await();
                        List<byte[]> r = new ArrayList<>();
                        for (int i = 0; i < 3; i++) r.add(p16.decompress(packedB));
                        return r;
                    });
                    for (byte[] r : compress.get()) assertArrayEquals(packedA, r, "compress at 2^16 while a 2^14 file decodes");
                    for (byte[] r : decompress.get()) assertArrayEquals(b, r, "decompress at 2^14 while compressing at 2^16");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
