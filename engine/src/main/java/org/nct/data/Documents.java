package org.nct.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.nct.InvalidInputException;

/**
 * Reads documents (UTF-8 bytes) from C4 JSON-lines files, plain text files and directories of them.
 *
 * <ul>
 *   <li>{@code *.json}, {@code *.jsonl} (optionally {@code .gz}): the allenai/c4 layout, one JSON
 *       object per line with a string field {@code text} (other fields such as {@code url} and
 *       {@code timestamp} are ignored); each line is one document; blank lines are skipped.</li>
 *   <li>any other file (optionally {@code .gz}): plain UTF-8 text, split into documents at blank
 *       lines (runs of two or more {@code '\n'}).</li>
 *   <li>a directory: every {@code .json/.jsonl/.txt} file below it (with or without {@code .gz}),
 *       in sorted path order; other files (README.md, ...) are ignored.</li>
 * </ul>
 * Errors are {@link InvalidInputException}s with one line: missing paths, bad JSON with {@code file:line},
 * a missing {@code text} field, a truncated gzip stream.
 */
public final class Documents {
    private Documents() { }

    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** The files named by {@code inputs}, directories expanded (sorted), in order. */
    public static List<Path> files(List<Path> inputs) {
        if (inputs.isEmpty()) throw new InvalidInputException("no data paths given");
        List<Path> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                List<Path> found;
                try (Stream<Path> s = Files.walk(p)) {
                    found = s.filter(Files::isRegularFile).filter(Documents::isDataFileName).sorted().toList();
                } catch (IOException e) {
                    throw new InvalidInputException("cannot list directory " + p + ": " + e.getMessage());
                }
                if (found.isEmpty()) throw new InvalidInputException("no .json, .json.gz, .jsonl or .txt files in directory " + p);
                out.addAll(found);
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new InvalidInputException("data path not found: " + p);
            }
        }
        return out;
    }

    /** Whether a file inside a data directory is read ({@code .json/.jsonl/.txt}, optionally gzipped). */
    static boolean isDataFileName(Path p) {
        return isDataFileName(p.getFileName().toString());
    }

    /** {@link #isDataFileName(Path)} for a bare file name (other file systems: HDFS, S3). */
    public static boolean isDataFileName(String fileName) {
        String n = stripGz(fileName.toLowerCase(Locale.ROOT));
        return !n.startsWith(".") && (n.endsWith(".json") || n.endsWith(".jsonl") || n.endsWith(".txt"));
    }

    static boolean isJsonLines(Path p) {
        return isJsonLines(p.getFileName().toString());
    }

    private static boolean isJsonLines(String fileName) {
        String n = stripGz(fileName.toLowerCase(Locale.ROOT));
        return n.endsWith(".json") || n.endsWith(".jsonl");
    }

    private static String stripGz(String n) {
        return n.endsWith(".gz") ? n.substring(0, n.length() - 3) : n;
    }

    /** Calls {@code sink} with every document of every file of {@code inputs}, in order. */
    public static void forEach(List<Path> inputs, Consumer<byte[]> sink) {
        for (Path f : files(inputs)) readFile(f, sink);
    }

    /** All documents of {@code inputs}, in order. */
    public static List<byte[]> readAll(List<Path> inputs) {
        List<byte[]> docs = new ArrayList<>();
        forEach(inputs, docs::add);
        return docs;
    }

    /** Calls {@code sink} with every document of one file. */
    public static void readFile(Path file, Consumer<byte[]> sink) {
        try (InputStream in = open(file)) {
            if (isJsonLines(file)) readJsonLines(file.toString(), in, sink);
            else readPlainText(in, sink);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("data file not found: " + file);
        } catch (ZipException e) {
            throw new InvalidInputException(file + ": not a valid gzip file (" + e.getMessage() + ")");
        } catch (java.io.EOFException e) {
            throw new InvalidInputException(file + ": truncated gzip file");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * Calls {@code sink} with every document of one file already opened as {@code raw} (from any
     * file system); {@code fileName} selects the format and gzip exactly as for a local file, and
     * {@code where} names the file in error messages. Closes {@code raw}.
     */
    public static void read(String fileName, String where, InputStream raw, Consumer<byte[]> sink) {
        try (InputStream in = fileName.toLowerCase(Locale.ROOT).endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16)
                : new java.io.BufferedInputStream(raw, 1 << 16)) {
            if (isJsonLines(fileName)) readJsonLines(where, in, sink);
            else readPlainText(in, sink);
        } catch (ZipException e) {
            throw new InvalidInputException(where + ": not a valid gzip file (" + e.getMessage() + ")");
        } catch (java.io.EOFException e) {
            throw new InvalidInputException(where + ": truncated gzip file");
        } catch (IOException e) {
            throw new InvalidInputException(where + ": cannot read: " + e.getMessage());
        } finally {
            try {
                raw.close();
            } catch (IOException ignored) {
                // already failed or fully read
            }
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")) return new java.io.BufferedInputStream(raw, 1 << 16);
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static void readJsonLines(String file, InputStream in, Consumer<byte[]> sink) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        String line;
        long lineNo = 0;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) continue;
            String text;
            try {
                text = textField(line);
            } catch (StreamReadException e) {
                throw new InvalidInputException(file + ":" + lineNo + ": bad JSON: " + e.getOriginalMessage());
            }
            if (text == null) throw new InvalidInputException(file + ":" + lineNo + ": JSON object has no string field \"text\"");
            sink.accept(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The string value of the top-level "text" field of one JSON object, or null when absent. */
    private static String textField(String line) throws IOException {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new com.fasterxml.jackson.core.JsonParseException(p, "expected a JSON object");
            String text = null;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
                if (t != JsonToken.FIELD_NAME) throw new com.fasterxml.jackson.core.JsonParseException(p, "expected a field name");
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if ("text".equals(name) && v == JsonToken.VALUE_STRING) text = p.getText();
                else p.skipChildren();
            }
            if (p.nextToken() != null) throw new com.fasterxml.jackson.core.JsonParseException(p, "more than one JSON value on the line");
            return text;
        }
    }

    private static void readPlainText(InputStream in, Consumer<byte[]> sink) throws IOException {
        byte[] all = in.readAllBytes();
        int start = 0, n = all.length;
        int i = 0;
        while (i < n) {
            if (all[i] == '\n' && i + 1 < n && all[i + 1] == '\n') {
                if (i > start) sink.accept(java.util.Arrays.copyOfRange(all, start, i));
                while (i < n && all[i] == '\n') i++;
                start = i;
            } else {
                i++;
            }
        }
        int end = n;
        while (end > start && all[end - 1] == '\n') end--;
        if (end > start) sink.accept(java.util.Arrays.copyOfRange(all, start, end));
    }
}
