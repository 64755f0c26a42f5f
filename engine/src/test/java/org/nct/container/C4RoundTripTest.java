package org.nct.container;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nct.coding.WindowRule;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.inference.CodingModel;
import org.nct.kernels.Kernels;
import org.nct.kernels.VectorKernels;
import org.nct.kernels.Backends;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.testing.TestData;

/** Real C4 text through the whole compressor (AC and EqualInfoAC[b=16], rule G) and back. */
class C4RoundTripTest {
    @Test
    void c4RoundTrips() throws Exception {
        byte[] all = JoinedText.read(List.of(TestData.c4Dir()), Split.ALL, 0.05).bytes();
        byte[] text = Arrays.copyOf(all, Math.min(all.length, 16 << 10));
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 3);
             Kernels k = new VectorKernels(Backends.species(256), 1)) {
            CodingModel m = new CodingModel(w, k, 16);
            for (NctCodec.Settings s : new NctCodec.Settings[] {NctCodec.Settings.defaults(16, WindowRule.G),
                    new NctCodec.Settings(0, WindowRule.G, 512, 32)}) {
                byte[] nct = NctCodec.compress(m, s, text);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                NctCodec.decompress(p -> m, new ByteArrayInputStream(nct), out, 64, null);
                assertArrayEquals(text, out.toByteArray(), "W=" + s.windowBits());
            }
        }
    }
}
