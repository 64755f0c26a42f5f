package org.nct.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.nct.coding.CodingTask;
import org.nct.coding.StreamDecoder;
import org.nct.coding.StreamEncoder;
import org.nct.coding.WindowCoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.tokenize.TokenPacking;

/**
 * The methods that run M1: AC (the stream coder over the whole example) and EqualInfoAC (windows
 * of b bits, coder and M1 context reset at each). Examples are encoded as a batch of independent
 * streams through {@link CodingModel#run}, one batched M1 step per byte position.
 */
final class M1Encodings {
    private M1Encodings() { }

    /** Concurrent streams of a batch: many for short examples, fewer when the KV caches grow long. */
    static int streams(int exampleBytes) {
        return exampleBytes <= 2048 ? 64 : 16;
    }

    /** The stream coder over one example as a batched-model task. */
    static final class StreamEncodeTask implements CodingTask {
        private final byte[] data;
        private final int precision;
        private final StreamEncoder enc = new StreamEncoder();
        private int pos;

        StreamEncodeTask(byte[] data, int precision) {
            this.data = data;
            this.precision = precision;
        }

        @Override
        public int next() {
            return pos < data.length ? CDF : DONE;
        }

        @Override
        public int step(int[] cum) {
            int s = data[pos++] & 0xFF;
            enc.encode(cum, s, precision);
            return s;
        }

        byte[] code() {
            return enc.finish();
        }
    }

    /** Turns the driver's running count of model steps into increments for a progress bar. */
    private static LongConsumer running(LongConsumer progress) {
        long[] last = {0};
        return total -> {
            progress.accept(total - last[0]);
            last[0] = total;
        };
    }

    static Encodings.Encoding ac(CodingModel m1, int tokenBits, int streams) {
        return new Encodings.Encoding() {
            public String name() {
                return "ac[v=" + (1 << tokenBits) + "]";
            }

            public int[][] encodeAll(List<byte[]> examples, LongConsumer progress) {
                List<StreamEncodeTask> tasks = new ArrayList<>(examples.size());
                for (byte[] e : examples) tasks.add(new StreamEncodeTask(e, m1.precision()));
                m1.run(tasks, streams, running(progress));
                int[][] out = new int[tasks.size()][];
                for (int i = 0; i < out.length; i++) {
                    byte[] code = tasks.get(i).code();
                    out[i] = TokenPacking.pack(code, code.length, tokenBits);
                }
                return out;
            }

            public byte[] decode(int[] tokens, int bytes) {
                byte[] code = TokenPacking.unpack(tokens, tokens.length, tokenBits);
                return StreamDecoder.decode(code, 0, code.length, bytes, m1.newByteModel());
            }
        };
    }

    static Encodings.Encoding eqinfo(CodingModel m1, int windowBits, WindowRule rule, int tokenBits, int streams) {
        return new Encodings.Encoding() {
            public String name() {
                return "eqinfo-ac[b=" + windowBits + ", v=" + (1 << tokenBits) + ", rule=" + rule.cliName() + "]";
            }

            public int[][] encodeAll(List<byte[]> examples, LongConsumer progress) {
                List<WindowEncoder> tasks = new ArrayList<>(examples.size());
                for (byte[] e : examples) {
                    WindowEncoder enc = new WindowEncoder(windowBits, rule, m1.precision());
                    enc.start(e, 0, e.length);
                    tasks.add(enc);
                }
                m1.run(tasks, streams, running(progress));
                int[][] out = new int[tasks.size()][];
                for (int i = 0; i < out.length; i++) {
                    byte[] codes = tasks.get(i).tokens();
                    out[i] = TokenPacking.pack(codes, codes.length, tokenBits);
                }
                return out;
            }

            public byte[] decode(int[] tokens, int bytes) {
                byte[] codes = TokenPacking.unpack(tokens, tokens.length, tokenBits);
                int windows = codes.length * 8 / windowBits;
                return WindowCoder.decode(codes, 0, windows, bytes, m1.newByteModel(), windowBits, rule);
            }
        };
    }
}
