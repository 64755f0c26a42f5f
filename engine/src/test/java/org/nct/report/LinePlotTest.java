package org.nct.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.*;

class LinePlotTest {

    private static final int CX = (LinePlot.LEFT + LinePlot.RIGHT) / 2, CY = (LinePlot.TOP + LinePlot.BOTTOM) / 2;

    /** True when a pixel within r of (x, y) has exactly colour c. */
    private static boolean near(BufferedImage img, int x, int y, int r, Color c) {
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                if ((img.getRGB(x + dx, y + dy) & 0xffffff) == (c.getRGB() & 0xffffff)) return true;
            }
        }
        return false;
    }

    private static int count(BufferedImage img, Color c) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff)) n++;
        }
        return n;
    }

    @Test
    void writesAReadablePngWithEachSeriesWhereItsPointsAre(@TempDir Path dir) throws Exception {
        // y = x on 0..10 passes the centre of the plot area (the axes are 0..10 plus equal margins);
        // y = 10 - x as well; y = 2 stays in the lower part
        double[] x = {0, 2.5, 5, 7.5, 10};
        List<LinePlot.Series> series = List.of(
                new LinePlot.Series("up", x, new double[] {0, 2.5, 5, 7.5, 10}),
                new LinePlot.Series("down", x, new double[] {10, 7.5, 5, 2.5, 0}),
                new LinePlot.Series("flat", x, new double[] {2, 2, 2, 2, 2}));
        Path png = dir.resolve("sub/plot.png");
        LinePlot.write(png, "Title", "x label", "y label", series);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO could not read the PNG back");
        assertEquals(LinePlot.WIDTH, img.getWidth());
        assertEquals(LinePlot.HEIGHT, img.getHeight());
        assertTrue(near(img, CX, CY, 5, LinePlot.PALETTE[1]) || near(img, CX, CY, 5, LinePlot.PALETTE[0]),
                "a series colour at the centre of the plot area");
        // the point (2.5, 7.5) of "down": a quarter of the data span from the left, three quarters up
        LinePlot.Axis ax = LinePlot.Axis.of(series, true, false), ay = LinePlot.Axis.of(series, false, false);
        int qx = px(ax, 2.5), qy = py(ay, 7.5);
        assertEquals(LinePlot.LEFT + (LinePlot.RIGHT - LinePlot.LEFT) * (0.05 + 0.25) / 1.1, qx, 1);
        assertTrue(near(img, qx, qy, 3, LinePlot.PALETTE[1]), "'down' at (2.5, 7.5)");
        assertFalse(near(img, qx, qy, 3, LinePlot.PALETTE[2]), "'flat' is not at y = 7.5");
        assertTrue(near(img, qx, py(ay, 2), 3, LinePlot.PALETTE[2]), "'flat' at y = 2");
        for (int s = 0; s < 3; s++) assertTrue(count(img, LinePlot.PALETTE[s]) > 200, "series " + s + " drawn");
        try (var files = Files.list(png.getParent())) {
            assertEquals(1, files.count(), "no temporary file left beside the PNG");
        }
    }

    @Test
    void logAxesPlaceDecadesEvenly(@TempDir Path dir) throws Exception {
        // log-log over exactly 1..100 on both axes: (10, 10) is the centre
        List<LinePlot.Series> one = List.of(new LinePlot.Series("a", new double[] {1, 10, 100}, new double[] {100, 10, 1}));
        Path png = dir.resolve("log.png");
        LinePlot.write(png, "log", "FLOPs/byte", "bits/byte", true, true, one);
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(near(img, CX, CY, 2, LinePlot.PALETTE[0]), "(10,10) at the centre on log axes");
        // on linear axes the line passes (50, 5.5), far below the centre (50, 50)
        BufferedImage lin = LinePlot.render("lin", "x", "y", false, false, one);
        assertFalse(near(lin, CX, CY, 2, LinePlot.PALETTE[0]), "linear axes differ from log axes");
    }

    @Test
    void skipsPointsThatCannotBeDrawnAndRejectsAnEmptyPlot() {
        List<LinePlot.Series> withBad = List.of(new LinePlot.Series("a",
                new double[] {1, 2, 3, 4}, new double[] {1, Double.NaN, -1, 4}));
        assertNotNull(LinePlot.render("t", "x", "y", false, true, withBad));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinePlot.render("t", "x", "y", false, true,
                List.of(new LinePlot.Series("a", new double[] {1, 2}, new double[] {0, -3}))));
        assertTrue(e.getMessage().contains("log axis"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LinePlot.Series("a", new double[2], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> LinePlot.render("t", "x", "y", false, false, List.of()));
    }

    @Test
    void aSinglePointIsDrawn() {
        BufferedImage img = LinePlot.render("t", "x", "y", false, false,
                List.of(new LinePlot.Series("p", new double[] {3}, new double[] {7})));
        assertTrue(near(img, CX, CY, 3, LinePlot.PALETTE[0]), "a lone point is centred in its widened range");
    }

    private static int px(LinePlot.Axis ax, double x) {
        return (int) Math.round(ax.toPixel(x, LinePlot.LEFT, LinePlot.RIGHT));
    }

    private static int py(LinePlot.Axis ay, double y) {
        return (int) Math.round(ay.toPixel(y, LinePlot.BOTTOM, LinePlot.TOP));
    }

    @Test
    void tickLabelsAreShortWithSiSuffixes() {
        assertEquals("2M", LinePlot.tickLabel(2e6, 2e6));
        assertEquals("500k", LinePlot.tickLabel(5e5, 5e5));
        assertEquals("1.5k", LinePlot.tickLabel(1500, 500));
        assertEquals("2k", LinePlot.tickLabel(2000, 500));
        assertEquals("1.5G", LinePlot.tickLabel(1.5e9, 1e8));
        assertEquals("20M", LinePlot.tickLabel(2e7, 2e7));
        assertEquals("-3k", LinePlot.tickLabel(-3000, 1000));
        assertEquals("100", LinePlot.tickLabel(100, 100));
        assertEquals("0.5", LinePlot.tickLabel(0.5, 0.1));
        assertEquals("2.0", LinePlot.tickLabel(2, 0.5));
        assertEquals("3.60", LinePlot.tickLabel(3.6000000000000005, 0.05));
        assertEquals("0.01", LinePlot.tickLabel(0.01, 0.01));
        assertEquals("0", LinePlot.tickLabel(0, 0.2));
        assertEquals("1e-4", LinePlot.tickLabel(1e-4, 1e-4));
        assertEquals("2.5e-5", LinePlot.tickLabel(2.5e-5, 1e-5));
        // the labels of a real log axis: 200k .. 20M with 2x and 5x ticks, none in exponent notation
        List<LinePlot.Series> s = List.of(new LinePlot.Series("m", new double[] {3e5, 2e6, 1.5e7}, new double[] {1, 2, 3}));
        LinePlot.Axis ax = LinePlot.Axis.of(s, true, true);
        List<String> labels = ax.ticks.stream().map(ax::label).toList();
        assertEquals(List.of("500k", "1M", "2M", "5M", "10M"), labels);
    }

    /** Every drawable point, marker included, lies inside the plot area; nothing of a series is drawn beyond it. */
    @Test
    void pointsLieInsideThePlotArea() {
        List<List<LinePlot.Series>> cases = List.of(
                List.of(new LinePlot.Series("a", new double[] {0, 10}, new double[] {0, 10})),
                List.of(new LinePlot.Series("a", new double[] {1e5, 1e6, 1e7}, new double[] {4.6, 3.1, 2.5}, new String[] {"cpu-s", "cpu-m", "3m"}),
                        new LinePlot.Series("b", new double[] {3e5}, new double[] {8}, new String[] {"a long label near the frame"})),
                List.of(new LinePlot.Series("c", new double[] {-5, 0, 5}, new double[] {-1e6, 0, 1e6})));
        boolean[][] logs = {{false, false}, {true, false}, {false, false}};
        int r = LinePlot.MARKER_RADIUS;
        for (int c = 0; c < cases.size(); c++) {
            List<LinePlot.Series> series = cases.get(c);
            LinePlot.Axis ax = LinePlot.Axis.of(series, true, logs[c][0]), ay = LinePlot.Axis.of(series, false, logs[c][1]);
            for (LinePlot.Series se : series) {
                for (int i = 0; i < se.x().length; i++) {
                    double x = ax.toPixel(se.x()[i], LinePlot.LEFT, LinePlot.RIGHT), y = ay.toPixel(se.y()[i], LinePlot.BOTTOM, LinePlot.TOP);
                    String where = "case " + c + " " + se.name() + "[" + i + "] at (" + x + ", " + y + ")";
                    assertTrue(x - r > LinePlot.LEFT && x + r < LinePlot.RIGHT, where);
                    assertTrue(y - r > LinePlot.TOP && y + r < LinePlot.BOTTOM, where);
                }
            }
            BufferedImage img = LinePlot.render("t", "x", "y", logs[c][0], logs[c][1], series);
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    boolean outside = x < LinePlot.LEFT || y < LinePlot.TOP || y > LinePlot.BOTTOM;
                    if (!outside) continue;
                    for (int s = 0; s < series.size(); s++) {
                        assertNotEquals(LinePlot.PALETTE[s].getRGB() & 0xffffff, img.getRGB(x, y) & 0xffffff,
                                "case " + c + ": series " + s + " drawn outside the plot area at (" + x + ", " + y + ")");
                    }
                }
            }
        }
    }

    @Test
    void pointLabelsAreDrawnBesideTheirPoints() {
        double[] x = {1, 2, 3}, y = {1, 3, 2};
        BufferedImage plain = LinePlot.render("t", "x", "y", false, false, List.of(new LinePlot.Series("a", x, y)));
        BufferedImage labelled = LinePlot.render("t", "x", "y", false, false,
                List.of(new LinePlot.Series("a", x, y, new String[] {"small", "MEDIUM", null})));
        int extra = count(labelled, LinePlot.PALETTE[0]) - count(plain, LinePlot.PALETTE[0]);
        assertTrue(extra > 20, "label text in the series colour, got " + extra + " more pixels");
        assertThrows(IllegalArgumentException.class, () -> new LinePlot.Series("a", x, y, new String[2]));
    }

    @Test
    void niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(1.0, LinePlot.Axis.niceStep(8), 0);
        assertEquals(0.2, LinePlot.Axis.niceStep(1.2), 1e-15);
        assertEquals(500.0, LinePlot.Axis.niceStep(3000), 0);
    }
}
