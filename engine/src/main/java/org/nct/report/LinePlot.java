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
 * Points whose x or y is not finite (or not positive on a log axis) are left out; a series with
 * one point is drawn as a marker. Series are coloured in order from a fixed palette. Markers are
 * drawn at every point of a series of at most {@value #MARKER_LIMIT} points.
 */
public final class LinePlot {
    private LinePlot() { }

    /** One named line: the points (x[i], y[i]). */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (name == null || x == null || y == null) throw new IllegalArgumentException("series name, x and y must be given");
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': x has " + x.length + " values, y has " + y.length);
            }
        }
    }

    static final int WIDTH = 900, HEIGHT = 560;
    /** The plot area (the rectangle the axes enclose), in pixels. */
    static final int LEFT = 90, RIGHT = WIDTH - 30, TOP = 50, BOTTOM = HEIGHT - 70;
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
                String s = ax.label(t);
                g.drawString(s, px - fm.stringWidth(s) / 2, BOTTOM + fm.getAscent() + 6);
            }
            for (double t : ay.ticks) {
                int py = (int) Math.round(ay.toPixel(t, BOTTOM, TOP));
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(LEFT, py, RIGHT, py);
                g.setColor(Color.DARK_GRAY);
                String s = ay.label(t);
                g.drawString(s, LEFT - fm.stringWidth(s) - 6, py + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);

            // title and axis labels
            g.setFont(font.deriveFont(Font.BOLD, 16f));
            FontMetrics tm = g.getFontMetrics();
            g.drawString(title, (LEFT + RIGHT - tm.stringWidth(title)) / 2, TOP - 18);
            g.setFont(font.deriveFont(14f));
            FontMetrics lm = g.getFontMetrics();
            String xl = xLabel + (logX ? " (log)" : "");
            g.drawString(xl, (LEFT + RIGHT - lm.stringWidth(xl)) / 2, HEIGHT - 20);
            String yl = yLabel + (logY ? " (log)" : "");
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            g.drawString(yl, -(TOP + BOTTOM + lm.stringWidth(yl)) / 2, 22);
            g.setTransform(saved);

            // series (the axis ranges enclose every drawable point)
            g.setFont(font);
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
                if (drawable <= MARKER_LIMIT) {
                    for (int i = 0; i < se.x().length; i++) {
                        if (!ax.accepts(se.x()[i]) || !ay.accepts(se.y()[i])) continue;
                        double px = ax.toPixel(se.x()[i], LEFT, RIGHT), py = ay.toPixel(se.y()[i], BOTTOM, TOP);
                        g.fill(new Ellipse2D.Double(px - 4, py - 4, 8, 8));
                    }
                }
            }

            // legend, top right inside the plot area
            int lw = 0;
            for (Series se : series) lw = Math.max(lw, fm.stringWidth(se.name()));
            int lx = RIGHT - lw - 48, ly = TOP + 10, row = fm.getHeight() + 2;
            g.setColor(new Color(255, 255, 255, 220));
            g.fillRect(lx - 6, ly - 4, lw + 48, row * series.size() + 8);
            g.setColor(Color.GRAY);
            g.drawRect(lx - 6, ly - 4, lw + 48, row * series.size() + 8);
            for (int s = 0; s < series.size(); s++) {
                int yy = ly + s * row + row / 2;
                g.setColor(PALETTE[s % PALETTE.length]);
                g.setStroke(new BasicStroke(2f));
                g.drawLine(lx, yy, lx + 26, yy);
                g.setColor(Color.BLACK);
                g.drawString(series.get(s).name(), lx + 34, yy + fm.getAscent() / 2 - 1);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** One axis: its range (in log10 units on a log axis) and its ticks (in data units). */
    static final class Axis {
        final boolean log;
        final double lo, hi;            // transformed range
        final List<Double> ticks = new ArrayList<>();
        final double step;              // linear tick step (labels' precision)

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
            if (log) {
                double e = Math.log10(v);
                if (Math.abs(e - Math.rint(e)) < 1e-9 && (e >= 4 || e <= -3)) return "1e" + (long) Math.rint(e);
                return trim(String.format(Locale.ROOT, "%.6g", v));
            }
            if (v != 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return String.format(Locale.ROOT, "%.2g", v);
            int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }

        private static String trim(String s) {
            if (s.contains("e") || !s.contains(".")) return s;
            s = s.replaceAll("0+$", "");
            return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        }

        static Axis of(List<Series> series, boolean x, boolean log) {
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (Series s : series) {
                for (int i = 0; i < s.x().length; i++) {
                    double vx = s.x()[i], vy = s.y()[i];
                    if (!Double.isFinite(vx) || !Double.isFinite(vy)) continue;
                    double v = x ? vx : vy;
                    if (log && v <= 0) continue;
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
            if (log) {
                double lo = Math.floor(min + 1e-9), hi = Math.ceil(max - 1e-9);
                if (hi - lo >= 2) {
                    Axis a = new Axis(true, lo, hi, 1);
                    int every = (int) Math.ceil((hi - lo) / 10);
                    for (double e = lo; e <= hi + 1e-9; e += every) a.ticks.add(Math.pow(10, e));
                    return a;
                }
                // less than two decades: nice ticks of the values inside the range
                Axis a = new Axis(true, min, max, 1);
                double step = niceStep(Math.pow(10, max) - Math.pow(10, min));
                for (double t = Math.ceil(Math.pow(10, min) / step) * step; t <= Math.pow(10, max) * (1 + 1e-12); t += step) {
                    if (t > 0) a.ticks.add(t);
                }
                return a;
            }
            double step = niceStep(max - min);
            double lo = Math.floor(min / step + 1e-9) * step, hi = Math.ceil(max / step - 1e-9) * step;
            Axis a = new Axis(false, lo, hi, step);
            long n = Math.round((hi - lo) / step);
            for (long i = 0; i <= n; i++) a.ticks.add(lo + i * step);
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
