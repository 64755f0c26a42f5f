package org.nct.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;
import org.nct.testing.TestData;

class DocumentsTest {
    @TempDir Path dir;

    static String c4Line(String text) {
        return "{\"text\":" + quote(text) + ",\"timestamp\":\"2019-04-25T12:57:54Z\",\"url\":\"https://example.com/\"}";
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c == '\n') sb.append("\\n");
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    static List<String> texts(List<byte[]> docs) {
        List<String> out = new ArrayList<>();
        for (byte[] d : docs) out.add(new String(d, StandardCharsets.UTF_8));
        return out;
    }

    private void gz(Path p, String content) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
            o.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void readsC4JsonLinesPlainAndGzipped() throws IOException {
        Files.writeString(dir.resolve("a.json"), c4Line("first doc\nline two") + "\n\n" + c4Line("h\u00e9llo \u2603 \"q\"") + "\n");
        gz(dir.resolve("b.json.gz"), c4Line("third") + "\n");
        List<byte[]> docs = Documents.readAll(List.of(dir.resolve("a.json"), dir.resolve("b.json.gz")));
        assertEquals(List.of("first doc\nline two", "h\u00e9llo \u2603 \"q\"", "third"), texts(docs));
        assertArrayEquals("h\u00e9llo \u2603 \"q\"".getBytes(StandardCharsets.UTF_8), docs.get(1));
    }

    @Test
    void plainTextSplitsAtBlankLines() throws IOException {
        Files.writeString(dir.resolve("t.txt"), "para one\nstill one\n\n\npara two\n\n");
        assertEquals(List.of("para one\nstill one", "para two"), texts(Documents.readAll(List.of(dir.resolve("t.txt")))));
    }

    @Test
    void directoryIsSortedAndSkipsOtherFiles() throws IOException {
        Path d = Files.createDirectories(dir.resolve("data"));
        Files.writeString(d.resolve("README.md"), "not data");
        Files.writeString(d.resolve("b.txt"), "bee");
        Files.writeString(d.resolve("a.json"), c4Line("ay") + "\n");
        gz(Files.createDirectories(d.resolve("sub")).resolve("c.jsonl.gz"), c4Line("sea") + "\n");
        assertEquals(List.of("ay", "bee", "sea"), texts(Documents.readAll(List.of(d))));
    }

    @Test
    void badJsonNamesFileAndLine() throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, c4Line("ok") + "\n" + c4Line("ok2") + "\n{\"text\": \"unterminated\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(f)));
        assertTrue(e.getMessage().startsWith(f + ":3: bad JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void missingTextFieldAndNonObjectAreErrors() throws IOException {
        Path f = dir.resolve("notext.json");
        Files.writeString(f, "{\"url\":\"x\",\"text\":{\"nested\":\"y\"}}\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(f)));
        assertTrue(e.getMessage().contains(":1:") && e.getMessage().contains("\"text\""), e.getMessage());
        Path g = dir.resolve("array.json");
        Files.writeString(g, c4Line("fine") + "\n[1,2]\n");
        e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(g)));
        assertTrue(e.getMessage().startsWith(g + ":2: bad JSON"), e.getMessage());
        Path h = dir.resolve("two.json");
        Files.writeString(h, c4Line("a") + " " + c4Line("b") + "\n");
        e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(h)));
        assertTrue(e.getMessage().startsWith(h + ":1: bad JSON"), e.getMessage());
    }

    @Test
    void missingPathsAndBrokenGzip() throws IOException {
        Path nope = dir.resolve("nope.json");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(nope)));
        assertEquals("data path not found: " + nope, e.getMessage());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(empty)));
        assertTrue(e.getMessage().startsWith("no .json"), e.getMessage());
        Path notGz = dir.resolve("x.json.gz");
        Files.writeString(notGz, c4Line("plain, not gzip"));
        e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(notGz)));
        assertTrue(e.getMessage().contains("not a valid gzip"), e.getMessage());
        Path full = dir.resolve("full.json.gz");
        gz(full, (c4Line("a long document ".repeat(200)) + "\n").repeat(20));
        byte[] all = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.json.gz");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        e = assertThrows(InvalidInputException.class, () -> Documents.readAll(List.of(cut)));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }

    @Test
    void realC4SampleReads() {
        Path c4 = TestData.c4Dir();
        int[] n = {0};
        long[] bytes = {0};
        Documents.forEach(List.of(c4), d -> { n[0]++; bytes[0] += d.length; });
        // README.md of the sample: 2 files x 1,000 documents, 2,200,107 + 2,173,681 text bytes
        assertEquals(2000, n[0]);
        assertEquals(2_200_107L + 2_173_681L, bytes[0]);
        JoinedText train = JoinedText.read(List.of(c4), Split.TRAIN, 0.05);
        JoinedText val = JoinedText.read(List.of(c4), Split.VALIDATION, 0.05);
        assertEquals(2000, train.documents() + val.documents());
        assertTrue(val.documents() > 60 && val.documents() < 140, "about 5% validation: " + val.documents());
        ByteExamples ex = new ByteExamples(train.bytes(), 1025, train.describe());
        int[] dst = new int[1025];
        assertEquals(1025, ex.read(0, dst));
    }
}
