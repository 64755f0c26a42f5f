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
        // y = x on 0..10 passes the centre of the plot area (the axis is exactly 0..10);
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
        // the point (2.5, 7.5) of "down" sits at one quarter of the width and three quarters of the height
        int qx = LinePlot.LEFT + (LinePlot.RIGHT - LinePlot.LEFT) / 4, qy = LinePlot.BOTTOM - 3 * (LinePlot.BOTTOM - LinePlot.TOP) / 4;
        assertTrue(near(img, qx, qy, 3, LinePlot.PALETTE[1]), "'down' at (2.5, 7.5)");
        assertFalse(near(img, qx, qy, 3, LinePlot.PALETTE[2]), "'flat' is not at y = 7.5");
        int fy = LinePlot.BOTTOM - (LinePlot.BOTTOM - LinePlot.TOP) / 5;
        assertTrue(near(img, qx, fy, 3, LinePlot.PALETTE[2]), "'flat' at y = 2");
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

    @Test
    void niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(1.0, LinePlot.Axis.niceStep(8), 0);
        assertEquals(0.2, LinePlot.Axis.niceStep(1.2), 1e-15);
        assertEquals(500.0, LinePlot.Axis.niceStep(3000), 0);
    }
}
