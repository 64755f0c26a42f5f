package org.nct.container;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
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
    /** A failing assertion lists every hash computed up to it. */
    static final String[] GOLDEN = {
        "5a4ad282b93ea32aa3f1eebf355b22459d0939316725ee8231b20fbbd3f731f8",
        "2b9e02b2c8de9cc7010d645575001c9066e85737220f9689a1c63f175c1ae753",
        "cb7eeb176a93535fcc490ffca8c49a2694d51d2490b74c55a7152029f8e2dc3a",
        "1920eeb924f4ed399c748ef903173a8b7702dc8026fb0c13c00b52e0101ad7d4",
    };

    @Test
    void compressedBytesAreGolden() throws Exception {
        byte[] text = CodecGoldenTest.text(1200, 5);
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 7);
             Kernels k = new VectorKernels(Backends.species(256), 2)) {
            CodingModel m = new CodingModel(w, k, 16);
            StringBuilder got = new StringBuilder();
            for (int i = 0; i < CodecGoldenTest.SETTINGS.length; i++) {
                byte[] nct = NctCodec.compress(m, CodecGoldenTest.SETTINGS[i], text);
                String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(nct));
                got.append(i).append(' ').append(hash).append('\n');
                assertEquals(GOLDEN[i], hash, "settings " + CodecGoldenTest.SETTINGS[i] + "\n" + got);
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                NctCodec.decompress(p -> m, new ByteArrayInputStream(nct), back, 7, null);
                assertArrayEquals(text, back.toByteArray(), "round trip, settings " + CodecGoldenTest.SETTINGS[i]);
            }
        }
    }
}
