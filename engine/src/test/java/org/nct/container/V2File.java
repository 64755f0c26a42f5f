package org.nct.container;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A version 2 file taken apart into header, frames and trailer, to forge files with the format's
 * own layout: {@link #bytes()} writes it back with every table and trailer CRC recomputed, so only
 * the checks that bind content, order and length can catch the forgery.
 */
final class V2File {
    byte[] header;
    NctFrames.Header h;
    final List<Frame> frames = new ArrayList<>();
    NctFrames.Trailer trailer;

    /** One frame: its table (mutable copies of the arrays) and its blocks' codes. */
    static final class Frame {
        long index;
        final List<Integer> raw = new ArrayList<>(), code = new ArrayList<>(), check = new ArrayList<>();
        final List<byte[]> codes = new ArrayList<>();

        Frame copy() {
            Frame f = new Frame();
            f.index = index;
            f.raw.addAll(raw);
            f.code.addAll(code);
            f.check.addAll(check);
            for (byte[] c : codes) f.codes.add(c.clone());
            return f;
        }

        void swapBlocks(int i, int j) {
            java.util.Collections.swap(raw, i, j);
            java.util.Collections.swap(code, i, j);
            java.util.Collections.swap(check, i, j);
            java.util.Collections.swap(codes, i, j);
        }

        void removeBlock(int i) {
            raw.remove(i);
            code.remove(i);
            check.remove(i);
            codes.remove(i);
        }
    }

    static V2File parse(byte[] file, byte[] modelId) {
        try {
            V2File v = new V2File();
            ByteArrayInputStream in = new ByteArrayInputStream(file);
            NctHeader.CrcInput c = new NctHeader.CrcInput(in);
            if (NctHeader.readMagicAndVersion(c) != NctFrames.VERSION) throw new IllegalArgumentException("not version 2");
            v.h = NctFrames.Header.read(c, p -> modelId);
            v.header = java.util.Arrays.copyOf(file, NctFrames.HEADER_BYTES);
            while (true) {
                c.resetCrc();
                int tag = c.u8();
                if (tag == NctFrames.END_TAG) {
                    v.trailer = NctFrames.Trailer.read(c);
                    return v;
                }
                NctFrames.Table t = NctFrames.Table.read(c, v.h, v.frames.size());
                Frame f = new Frame();
                f.index = t.frameIndex();
                for (int i = 0; i < t.blocks(); i++) {
                    f.raw.add(t.raw()[i]);
                    f.code.add(t.code()[i]);
                    f.check.add(t.check()[i]);
                    f.codes.add(in.readNBytes(t.code()[i]));
                }
                v.frames.add(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] bytes() {
        try {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(header);
            for (Frame f : frames) {
                int n = f.raw.size();
                int[] r = new int[n], k = new int[n], ch = new int[n];
                for (int i = 0; i < n; i++) {
                    r[i] = f.raw.get(i);
                    k[i] = f.code.get(i);
                    ch[i] = f.check.get(i);
                }
                new NctFrames.Table(f.index, r, k, ch).write(o);
                for (byte[] c : f.codes) o.write(c);
            }
            if (trailer != null) trailer.write(o);
            return o.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
