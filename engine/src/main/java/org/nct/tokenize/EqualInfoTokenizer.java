package org.nct.tokenize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nct.coding.CodingTask;
import org.nct.coding.CorruptInputException;
import org.nct.coding.WindowCoder;
import org.nct.coding.WindowDecoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;

/**
 * EqualInfoAC[b, v]: Equal-Info windows of b bits (coder and model reset at every window; rule G by
 * default), the window codes back to back cut into 8- or 16-bit tokens (b=24 with v=65,536 puts
 * token boundaries inside windows, as in the paper's App. A.1; an odd byte count gets a zero byte).
 * Decoding needs the byte count; the number of windows is the code bytes divided by b/8.
 */
public final class EqualInfoTokenizer implements Tokenizer {
    private final int windowBits;
    private final int bits;
    private final WindowRule rule;
    private final CodingModels models;

    public EqualInfoTokenizer(int windowBits, int bits, WindowRule rule, CodingModels models) {
        if (windowBits != 16 && windowBits != 24 && windowBits != 32 && windowBits != 64 && windowBits != 128) {
            throw new org.nct.InvalidInputException("Equal-Info window bits must be 16, 24, 32, 64 or 128, got " + windowBits);
        }
        TokenPacking.checkBits(bits);
        this.windowBits = windowBits;
        this.bits = bits;
        this.rule = rule;
        this.models = models;
    }

    @Override
    public String name() {
        return "eqinfo-ac[b=" + windowBits + ",v=" + vocabSize() + (rule == WindowRule.G ? "" : ",rule=" + rule.cliName()) + "]";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "eqinfo-ac");
        m.put("b", windowBits);
        m.put("v", vocabSize());
        m.put("bits", bits);
        m.put("rule", rule.cliName());
        m.putAll(models.parameters());
        return m;
    }

    @Override
    public int vocabSize() {
        return 1 << bits;
    }

    @Override
    public boolean parallel() {
        return models.parallel();
    }

    @Override
    public int[] encode(byte[] bytes) {
        byte[] codes = WindowCoder.encode(bytes, models.model(), windowBits, rule).codes();
        return TokenPacking.pack(codes, codes.length, bits);
    }

    @Override
    public byte[] decode(int[] tokens, int n) {
        throw new IllegalArgumentException(name() + " tokens do not say how many bytes they hold; decode with the byte count");
    }

    @Override
    public byte[] decode(int[] tokens, int n, int length) {
        return decodeAll(List.of(Arrays.copyOf(tokens, n)), new int[] {length}).get(0);
    }

    @Override
    public List<byte[]> decodeAll(List<int[]> tokens, int[] lengths) {
        int wb = windowBits / 8;
        int precision = models.model().precision();
        List<WindowDecoder> tasks = new ArrayList<>();
        List<byte[]> out = new ArrayList<>();
        int[] windows = new int[tokens.size()];
        for (int i = 0; i < tokens.size(); i++) {
            int[] t = tokens.get(i);
            byte[] codes = TokenPacking.unpack(t, t.length, bits);
            windows[i] = codes.length / wb;
            for (int k = windows[i] * wb; k < codes.length; k++) {
                if (codes[k] != 0) throw new IllegalArgumentException(name() + ": nonzero padding after the last window");
            }
            if (codes.length - windows[i] * wb >= bits / 8) throw new IllegalArgumentException(name() + ": a whole token after the last window");
            long most = windows[i] * WindowDecoder.maxBytesPerWindow(windowBits, precision);
            if (lengths[i] < 0 || lengths[i] > most) {
                throw new CorruptInputException(name() + ": " + windows[i] + " windows cannot hold " + lengths[i] + " bytes (at most " + most + ")");
            }
            WindowDecoder dec = new WindowDecoder(windowBits, rule, precision);
            byte[] o = new byte[lengths[i]];
            dec.start(codes, 0, windows[i], o, 0, lengths[i]);
            tasks.add(dec);
            out.add(o);
        }
        models.run(tasks);
        for (int i = 0; i < tasks.size(); i++) {
            WindowDecoder d = tasks.get(i);
            if (d.produced() != lengths[i] || d.windowsUsed() != windows[i]) {
                throw new CorruptInputException("window codes do not match the length: " + d.produced() + " of " + lengths[i]
                        + " bytes from " + d.windowsUsed() + " of " + windows[i] + " windows");
            }
        }
        return out;
    }

    @Override
    public Prefix encodePrefix(byte[] bytes, int maxTokens) {
        return encodePrefixes(List.of(bytes), maxTokens).get(0);
    }

    /** Whole windows only: each example's encoder stops once the windows that fit are complete (all examples as one batch). */
    @Override
    public List<Prefix> encodePrefixes(List<byte[]> examples, int maxTokens) {
        int wb = windowBits / 8;
        int maxWindows = (int) Math.min(Integer.MAX_VALUE, (long) maxTokens * (bits / 8) / wb);
        int precision = models.model().precision();
        List<FirstWindows> tasks = new ArrayList<>();
        for (byte[] x : examples) {
            WindowEncoder enc = new WindowEncoder(windowBits, rule, precision);
            enc.start(x, 0, x.length);
            tasks.add(new FirstWindows(enc, maxWindows));
        }
        models.run(tasks);
        List<Prefix> out = new ArrayList<>();
        for (FirstWindows t : tasks) {
            int k = Math.min(maxWindows, t.enc.windows());
            byte[] codes = Arrays.copyOf(t.enc.tokens(), k * wb);
            int[] counts = t.enc.byteCounts();
            int n = 0;
            for (int i = 0; i < k; i++) n += counts[i];
            out.add(new Prefix(TokenPacking.pack(codes, codes.length, bits), n));
        }
        return out;
    }

    /** A window encoder that stops when {@code max} windows are complete. */
    private record FirstWindows(WindowEncoder enc, int max) implements CodingTask {
        @Override
        public int next() {
            return enc.windows() >= max ? DONE : enc.next();
        }

        @Override
        public int step(int[] cum) {
            return enc.step(cum);
        }

        @Override
        public int maxContext() {
            return enc.maxContext();
        }
    }
}
