package org.nct.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nct.paper.PaperNumbers;
import org.nct.report.LinePlot;
import org.nct.tokenize.Method;
import org.nct.util.AtomicFiles;

/**
 * Writes the experiment's report: {@code report.md} (paper Tables 15, 12, 3 and 16 analogues with
 * the paper's numbers beside ours, the findings, M1, every setting, the machine and the stage
 * times), {@code results.json}, {@code results.csv} and two PNG plots (paper Figs. 3 and 4:
 * bits/byte against inference FLOPs/byte and against bytes per decoding step).
 */
public final class Report {
    private Report() { }

    public static final String MARKDOWN = "report.md", JSON_FILE = "results.json", CSV = "results.csv",
            PLOT_FLOPS = "bits_per_byte_vs_flops_per_byte.png", PLOT_STEP = "bits_per_byte_vs_bytes_per_step.png";

    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.INDENT_OUTPUT, true);

    /** Writes every report file into {@code dir}. */
    public static void write(Path dir, Results r) throws IOException {
        List<Findings.Finding> findings = Findings.check(r);
        AtomicFiles.write(dir.resolve(JSON_FILE), JSON.writeValueAsBytes(json(r, findings)));
        AtomicFiles.write(dir.resolve(CSV), csv(r).getBytes(StandardCharsets.UTF_8));
        plots(dir, r);
        AtomicFiles.write(dir.resolve(MARKDOWN), markdown(r, findings).getBytes(StandardCharsets.UTF_8));
    }

    static String seconds(double s) {
        if (s < 60) return String.format(Locale.ROOT, "%.1f s", s);
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", t / 3600, (t / 60) % 60, t % 60)
                : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
    }

    private static String f3(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "–";
    }

    private static String f2(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "–";
    }

    /** FLOPs as the paper prints them: millions with two decimals. */
    static String mflops(double v) {
        return String.format(Locale.ROOT, "%,.2fM", v / 1e6);
    }

    private static String count(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** The scale line's M1: trained by the preset, or given (named by its source). */
    static String m1Scale(Results r) {
        Preset p = r.preset();
        if (r.m1() == null || r.m1().given() == null) return "M1 `" + p.m1Preset() + "` trained " + count(p.m1Steps()) + " steps";
        Results.M1 m1 = r.m1();
        return "M1 given: `" + m1.given().source() + "` (not trained by this run; `" + m1.preset() + "`, "
                + (m1.steps() >= 0 ? count(m1.steps()) + " steps" : "steps unrecorded") + ", model id " + m1.given().modelId().substring(0, 16) + "…)";
    }

    static String markdown(Results r, List<Findings.Finding> findings) throws IOException {
        Preset p = r.preset();
        StringBuilder md = new StringBuilder();
        md.append("# nct experiment report: preset `").append(p.name()).append("`\n\n");
        md.append("Reproduction of Lester et al., \"Training LLMs over Neurally Compressed Text\" (TMLR 2024) at the scale of this preset.\n\n");
        md.append("- **Corpus:** ").append(r.corpus()).append('\n');
        if (r.corpusNote() != null) md.append("- **Note:** ").append(r.corpusNote()).append('\n');
        md.append("- **Scale:** ").append(m1Scale(r)).append("; M2 sizes ")
                .append(String.join(", ", p.m2Sizes())).append(", ").append(count(p.m2Steps())).append(" steps each at batch ")
                .append(p.m2Batch()).append(" × ").append(p.m2Seq()).append(" tokens. The paper: M1 2.5M steps; M2 25m–2b, 200k steps at batch 256 × 512.\n");
        md.append("- **Evaluation:** each M2 on the first ").append(count(p.evalTokens()))
                .append(" tokens (or all, if fewer) of its method's held-out dataset, built from documents that neither M1 nor any M2 trained on. ")
                .append("bits/byte = (tokens/bytes) × loss / ln 2 with the held-out compression ratio; inference FLOPs/byte = 2 × M2 non-embedding parameters / ratio, ")
                .append("plus 2 × M1 non-embedding parameters for AC and EqualInfoAC (M1 runs at inference); bytes/step = the compression ratio.\n");
        md.append("- **Paper columns:** the paper's number at the paper size nearest (in parameters) to ours; at this scale they show the direction of each effect, not a target.\n\n");

        md.append("## Findings\n\n");
        for (Findings.Finding fi : findings) {
            md.append("- **").append(fi.verdict().text).append("**: ").append(fi.claim()).append(".  \n")
                    .append("  Paper: ").append(fi.paper()).append(".  \n")
                    .append("  Ours: ").append(fi.ours()).append(".\n");
        }
        md.append('\n');

        md.append("## Bits/byte and inference cost (paper Table 15)\n\n");
        md.append("| Method | M2 | non-emb. params | steps | eval tokens | loss/token (nats) | bits/byte | FLOPs/byte | bytes/step | paper size | paper bits/byte | paper FLOPs/byte |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (Method m : p.methods()) {
            for (String size : p.m2Sizes()) {
                Results.Model mod = r.model(m, size);
                if (mod == null) continue;
                int ps = PaperNumbers.nearestSize(mod.nonEmbeddingParams());
                PaperNumbers.Cell[] cells = PaperNumbers.TABLE15.get(m.paperName());
                md.append("| ").append(m.paperName()).append(" | ").append(size).append(" | ").append(count(mod.nonEmbeddingParams()))
                        .append(" | ").append(count(mod.steps())).append(" | ").append(count(mod.evalTokens()))
                        .append(" | ").append(f3(mod.evalLoss())).append(" | ").append(f3(mod.bitsPerByte()))
                        .append(" | ").append(mflops(mod.flopsPerByte())).append(" | ").append(f2(mod.bytesPerStep()))
                        .append(" | ").append(PaperNumbers.SIZES.get(ps)).append(" | ")
                        .append(cells == null ? "–" : f2(cells[ps].bitsPerByte())).append(" | ")
                        .append(cells == null ? "–" : mflops(cells[ps].flopsPerByte())).append(" |\n");
            }
            Results.Dataset d = r.dataset(m);
            if (d != null) {
                double[] t3 = PaperNumbers.uniformRow(m.paperName());
                md.append("| ").append(m.paperName()).append(" | uniform | | | | | ").append(f3(d.uniformBitsPerByte()))
                        .append(" | | | | ").append(t3 == null ? "–" : f2(t3[0])).append(" | |\n");
            }
        }
        md.append('\n');

        md.append("## Compression ratios on held-out text (paper Table 12)\n\n");
        md.append("Each example of ").append(count(p.exampleBytes())).append(" bytes keeps the longest prefix whose tokens fit one M2 sequence (")
                .append(p.m2Seq() + 1).append(" tokens), as the paper fits its 10,240-byte examples to 512 tokens; the ratio is bytes covered / tokens. ")
                .append("On short sequences methods with a fixed overhead (GZip's zlib header and checksum) compress less than on the paper's whole examples.\n\n");
        md.append("| Method | ratio (bytes/token) | held-out tokens | held-out bytes | padding tokens | train tokens | train bytes | paper ratio |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Method m : p.methods()) {
            Results.Dataset d = r.dataset(m);
            if (d == null) continue;
            Double pr = PaperNumbers.TABLE12_RATIO.get(m.paperName());
            md.append("| ").append(m.paperName()).append(" | ").append(f2(d.ratio())).append(" | ").append(count(d.validTokens()))
                    .append(" | ").append(count(d.validBytes())).append(" | ").append(count(d.validPadding()))
                    .append(" | ").append(count(d.trainTokens())).append(" | ").append(count(d.trainBytes()))
                    .append(" | ").append(pr == null ? "–" : f2(pr)).append(" |\n");
        }
        md.append('\n');

        md.append("## Trivial models on held-out tokens (paper Table 3)\n\n");
        md.append("Uniform: log2(v) bits per token; unigram: the token frequencies of the training tokens (add-one smoothed) scored on the held-out tokens. Both divided by the held-out bytes/token.\n\n");
        md.append("| Method | uniform | unigram | Δ | paper uniform | paper unigram | paper Δ |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Method m : p.methods()) {
            Results.Dataset d = r.dataset(m);
            if (d == null) continue;
            double[] t3 = PaperNumbers.TABLE3.get(m.paperName());
            md.append("| ").append(m.paperName()).append(" | ").append(f3(d.uniformBitsPerByte())).append(" | ")
                    .append(f3(d.unigramBitsPerByte())).append(" | ").append(f3(d.uniformBitsPerByte() - d.unigramBitsPerByte()))
                    .append(" | ").append(t3 == null ? "–" : f3(t3[0])).append(" | ").append(t3 == null ? "–" : f3(t3[1]))
                    .append(" | ").append(t3 == null ? "–" : f3(t3[0] - t3[1])).append(" |\n");
        }
        md.append('\n');

        List<Method> windows = new ArrayList<>();
        for (Method m : p.methods()) if (m.kind() == Method.Kind.EQINFO_AC) windows.add(m);
        if (windows.stream().anyMatch(m -> m.bits() != 16)) {
            md.append("## Window-size ablation (paper Table 16)\n\n");
            md.append("| Method | M2 | bits/byte | bits/token | FLOPs/byte | paper bits/byte (size) |\n|---|---|---:|---:|---:|---:|\n");
            for (Method m : windows) {
                for (String size : p.m2Sizes()) {
                    Results.Model mod = r.model(m, size);
                    if (mod == null) continue;
                    int ps = PaperNumbers.nearestSize(mod.nonEmbeddingParams());
                    PaperNumbers.Cell[] cells = PaperNumbers.TABLE15.get(m.paperName());
                    md.append("| ").append(m.paperName()).append(" | ").append(size).append(" | ").append(f3(mod.bitsPerByte()))
                            .append(" | ").append(f3(mod.bitsPerToken())).append(" | ").append(mflops(mod.flopsPerByte()))
                            .append(" | ").append(cells == null ? "–" : f2(cells[ps].bitsPerByte()) + " (" + PaperNumbers.SIZES.get(ps) + ")")
                            .append(" |\n");
                }
            }
            md.append('\n');
        }

        md.append("## Plots (paper Figs. 3 and 4)\n\n");
        md.append("![bits/byte vs inference FLOPs/byte](").append(PLOT_FLOPS).append(")\n\n");
        md.append("![bits/byte vs bytes per decoding step](").append(PLOT_STEP).append(")\n\n");

        md.append("## M1\n\n");
        if (r.m1() != null) {
            Results.M1 m1 = r.m1();
            if (m1.given() != null) {
                md.append("**Given, not trained by this run** (`").append(m1.given().source()).append("`): model id `")
                        .append(m1.given().modelId()).append("` (CDF precision 16, as .nct files record it), config ")
                        .append(m1.given().config()).append(".\n\n");
            }
            md.append("Preset `").append(m1.preset()).append("`: ").append(count(m1.nonEmbeddingParams())).append(" non-embedding parameters (")
                    .append(count(m1.totalParams())).append(" in all), ").append(m1.steps() >= 0 ? count(m1.steps()) : "unrecorded")
                    .append(" steps; held-out bits/byte ")
                    .append(f3(m1.validBitsPerByte())).append(" on ").append(count(m1.validBytes())).append(" bytes (the paper's 3m M1 after 2.5M steps: ")
                    .append(f3(PaperNumbers.M1_BITS_PER_BYTE)).append(").\n\n");
        }

        md.append("## Settings\n\n```json\n").append(JSON.writeValueAsString(p.toJson(JSON))).append("\n```\n\n");
        md.append("## Machine\n\n| | |\n|---|---|\n");
        r.machine().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append('\n');
        md.append("## Stages\n\n| stage | time | this run |\n|---|---:|---|\n");
        double total = 0;
        for (Stages.Record s : r.stages()) {
            total += s.seconds();
            md.append("| ").append(s.name()).append(" | ").append(seconds(s.seconds())).append(" | ")
                    .append(s.skipped() ? "skipped (up to date)" : "ran").append(" |\n");
        }
        md.append("| **total** | **").append(seconds(total)).append("** | |\n");
        return md.toString();
    }

    static String csv(Results r) {
        StringBuilder sb = new StringBuilder("method,size,non_embedding_params,total_params,steps,eval_tokens,eval_loss_nats,"
                + "bits_per_token,bits_per_byte,flops_per_byte,bytes_per_step,uniform_bits_per_byte,unigram_bits_per_byte,"
                + "valid_tokens,valid_bytes,train_tokens,train_bytes,train_seconds\n");
        for (Results.Model m : r.models()) {
            Results.Dataset d = r.dataset(m.method());
            sb.append('"').append(m.method().paperName()).append("\",").append(m.size()).append(',').append(m.nonEmbeddingParams())
                    .append(',').append(m.totalParams()).append(',').append(m.steps()).append(',').append(m.evalTokens())
                    .append(',').append(m.evalLoss()).append(',').append(m.bitsPerToken()).append(',').append(m.bitsPerByte())
                    .append(',').append(m.flopsPerByte()).append(',').append(m.bytesPerStep())
                    .append(',').append(d == null ? "" : d.uniformBitsPerByte()).append(',').append(d == null ? "" : d.unigramBitsPerByte())
                    .append(',').append(d == null ? "" : d.validTokens()).append(',').append(d == null ? "" : d.validBytes())
                    .append(',').append(d == null ? "" : d.trainTokens()).append(',').append(d == null ? "" : d.trainBytes())
                    .append(',').append(m.trainSeconds()).append('\n');
        }
        return sb.toString();
    }

    static ObjectNode json(Results r, List<Findings.Finding> findings) {
        ObjectNode n = JSON.createObjectNode();
        n.put("corpus", r.corpus()).put("corpus_note", r.corpusNote());
        n.set("settings", r.preset().toJson(JSON));
        ObjectNode mach = n.putObject("machine");
        r.machine().forEach(mach::put);
        if (r.m1() != null) {
            ObjectNode m1 = n.putObject("m1");
            m1.put("preset", r.m1().preset()).put("non_embedding_params", r.m1().nonEmbeddingParams())
                    .put("total_params", r.m1().totalParams()).put("steps", r.m1().steps())
                    .put("valid_bits_per_byte", r.m1().validBitsPerByte()).put("valid_bytes", r.m1().validBytes());
            if (r.m1().given() != null) {
                m1.put("given", r.m1().given().source()).put("model_id", r.m1().given().modelId()).put("config", r.m1().given().config());
            }
        }
        ArrayNode ds = n.putArray("datasets");
        for (Results.Dataset d : r.datasets()) {
            ds.addObject().put("method", d.method().paperName()).put("id", d.method().id()).put("vocab", d.method().vocab())
                    .put("ratio", d.ratio()).put("valid_tokens", d.validTokens()).put("valid_bytes", d.validBytes())
                    .put("valid_padding", d.validPadding()).put("train_tokens", d.trainTokens()).put("train_bytes", d.trainBytes())
                    .put("uniform_bits_per_byte", d.uniformBitsPerByte()).put("unigram_bits_per_byte", d.unigramBitsPerByte())
                    .put("paper_ratio", PaperNumbers.TABLE12_RATIO.get(d.method().paperName()));
        }
        ArrayNode ms = n.putArray("models");
        for (Results.Model m : r.models()) {
            ms.addObject().put("method", m.method().paperName()).put("id", m.method().id()).put("size", m.size())
                    .put("non_embedding_params", m.nonEmbeddingParams()).put("total_params", m.totalParams())
                    .put("steps", m.steps()).put("final_train_loss", m.finalTrainLoss()).put("eval_tokens", m.evalTokens())
                    .put("eval_loss_nats", m.evalLoss()).put("bits_per_token", m.bitsPerToken()).put("bits_per_byte", m.bitsPerByte())
                    .put("flops_per_byte", m.flopsPerByte()).put("bytes_per_step", m.bytesPerStep()).put("train_seconds", m.trainSeconds());
        }
        ArrayNode fs = n.putArray("findings");
        for (Findings.Finding f : findings) {
            fs.addObject().put("claim", f.claim()).put("paper", f.paper()).put("ours", f.ours()).put("verdict", f.verdict().name());
        }
        ArrayNode st = n.putArray("stages");
        for (Stages.Record s : r.stages()) {
            st.addObject().put("stage", s.name()).put("seconds", s.seconds()).put("skipped", s.skipped())
                    .put("output_sha256", s.outputHash()).put("finished", s.finished());
        }
        return n;
    }

    /**
     * One series per method: its points across M2 sizes (a single point when one size), in order
     * of x, each labelled with its M2 size.
     */
    private static void plots(Path dir, Results r) throws IOException {
        Map<Method, List<Results.Model>> byMethod = new LinkedHashMap<>();
        for (Method m : r.preset().methods()) {
            List<Results.Model> pts = new ArrayList<>();
            for (String size : r.preset().m2Sizes()) {
                Results.Model mod = r.model(m, size);
                if (mod != null && Double.isFinite(mod.bitsPerByte())) pts.add(mod);
            }
            if (!pts.isEmpty()) byMethod.put(m, pts);
        }
        List<LinePlot.Series> flops = new ArrayList<>(), steps = new ArrayList<>();
        byMethod.forEach((m, pts) -> {
            flops.add(series(m.paperName(), pts, Results.Model::flopsPerByte));
            steps.add(series(m.paperName(), pts, Results.Model::bytesPerStep));
        });
        if (flops.isEmpty()) throw new IOException("no evaluated models to plot");
        String title = "preset " + r.preset().name() + ": M2 sizes " + String.join(", ", r.preset().m2Sizes());
        LinePlot.write(dir.resolve(PLOT_FLOPS), "bits/byte vs inference FLOPs/byte (" + title + ")",
                "inference FLOPs/byte", "bits/byte", true, false, flops);
        LinePlot.write(dir.resolve(PLOT_STEP), "bits/byte vs bytes per decoding step (" + title + ")",
                "bytes/step", "bits/byte", false, false, steps);
    }

    /** bits/byte against {@code x} of each model, sorted by x, labelled by M2 size. */
    private static LinePlot.Series series(String name, List<Results.Model> pts, java.util.function.ToDoubleFunction<Results.Model> x) {
        List<Results.Model> sorted = new ArrayList<>(pts);
        sorted.sort(java.util.Comparator.comparingDouble(x));
        double[] xs = new double[sorted.size()], ys = new double[sorted.size()];
        String[] labels = new String[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            xs[i] = x.applyAsDouble(sorted.get(i));
            ys[i] = sorted.get(i).bitsPerByte();
            labels[i] = sorted.get(i).size();
        }
        return new LinePlot.Series(name, xs, ys, labels);
    }
}
