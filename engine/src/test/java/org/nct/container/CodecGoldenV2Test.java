package org.nct.container;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.VectorKernels;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/**
 * Golden .nct bytes of container version 2 for a fixed model and text (the text generator and
 * settings of {@code CodecGoldenTest}, a shorter text): SHA-256 of the files that compress writes,
 * each decoded back. The block codes are the coder's, so a change of a coded byte fails here, and
 * so does a change of the layout. ({@link V1Files} reproduces the version 1 golden hashes of
 * {@code CodecGoldenTest} byte for byte.)
 */
class CodecGoldenV2Test {
    static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are or his from at which "
            + "but have an they you were her she there been one all we their has would when if so no will more can out said "
            + "Neural compression, 1024 bytes; \u00e9t\u00e9 -- \"quoted\" (parenthesised) 3.14159\n").split(" ");

    static byte[] text(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(9) == 0 ? ".\n" : " ");
        return java.util.Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), n);
    }

    static final NctCodec.Settings[] SETTINGS = {
        new NctCodec.Settings(0, WindowRule.G, 700, 3),
        new NctCodec.Settings(16, WindowRule.G, 300, 5),
        new NctCodec.Settings(24, WindowRule.G, 1000, 2),
        new NctCodec.Settings(16, WindowRule.DELAY, 400, 4),
    };

    /** A failing assertion lists every hash computed up to it. */
    static final String[] GOLDEN = {
        "5a4ad282b93ea32aa3f1eebf355b22459d0939316725ee8231b20fbbd3f731f8",
        "2b9e02b2c8de9cc7010d645575001c9066e85737220f9689a1c63f175c1ae753",
        "cb7eeb176a93535fcc490ffca8c49a2694d51d2490b74c55a7152029f8e2dc3a",
        "1920eeb924f4ed399c748ef903173a8b7702dc8026fb0c13c00b52e0101ad7d4",
    };

    @Test
    void compressedBytesAreGolden() throws Exception {
        byte[] text = text(1200, 5);
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 7);
             Kernels k = new VectorKernels(Backends.species(256), 2)) {
            CodingModel m = new CodingModel(w, k, 16);
            StringBuilder got = new StringBuilder();
            for (int i = 0; i < SETTINGS.length; i++) {
                byte[] nct = NctCodec.compress(m, SETTINGS[i], text);
                String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(nct));
                got.append(i).append(' ').append(hash).append('\n');
                assertEquals(GOLDEN[i], hash, "settings " + SETTINGS[i] + "\n" + got);
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                NctCodec.decompress(p -> m, new ByteArrayInputStream(nct), back, 7, null);
                assertArrayEquals(text, back.toByteArray(), "round trip, settings " + SETTINGS[i]);
            }
        }
    }
}
