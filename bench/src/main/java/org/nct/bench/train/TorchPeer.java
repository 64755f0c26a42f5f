package org.nct.bench.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nct.InvalidInputException;
import org.nct.model.ModelConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch side of {@code nct bench train}: runs {@code tools/torch_reference.py bench} in a
 * subprocess (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment) and parses the
 * JSON line it prints.
 */
final class TorchPeer {

    /** What the script measured. */
    record Result(String torchVersion, int threads, long params, double medianStepMs, double tokensPerS,
                  long peakRssKiB, List<Double> stepMs) { }

    private TorchPeer() { }

    /** The script in the source tree: tools/ beside the module directories of the class path. */
    static Path defaultScript() {
        try {
            Path p = Path.of(TorchPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path d = p; d != null; d = d.getParent()) {
                Path s = d.resolve("tools/torch_reference.py");
                if (Files.isRegularFile(s)) return s;
            }
        } catch (Exception ignored) {
            // fall through to the working directory
        }
        return Path.of("tools/torch_reference.py");
    }

    /** Why PyTorch cannot run (null when it can): no interpreter, no torch module. */
    static String unavailable(String python) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return python + " did not import torch within 120 s";
            }
            return p.exitValue() == 0 ? null : "PyTorch is not installed for " + python + " (" + lastLine(out) + ")";
        } catch (IOException e) {
            return "cannot run " + python + " (" + e.getMessage() + ")";
        }
    }

    static Result run(String python, Path script, ModelConfig cfg, int batch, int seq, int warmup, int steps,
                      int threads, long seed) throws IOException, InterruptedException {
        if (!Files.isRegularFile(script)) throw new InvalidInputException("PyTorch reference script not found: " + script + " (use --torch-script)");
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "bench",
                "--vocab", "" + cfg.vocabSize(), "--d-model", "" + cfg.dModel(), "--heads", "" + cfg.numHeads(),
                "--head-dim", "" + cfg.headDim(), "--layers", "" + cfg.numLayers(), "--mlp", "" + cfg.mlpDim(),
                "--batch", "" + batch, "--seq", "" + seq, "--warmup", "" + warmup, "--steps", "" + steps,
                "--threads", "" + threads, "--seed", "" + seed));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("OPENBLAS_CORETYPE");
        env.remove("OPENBLAS_L2_SIZE");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        if (p.exitValue() != 0) throw new IOException("the PyTorch run failed (exit " + p.exitValue() + "): " + lastLine(out));
        JsonNode j = new ObjectMapper().readTree(lastLine(out));
        List<Double> times = new ArrayList<>();
        for (JsonNode t : j.get("step_ms")) times.add(t.asDouble());
        return new Result(j.get("torch").asText(), j.get("threads").asInt(), j.get("params").asLong(),
                j.get("median_step_ms").asDouble(), j.get("tokens_per_s").asDouble(), j.get("peak_rss_kib").asLong(), times);
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
