package org.nct.util;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: fraction done, rate in units/s and ETA. It is drawn only when
 * stderr is a terminal ({@link Terminal#stderr()}), redrawn at most every 200 ms.
 * When stderr is not a terminal (a log, CI, a pipe) nothing is printed, unless
 * {@code NCT_PROGRESS=1} asks for plain periodic lines (every 10 s) there; {@code NCT_QUIET}
 * silences it everywhere.
 */
public final class Progress implements AutoCloseable {
    private final String label;
    private final String unit;
    private final long total;
    private final PrintStream out;
    private final boolean tty;
    private final boolean quiet;
    private final long start = System.nanoTime();
    private long last;
    private long done;
    private String extra = "";

    public Progress(String label, long total, String unit) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.out = System.err;
        this.tty = Terminal.stderr();
        this.quiet = !shown();
    }

    /** Whether progress is printed at all: stderr is a terminal or NCT_PROGRESS=1, and NCT_QUIET is unset. */
    public static boolean shown() {
        return System.getenv("NCT_QUIET") == null && (Terminal.stderr() || "1".equals(System.getenv("NCT_PROGRESS")));
    }

    /** Free text shown after the numbers (e.g. the current loss). */
    public void status(String text) {
        this.extra = text;
    }

    public void advance(long n) {
        set(done + n);
    }

    public void set(long value) {
        done = value;
        long now = System.nanoTime();
        long interval = tty ? 200_000_000L : 10_000_000_000L;
        if (now - last >= interval || (total > 0 && done >= total)) {
            last = now;
            draw(now, false);
        }
    }

    private void draw(long now, boolean fin) {
        if (quiet) return;
        double secs = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / secs;
        StringBuilder sb = new StringBuilder();
        sb.append(label).append(' ');
        if (total > 0) {
            double f = Math.min(1.0, (double) done / total);
            int width = 24, filled = (int) Math.round(f * width);
            sb.append('[').append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ");
            sb.append(String.format(Locale.ROOT, "%5.1f%% ", 100 * f));
            sb.append(done).append('/').append(total).append(' ').append(unit);
            double eta = rate > 0 ? (total - done) / rate : Double.NaN;
            sb.append(String.format(Locale.ROOT, "  %.1f %s/s  ETA %s", rate, unit, fin ? "done" : time(eta)));
        } else {
            sb.append(done).append(' ').append(unit).append(String.format(Locale.ROOT, "  %.1f %s/s", rate, unit));
        }
        if (!extra.isEmpty()) sb.append("  ").append(extra);
        if (tty) {
            out.print("\r\033[K" + sb);
            if (fin) out.println();
        } else {
            out.println(sb);
        }
        out.flush();
    }

    static String time(double s) {
        if (Double.isNaN(s) || Double.isInfinite(s)) return "?";
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, (t / 60) % 60)
                : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
    }

    @Override
    public void close() {
        draw(System.nanoTime(), true);
    }
}
