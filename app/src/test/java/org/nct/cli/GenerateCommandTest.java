package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowCoder;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Transformer;
import org.nct.model.Weights;
import org.nct.tokenize.TokenPacking;

class GenerateCommandTest {

    private static GenerateCommand.Generator.Output generate(Kernels k, CodingModel m1, Weights m2w, int tokenBits, long seed,
                                                            byte[] prompt, ByteArrayOutputStream sink) {
        try (Transformer m2 = new Transformer(m2w, k)) {
            return new GenerateCommand.Generator(m1, m2, 16, WindowRule.G, tokenBits, 16, 1.0, new SplittableRandom(seed))
                    .run(prompt, 24, new PrintStream(sink, true, StandardCharsets.UTF_8));
        }
    }

    @Test
    void streamedWindowsEqualDecodingAllWindowsAtOnce() {
        for (int vocab : new int[] {256, 65536}) {
            int tokenBits = vocab == 256 ? 8 : 16;
            try (Kernels k = Backends.create();
                 CodingModel m1 = new CodingModel(Weights.init(ModelConfig.preset("tiny", 256), 3), k, IntegerCdf.DEFAULT_PRECISION);
                 Weights m2w = Weights.init(ModelConfig.of(vocab, 32, 2, 16, 1, 64), 5)) {
                byte[] prompt = "The three currently living species".getBytes(StandardCharsets.UTF_8);
                ByteArrayOutputStream sink = new ByteArrayOutputStream();
                GenerateCommand.Generator.Output out = generate(k, m1, m2w, tokenBits, 11, prompt, sink);
                assertTrue(out.text().length >= 24, "generated " + out.text().length + " bytes");
                assertEquals(0, out.tokens().length % (16 / tokenBits), "whole windows only");
                // what was printed: the prompt, then the windows' text as they came, then a newline
                byte[] printed = sink.toByteArray();
                assertEquals(prompt.length + out.text().length + System.lineSeparator().length(), printed.length);
                for (int i = 0; i < prompt.length; i++) assertEquals(prompt[i], printed[i]);
                // decoding all generated windows in one pass gives the same text as the stream
                byte[] codes = TokenPacking.unpack(out.tokens(), out.tokens().length, tokenBits);
                byte[] whole = WindowCoder.decode(codes, 0, codes.length / 2, out.text().length, m1.newByteModel(), 16, WindowRule.G);
                assertArrayEquals(whole, out.text(), "v=" + vocab);
                // seeded: the same seed gives the same text, another seed another
                assertArrayEquals(out.tokens(), generate(k, m1, m2w, tokenBits, 11, prompt, new ByteArrayOutputStream()).tokens());
                assertNotEquals(java.util.Arrays.toString(out.tokens()),
                        java.util.Arrays.toString(generate(k, m1, m2w, tokenBits, 12, prompt, new ByteArrayOutputStream()).tokens()));
            }
        }
    }

    @Test
    void cliRunsAndRejectsBadInput(@TempDir Path dir) throws IOException {
        Path m1 = dir.resolve("m1.safetensors"), m2 = dir.resolve("m2.safetensors"), bad = dir.resolve("bad.safetensors");
        try (Weights a = Weights.init(ModelConfig.preset("tiny", 256), 1);
             Weights b = Weights.init(ModelConfig.of(256, 32, 2, 16, 1, 64), 2);
             Weights c = Weights.init(ModelConfig.of(1000, 32, 2, 16, 1, 64), 2)) {
            Checkpoint.save(m1, a);
            Checkpoint.save(m2, b);
            Checkpoint.save(bad, c);
        }
        assertEquals(0, Cli.run("generate", "--m1", m1.toString(), "--m2", m2.toString(), "--prompt", "Hello", "--bytes", "8", "--context", "8").code());
        Cli.Run r = Cli.run("generate", "--m1", m1.toString(), "--m2", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("vocabulary of 1000"), r.err());
        r = Cli.run("generate", "--m1", m1.toString(), "--m2", m2.toString(), "--bytes", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--bytes must be at least 1"), r.err());
        r = Cli.run("generate", "--m1", dir.resolve("missing").toString(), "--m2", m2.toString());
        assertTrue(r.code() != 0 && !r.err().contains("Exception"), r.err());
    }
}
