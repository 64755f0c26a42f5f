package org.nct.report;

import org.nct.util.AtomicFiles;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * PNG line charts: several named series, axis labels, a title, optional logarithmic axes.
 * Pure {@code java.awt} + {@code javax.imageio}; works headless.
 *
 * <pre>{@code
 * LinePlot.write(Path.of("loss.png"), "Training loss", "step", "loss", false, false,
 *         List.of(new LinePlot.Series("train", steps, losses)));
 * }</pre>
 *
 * <ul>
 *   <li>Tick labels are short: SI suffixes from a thousand up ({@code 500k}, {@code 2M},
 *       {@code 1.5G}), plain decimals below ({@link #tickLabel}). A log axis has a tick at every
 *       decade, and at 2× and 5× when it spans at most three decades.</li>
 *   <li>Each axis extends {@value #MARGIN} of its span beyond the outermost points, so no marker
 *       touches the frame; the legend sits outside the plot area, right of it.</li>
 *   <li>Points whose x or y is not finite (or not positive on a log axis) are left out; a series
 *       with one point is drawn as a marker. Markers are drawn at every point of a series of at
 *       most {@value #MARKER_LIMIT} points, with the series' point labels beside them when it has
 *       some (e.g. the model size of each point).</li>
 * </ul>
 */
public final class LinePlot {
    private LinePlot() { }

    /** One named line: the points (x[i], y[i]), each with an optional label (null: none). */
    public record Series(String name, double[] x, double[] y, String[] labels) {
        public Series {
            if (name == null || x == null || y == null) throw new IllegalArgumentException("series name, x and y must be given");
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': x has " + x.length + " values, y has " + y.length);
            }
            if (labels != null && labels.length != x.length) {
                throw new IllegalArgumentException("series '" + name + "': " + x.length + " points, " + labels.length + " labels");
            }
        }

        public Series(String name, double[] x, double[] y) {
            this(name, x, y, null);
        }
    }

    static final int WIDTH = 1100, HEIGHT = 600;
    /** The plot area (the rectangle the axes enclose), in pixels; the legend is right of it. */
    static final int LEFT = 90, RIGHT = WIDTH - 250, TOP = 50, BOTTOM = HEIGHT - 70;
    /** Share of an axis's span left empty beyond the outermost point at each end. */
    static final double MARGIN = 0.05;
    static final int MARKER_RADIUS = 4;
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
        new Color(0x7f7f7f), new Color(0xbcbd22)};
    static final int MARKER_LIMIT = 40;

    /** Writes a chart with linear axes to {@code png} (atomically). */
    public static void write(Path png, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        write(png, title, xLabel, yLabel, false, false, series);
    }

    /**
     * Writes a chart to {@code png} (atomically), with a logarithmic x and/or y axis as asked.
     *
     * @throws IllegalArgumentException when no series has a point that can be drawn
     */
    public static void write(Path png, String title, String xLabel, String yLabel, boolean logX, boolean logY,
                             List<Series> series) throws IOException {
        BufferedImage image = render(title, xLabel, yLabel, logX, logY, series);
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer available");
        });
    }

    static BufferedImage render(String title, String xLabel, String yLabel, boolean logX, boolean logY,
                                List<Series> series) {
        Axis ax = Axis.of(series, true, logX);
        Axis ay = Axis.of(series, false, logY);
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();

            // grid and tick labels
            g.setStroke(new BasicStroke(1f));
            for (double t : ax.ticks) {
                int px = (int) Math.round(ax.toPixel(t, LEFT, RIGHT));
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(px, TOP, px, BOTTOM);
                g.setColor(Color.DARK_GRAY);
                g.drawLine(px, BOTTOM, px, BOTTOM + 4);
                String s = ax.label(t);
                g.drawString(s, px - fm.stringWidth(s) / 2, BOTTOM + fm.getAscent() + 7);
            }
            for (double t : ay.ticks) {
                int py = (int) Math.round(ay.toPixel(t, BOTTOM, TOP));
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(LEFT, py, RIGHT, py);
                g.setColor(Color.DARK_GRAY);
                g.drawLine(LEFT - 4, py, LEFT, py);
                String s = ay.label(t);
                g.drawString(s, LEFT - fm.stringWidth(s) - 8, py + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);

            // title and axis labels
            g.setFont(font.deriveFont(Font.BOLD, 16f));
            FontMetrics tm = g.getFontMetrics();
            g.drawString(title, Math.max(8, (LEFT + RIGHT - tm.stringWidth(title)) / 2), TOP - 18);
            g.setFont(font.deriveFont(14f));
            FontMetrics lm = g.getFontMetrics();
            String xl = xLabel + (logX ? " (log scale)" : "");
            g.drawString(xl, (LEFT + RIGHT - lm.stringWidth(xl)) / 2, HEIGHT - 20);
            String yl = yLabel + (logY ? " (log scale)" : "");
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            g.drawString(yl, -(TOP + BOTTOM + lm.stringWidth(yl)) / 2, 22);
            g.setTransform(saved);

            // series (the axis ranges enclose every point with a margin)
            g.setFont(font.deriveFont(11f));
            FontMetrics pm = g.getFontMetrics();
            for (int s = 0; s < series.size(); s++) {
                Series se = series.get(s);
                g.setColor(PALETTE[s % PALETTE.length]);
                g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D.Double path = new Path2D.Double();
                boolean open = false;
                int drawable = 0;
                for (int i = 0; i < se.x().length; i++) {
                    if (!ax.accepts(se.x()[i]) || !ay.accepts(se.y()[i])) { open = false; continue; }
                    drawable++;
                    double px = ax.toPixel(se.x()[i], LEFT, RIGHT), py = ay.toPixel(se.y()[i], BOTTOM, TOP);
                    if (open) path.lineTo(px, py); else path.moveTo(px, py);
                    open = true;
                }
                g.draw(path);
                if (drawable > MARKER_LIMIT) continue;
                for (int i = 0; i < se.x().length; i++) {
                    if (!ax.accepts(se.x()[i]) || !ay.accepts(se.y()[i])) continue;
                    double px = ax.toPixel(se.x()[i], LEFT, RIGHT), py = ay.toPixel(se.y()[i], BOTTOM, TOP);
                    int r = MARKER_RADIUS;
                    g.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
                    String label = se.labels() == null ? null : se.labels()[i];
                    if (label != null && !label.isEmpty()) {
                        // right of the marker, or left of it where the frame is near
                        int w = pm.stringWidth(label);
                        int tx = px + r + 4 + w <= RIGHT - 2 ? (int) px + r + 4 : (int) px - r - 4 - w;
                        int ty = (int) Math.max(TOP + pm.getAscent() + 1, Math.min(BOTTOM - 3, py - r - 2));
                        g.drawString(label, tx, ty);
                    }
                }
            }

            // legend, right of the plot area
            g.setFont(font);
            int lx = RIGHT + 20, ly = TOP, row = fm.getHeight() + 4;
            for (int s = 0; s < series.size(); s++) {
                int yy = ly + s * row + row / 2;
                g.setColor(PALETTE[s % PALETTE.length]);
                g.setStroke(new BasicStroke(2f));
                g.drawLine(lx, yy, lx + 26, yy);
                g.fill(new Ellipse2D.Double(lx + 13 - MARKER_RADIUS, yy - MARKER_RADIUS, 2 * MARKER_RADIUS, 2 * MARKER_RADIUS));
                g.setColor(Color.BLACK);
                g.drawString(series.get(s).name(), lx + 34, yy + fm.getAscent() / 2 - 1);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * A tick label: SI suffixes from a thousand up ({@code 2000000 → "2M"}, {@code 500000 →
     * "500k"}, {@code 1500 → "1.5k"}), decimals as fine as the tick {@code step} below a thousand
     * ({@code 0.5} with step 0.1 → {@code "0.5"}, {@code 2} with step 0.5 → {@code "2.0"}),
     * {@code 2.5e-4} style under a thousandth. {@code step} is the spacing of neighbouring ticks
     * (on a log axis, the tick's own magnitude).
     */
    static String tickLabel(double v, double step) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 999.5) {
            String[] suffix = {"k", "M", "G", "T", "P", "E"};
            int k = Math.max(1, Math.min(suffix.length, (int) Math.floor(Math.log10(a * (1 + 1e-12)) / 3)));
            double unit = Math.pow(1000, k);
            int decimals = (int) Math.max(0, Math.min(3, Math.ceil(-Math.log10(step / unit) - 1e-9)));
            return trimZeros(String.format(Locale.ROOT, "%." + decimals + "f", v / unit)) + suffix[k - 1];
        }
        if (a < 1e-3) {
            int e = (int) Math.floor(Math.log10(a * (1 + 1e-12)));
            double m = v / Math.pow(10, e);
            return trimZeros(String.format(Locale.ROOT, "%.1f", m)) + "e" + e;
        }
        int decimals = (int) Math.max(0, Math.min(6, Math.ceil(-Math.log10(step) - 1e-9)));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String trimZeros(String s) {
        if (!s.contains(".")) return s;
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** One axis: its range (in log10 units on a log axis) and its ticks (in data units). */
    static final class Axis {
        final boolean log;
        final double lo, hi;            // transformed range, margins included
        final List<Double> ticks = new ArrayList<>();
        final double step;              // linear tick step (labels' precision); 0 on a log axis with decade ticks

        private Axis(boolean log, double lo, double hi, double step) {
            this.log = log;
            this.lo = lo;
            this.hi = hi;
            this.step = step;
        }

        boolean accepts(double v) {
            return Double.isFinite(v) && (!log || v > 0);
        }

        double toPixel(double v, double p0, double p1) {
            double t = log ? Math.log10(v) : v;
            return p0 + (t - lo) / (hi - lo) * (p1 - p0);
        }

        String label(double v) {
            return tickLabel(v, step > 0 ? step : Math.abs(v));
        }

        static Axis of(List<Series> series, boolean x, boolean log) {
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (Series s : series) {
                for (int i = 0; i < s.x().length; i++) {
                    double vx = s.x()[i], vy = s.y()[i];
                    if (!Double.isFinite(vx) || !Double.isFinite(vy)) continue;
                    if (log && (x ? vx : vy) <= 0) continue;
                    double v = x ? vx : vy;
                    min = Math.min(min, log ? Math.log10(v) : v);
                    max = Math.max(max, log ? Math.log10(v) : v);
                }
            }
            if (min > max) {
                throw new IllegalArgumentException("nothing to plot: no series has a finite point"
                        + (log ? " with positive " + (x ? "x" : "y") + " for the log axis" : ""));
            }
            if (max - min < 1e-12 * Math.max(1, Math.abs(max))) { // a single value: widen around it
                double pad = log ? 0.5 : Math.max(Math.abs(max) * 0.1, 1);
                min -= pad;
                max += pad;
            }
            double pad = MARGIN * (max - min);
            double lo = min - pad, hi = max + pad;
            if (log) {
                if (hi - lo >= 1) {
                    boolean minor = hi - lo <= 3.2;
                    Axis a = new Axis(true, lo, hi, 0);
                    int every = (int) Math.max(1, Math.ceil((hi - lo) / 10));
                    for (double e = Math.floor(lo); e <= hi + 1e-9; e++) {
                        long d = Math.round(e);
                        if (d % every != 0 && !minor) continue;
                        for (int m : minor ? new int[] {1, 2, 5} : new int[] {1}) {
                            double t = Math.log10(m) + d;
                            if (t >= lo - 1e-9 && t <= hi + 1e-9) a.ticks.add(m * Math.pow(10, d));
                        }
                    }
                    return a;
                }
                // less than a decade: nice linear ticks of the values inside the range
                double vlo = Math.pow(10, lo), vhi = Math.pow(10, hi);
                double step = niceStep(vhi - vlo);
                Axis a = new Axis(true, lo, hi, step);
                for (double t = Math.ceil(vlo / step - 1e-9) * step; t <= vhi * (1 + 1e-12); t += step) {
                    if (t > 0) a.ticks.add(t);
                }
                return a;
            }
            double step = niceStep(max - min);
            Axis a = new Axis(false, lo, hi, step);
            for (long i = (long) Math.ceil(lo / step - 1e-9); i * step <= hi + 1e-9 * step; i++) a.ticks.add(i * step);
            return a;
        }

        /** A step of 1, 2 or 5 times a power of ten giving about 5 to 10 intervals over the span. */
        static double niceStep(double span) {
            double raw = span / 8;
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / p;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
        }
    }
}
