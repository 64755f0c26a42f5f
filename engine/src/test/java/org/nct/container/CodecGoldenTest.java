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
 * Golden .nct bytes of container version 1: SHA-256 of the files that the version 1 writer
 * ({@link V1Files}) makes for a fixed model and text, in plain AC and with Equal-Info windows. The
 * hashes were produced by the coder as it was before the batched-attention and prefill work
 * (commit 6943916), so any change of a coded byte fails here.
 */
class CodecGoldenTest {
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

    static final String[] GOLDEN = {
        "e37dcf057fa1159470fa86c3cb79e991b2d3d1b5b3d8a04204ca888037f179e0",
        "ec30f14041aef4eed222c6b90a14007a7d72a6e2450537f54b88d1d6fc5677c3",
        "e852ba241ec1bcbe8eeb0a7c9741a1eb15bd7f474a0354d066da6a6ca76d7eb6",
        "93102f1801cad3e3aeeb471ec89afcadb37f3f5944c75f94cf53a5947763ce04",
    };

    @Test
    void compressedBytesAreGolden() throws Exception {
        byte[] text = text(3000, 5);
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 7);
             Kernels k = new VectorKernels(Backends.species(256), 2)) {
            CodingModel m = new CodingModel(w, k, 16);
            for (int i = 0; i < SETTINGS.length; i++) {
                byte[] nct = V1Files.compress(m, SETTINGS[i], text);
                String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(nct));
                assertEquals(GOLDEN[i], hash, "settings " + SETTINGS[i]);
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                NctCodec.decompress(p -> m, new ByteArrayInputStream(nct), back, 7, null);
                assertArrayEquals(text, back.toByteArray(), "round trip, settings " + SETTINGS[i]);
            }
        }
    }
}
