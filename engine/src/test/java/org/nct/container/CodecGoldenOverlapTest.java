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
 * The golden .nct bytes of {@link CodecGoldenTest} (version 1) and {@link CodecGoldenV2Test}
 * (version 2) with the coding drivers forced into their pipelined mode
 * ({@code nct.coding.overlap=on}, the default on a GPU): same files, decoded back pipelined too.
 */
class CodecGoldenOverlapTest {

    @Test
    void pipelinedCodingWritesTheGoldenBytes() throws Exception {
        String saved = System.getProperty(CodingModel.OVERLAP_PROPERTY);
        System.setProperty(CodingModel.OVERLAP_PROPERTY, "on");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 7);
             Kernels k = new VectorKernels(Backends.species(256), 2)) {
            CodingModel m = new CodingModel(w, k, 16);
            byte[] text1 = CodecGoldenTest.text(3000, 5), text2 = CodecGoldenTest.text(1200, 5);
            for (int i = 0; i < CodecGoldenTest.SETTINGS.length; i++) {
                NctCodec.Settings s = CodecGoldenTest.SETTINGS[i];
                byte[] v1 = V1Files.compress(m, s, text1);
                assertEquals(CodecGoldenTest.GOLDEN[i], sha256(v1), "version 1, settings " + s);
                assertArrayEquals(text1, decompress(m, v1), "version 1 round trip, settings " + s);
                byte[] v2 = NctCodec.compress(m, s, text2);
                assertEquals(CodecGoldenV2Test.GOLDEN[i], sha256(v2), "version 2, settings " + s);
                assertArrayEquals(text2, decompress(m, v2), "version 2 round trip, settings " + s);
            }
        } finally {
            if (saved == null) System.clearProperty(CodingModel.OVERLAP_PROPERTY);
            else System.setProperty(CodingModel.OVERLAP_PROPERTY, saved);
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static byte[] decompress(CodingModel m, byte[] nct) throws Exception {
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        NctCodec.decompress(p -> m, new ByteArrayInputStream(nct), back, 7, null);
        return back.toByteArray();
    }
}
