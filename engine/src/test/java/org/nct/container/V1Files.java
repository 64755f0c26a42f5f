package org.nct.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.nct.coding.CodingTask;
import org.nct.coding.StreamEncoder;
import org.nct.coding.WindowEncoder;
import org.nct.inference.CodingModel;

/**
 * A version 1 writer (whole input in memory, one block table up front, a whole-file CRC32C): the
 * engine writes version 2 only, and the version 1 reader is tested on files written this way.
 */
final class V1Files {
    private V1Files() { }

    static byte[] compress(CodingModel model, NctCodec.Settings s, byte[] data) throws IOException {
        int len = data.length;
        int n = (int) ((len + (long) s.blockSize() - 1) / s.blockSize());
        int[] raw = new int[n], crcs = new int[n];
        List<CodingTask> tasks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int off = i * s.blockSize();
            raw[i] = Math.min(s.blockSize(), len - off);
            crcs[i] = crc(data, off, raw[i]);
            if (s.windowBits() == 0) {
                tasks.add(new StreamEncoder.Task(data, off, raw[i], model.precision()));
            } else {
                WindowEncoder e = new WindowEncoder(s.windowBits(), s.rule(), model.precision());
                e.start(data, off, raw[i]);
                tasks.add(e);
            }
        }
        model.run(tasks, s.streams(), null);
        byte[][] codes = new byte[n][];
        int[] codeLen = new int[n];
        for (int i = 0; i < n; i++) {
            codes[i] = tasks.get(i) instanceof StreamEncoder.Task t ? t.code() : ((WindowEncoder) tasks.get(i)).tokens();
            codeLen[i] = codes[i].length;
        }
        NctHeader h = new NctHeader(model.id(), model.precision(), s.windowBits(), s.rule(), s.blockSize(), len,
                crc(data, 0, len), raw, codeLen, crcs);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        h.write(out);
        for (byte[] c : codes) out.write(c);
        return out.toByteArray();
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
