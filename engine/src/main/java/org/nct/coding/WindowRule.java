package org.nct.coding;

import java.util.Locale;

/** How an Equal-Info window chooses its bytes and its W-bit code (see docs/compression.md). */
public enum WindowRule {
    /** Rule G: a cell straddling a child boundary; lossless by construction (the default). */
    G(1),
    /** The paper's "Delay" rule: drop window-final bytes that do not change the padded code. Lossless. */
    DELAY(2),
    /** The paper's greedy rule, zero-padded shortest code, look-ahead decoder. Not lossless. */
    GREEDY(3);

    /** The byte that identifies the rule in .nct headers and dataset metadata. */
    public final int code;

    WindowRule(int code) {
        this.code = code;
    }

    public static WindowRule ofCode(int code) {
        for (WindowRule r : values()) if (r.code == code) return r;
        throw new IllegalArgumentException("unknown window rule code " + code);
    }

    /** Parses g, delay or greedy (case-insensitive). */
    public static WindowRule parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "g" -> G;
            case "delay", "minimal" -> DELAY;
            case "greedy" -> GREEDY;
            default -> throw new IllegalArgumentException("unknown window rule '" + s + "' (expected g, greedy or delay)");
        };
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
