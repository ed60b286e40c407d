package io.ferry.proxy.metrics;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Parses an exposition with the Prometheus project's own parser: the official Python client's
 * {@code prometheus_client.parser} (text format 0.0.4) or {@code prometheus_client.openmetrics.parser} (OpenMetrics
 * 1.0, strict), run by {@code python3}. Debian's {@code python3-prometheus-client} provides it; {@code .ci/run}
 * installs it. Absent, the tests that need it are skipped on a developer's machine and fail under CI.
 */
final class PromParser {

    /** One sample: its name (with {@code _total}, {@code _bucket}, ... suffixes), labels and value. */
    record Sample(String family, String type, String name, Map<String, String> labels, double value) {
    }

    private static final String SCRIPT = String.join("\n",
            "import json, sys",
            "from prometheus_client.parser import text_string_to_metric_families as prom",
            "from prometheus_client.openmetrics.parser import text_string_to_metric_families as om",
            "parse = om if sys.argv[1] == 'openmetrics' else prom",
            "out = []",
            "for f in parse(sys.stdin.read()):",
            "    for s in f.samples:",
            "        out.append([f.name, f.type, s.name, s.labels, s.value])",
            "print(json.dumps(out))");

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private PromParser() {
    }

    /** Skips the calling test where the parser is absent (fails instead under CI). */
    static void assumeAvailable() throws Exception {
        boolean ok = Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import prometheus_client"),
                "").code == 0;
        if (!ok && System.getenv("CI") != null) {
            Assertions.fail("python3 with prometheus_client is needed (Debian: apt-get install python3-prometheus-client)");
        }
        Assumptions.assumeTrue(ok, "python3 with prometheus_client is absent (Debian: apt-get install"
                + " python3-prometheus-client); skipping the exposition parse");
    }

    /** Every sample of {@code text}, parsed as {@code "text"} (Prometheus 0.0.4) or {@code "openmetrics"}. */
    static List<Sample> parse(String text, String format) throws Exception {
        Result r = run(List.of(PYTHON.toString(), "-c", SCRIPT, format), text);
        Assertions.assertEquals(0, r.code, "the Prometheus parser refused the exposition:\n" + r.err + "\n" + text);
        List<Sample> out = new ArrayList<>();
        for (JsonElement e : JsonParser.parseString(r.out).getAsJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            Map<String, String> labels = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> l : a.get(3).getAsJsonObject().entrySet()) {
                labels.put(l.getKey(), l.getValue().getAsString());
            }
            out.add(new Sample(a.get(0).getAsString(), a.get(1).getAsString(), a.get(2).getAsString(), labels,
                    a.get(4).getAsDouble()));
        }
        return out;
    }

    /** The value of the one sample {@code name} with exactly {@code labels}. */
    static Optional<Double> value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .map(Sample::value).findFirst();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(List<String> command, String stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "", "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

}
