package org.nct.coding;

/** Single-model entry points to the Equal-Info window coder (what the dataset builders call). */
public final class WindowCoder {
    private WindowCoder() { }

    /** The windows of one text: W/8 code bytes per window (MSB first) and each window's byte count. */
    public record Windows(int windowBits, WindowRule rule, byte[] codes, int[] byteCounts) {
        public int count() {
            return byteCounts.length;
        }
    }

    /** Encodes data[off..off+len) into Equal-Info windows of {@code windowBits} bits. */
    public static Windows encode(byte[] data, int off, int len, ByteModel model, int windowBits, WindowRule rule) {
        WindowEncoder enc = new WindowEncoder(windowBits, rule, model.precision());
        enc.start(data, off, len);
        CodingTask.run(enc, model);
        return new Windows(windowBits, rule, enc.tokens(), enc.byteCounts());
    }

    public static Windows encode(byte[] data, ByteModel model, int windowBits, WindowRule rule) {
        return encode(data, 0, data.length, model, windowBits, rule);
    }

    /**
     * Decodes {@code length} bytes from {@code windows} codes at codes[off..).
     * @throws CorruptInputException when the codes end before {@code length} bytes or are not all used
     */
    public static byte[] decode(byte[] codes, int off, int windows, int length, ByteModel model, int windowBits, WindowRule rule) {
        byte[] out = new byte[length];
        WindowDecoder dec = new WindowDecoder(windowBits, rule, model.precision());
        dec.start(codes, off, windows, out, 0, length);
        CodingTask.run(dec, model);
        if (dec.produced() != length || dec.windowsUsed() != windows) {
            throw new CorruptInputException("window codes do not match the length: " + dec.produced() + " of " + length
                    + " bytes from " + dec.windowsUsed() + " of " + windows + " windows");
        }
        return out;
    }

    public static byte[] decode(Windows w, int length, ByteModel model) {
        return decode(w.codes(), 0, w.count(), length, model, w.windowBits(), w.rule());
    }

    /**
     * Decodes every window on its own, given the number of bytes left in the text (as the paper's
     * decoder would know it), and counts the windows whose bytes differ from what the encoder put
     * in them. Rules G and DELAY give 0; GREEDY does not.
     */
    public static int wrongWindows(byte[] data, int off, Windows w, ByteModel model) {
        WindowDecoder dec = new WindowDecoder(w.windowBits(), w.rule(), model.precision());
        int tokenBytes = w.windowBits() / 8;
        int pos = off;
        int end = off + java.util.Arrays.stream(w.byteCounts()).sum();
        int wrong = 0;
        byte[] out = new byte[end - off];
        for (int i = 0; i < w.count(); i++) {
            dec.start(w.codes(), i * tokenBytes, 1, out, 0, end - pos);
            CodingTask.run(dec, model);
            int n = w.byteCounts()[i];
            if (dec.produced() != n || !java.util.Arrays.equals(out, 0, n, data, pos, pos + n)) wrong++;
            pos += n;
        }
        return wrong;
    }
}
