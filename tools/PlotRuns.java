import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nct.report.LinePlot;

/**
 * Plots several training runs' metrics side by side, against the step: training loss (bits per
 * byte of the logged batch loss, z-loss included) and validation bits/byte.
 *
 * <pre>
 * java -cp 'bench/target/classes:bench/target/lib/*' tools/PlotRuns.java OUT_PREFIX NAME=RUN.metrics.jsonl...
 * </pre>
 * writes OUT_PREFIX-train.png and OUT_PREFIX-val.png.
 */
public class PlotRuns {
    static final Pattern STEP = Pattern.compile("\"step\":(\\d+)");
    static double field(String line, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":([-0-9.eE]+)").matcher(line);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: PlotRuns OUT_PREFIX NAME=RUN.metrics.jsonl...");
            System.exit(1);
        }
        List<LinePlot.Series> train = new ArrayList<>(), val = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] nv = args[i].split("=", 2);
            List<double[]> t = new ArrayList<>(), v = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of(nv[1]))) {
                Matcher m = STEP.matcher(line);
                if (!m.find()) continue;
                double step = Double.parseDouble(m.group(1));
                if (line.contains("\"type\":\"train\"")) t.add(new double[] {step, field(line, "loss") / Math.log(2)});
                if (line.contains("\"type\":\"eval\"")) v.add(new double[] {step, field(line, "val_bits_per_byte")});
            }
            train.add(series(nv[0], t));
            val.add(series(nv[0], v));
        }
        LinePlot.write(Path.of(args[0] + "-train.png"), "training loss", "step", "bits/byte (batch loss / ln 2)", train);
        LinePlot.write(Path.of(args[0] + "-val.png"), "validation", "step", "val bits/byte", val);
    }
    static LinePlot.Series series(String name, List<double[]> pts) {
        double[] x = new double[pts.size()], y = new double[pts.size()];
        for (int i = 0; i < x.length; i++) { x[i] = pts.get(i)[0]; y[i] = pts.get(i)[1]; }
        return new LinePlot.Series(name, x, y);
    }
}
