package org.nct.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated English-like documents for tests (no external data). Shared with the app module's
 * command tests through the engine's test-jar.
 */
public final class TestText {
    private TestText() { }

    private static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are or his from at which "
            + "but have an they you were her she there been one all we their has would when if so no will more can out up about "
            + "time people year way day man thing woman life child world school state family student group country problem hand "
            + "part place case week company system program question work government number night point home water room mother "
            + "area money story fact month lot right study book eye job word business issue side kind head house service friend "
            + "father power hour game line end member law car city community name president team minute idea kid body information "
            + "2019 100 $5 3.5% naïve café – “quoted” 東京").split(" ");

    /** {@code n} documents of a few lines each, deterministic in {@code seed}. */
    public static List<byte[]> documents(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> docs = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            StringBuilder sb = new StringBuilder();
            int lines = 1 + r.nextInt(4);
            for (int l = 0; l < lines; l++) {
                int words = 5 + r.nextInt(30);
                for (int w = 0; w < words; w++) {
                    String word = WORDS[(int) Math.min(WORDS.length - 1, Math.floor(Math.pow(r.nextDouble(), 2.2) * WORDS.length))];
                    if (w == 0) word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                    sb.append(word).append(w == words - 1 ? "." : (r.nextInt(12) == 0 ? ", " : " "));
                }
                if (l < lines - 1) sb.append('\n');
            }
            docs.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return docs;
    }

    /** 120 documents (seed 21) joined by blank lines. */
    public static byte[] stream() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] d : documents(120, 21)) {
            o.writeBytes(d);
            o.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
        }
        return o.toByteArray();
    }
}
