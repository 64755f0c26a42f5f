package org.nct.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.nct.InvalidInputException;

/**
 * The documents of one split joined into one byte stream, each document followed by the
 * separator (the paper appends an EOS to every document; a byte vocabulary has no EOS, so a
 * separator byte string stands in for it; default {@code "\n\n"}).
 *
 * @param bytes     the joined stream
 * @param documents how many documents it holds
 * @param describe  a stable description of where it came from (paths, split, fraction, separator)
 */
public record JoinedText(byte[] bytes, int documents, String describe) {

    /** The default document separator: an empty line. */
    public static final byte[] DEFAULT_SEPARATOR = "\n\n".getBytes(StandardCharsets.US_ASCII);

    /** Reads {@code paths}, keeps the documents of {@code split}, joins them with {@code separator}. */
    public static JoinedText read(List<Path> paths, Split split, double validationFraction, byte[] separator) {
        Split.checkFraction(validationFraction);
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        int[] kept = {0};
        long[] size = {0};
        Documents.forEach(paths, doc -> {
            if (!split.contains(doc, validationFraction)) return;
            size[0] += doc.length + separator.length;
            if (size[0] > Integer.MAX_VALUE - 64) {
                throw new InvalidInputException("data too large: the " + split + " split exceeds 2 GiB of text; pass fewer files");
            }
            out.writeBytes(doc);
            out.writeBytes(separator);
            kept[0]++;
        });
        String where = "paths=" + paths + " split=" + split + " validation-fraction=" + validationFraction
                + " separator=" + escape(separator);
        if (kept[0] == 0) throw new InvalidInputException("no documents in the " + split + " split of " + paths
                + (split == Split.ALL ? "" : " (validation fraction " + validationFraction + ")"));
        return new JoinedText(out.toByteArray(), kept[0], where + " documents=" + kept[0] + " bytes=" + out.size());
    }

    /** Reads with the default separator. */
    public static JoinedText read(List<Path> paths, Split split, double validationFraction) {
        return read(paths, split, validationFraction, DEFAULT_SEPARATOR);
    }

    /** Java-style escape of a separator for descriptions ({@code \n}, {@code \t}, {@code \xNN}). */
    public static String escape(byte[] sep) {
        StringBuilder sb = new StringBuilder();
        for (byte b : sep) {
            int c = b & 0xFF;
            if (c == '\n') sb.append("\\n");
            else if (c == '\t') sb.append("\\t");
            else if (c == '\\') sb.append("\\\\");
            else if (c >= 0x20 && c < 0x7F) sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        return sb.toString();
    }

    /** Inverse of {@link #escape}: {@code \n}, {@code \t}, {@code \\}, {@code \xNN}. */
    public static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            if (i + 1 >= s.length()) throw new InvalidInputException("separator ends with a lone backslash: " + s);
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '\\' -> out.write('\\');
                case 'x' -> {
                    if (i + 2 >= s.length()) throw new InvalidInputException("bad \\x escape in separator: " + s);
                    try {
                        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    } catch (RuntimeException ex) {
                        throw new InvalidInputException("bad \\x escape in separator: " + s);
                    }
                    i += 2;
                }
                default -> throw new InvalidInputException("unknown escape \\" + e + " in separator: " + s);
            }
        }
        return out.toByteArray();
    }
}
