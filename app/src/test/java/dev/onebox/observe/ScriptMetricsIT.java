package dev.onebox.observe;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /metrics} read by a real parser: the official Prometheus Python client's
 * ({@code prometheus_client.parser}, Debian's {@code python3-prometheus-client}, which the full
 * test command installs). It must accept the whole scrape, and the per-script series must say
 * what happened; a deleted script's series are gone from the next scrape.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptMetricsIT implements TestPropertyProvider {

    private static final String TOKEN = "metrics-token-0123456789abcdef";
    /** Parses stdin as Prometheus text and prints each sample as a JSON object; a parse error fails the process. */
    private static final String PARSER = String.join("\n",
            "import json, sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "samples = []",
            "for family in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in family.samples:",
            "        samples.append({'family': family.name, 'type': family.type, 'name': s.name, 'labels': s.labels, 'value': s.value})",
            "print(json.dumps(samples))");

    @Inject
    EmbeddedServer server;

    private final Map<String, String> properties = TestApp.withProcessRuntime(TOKEN);

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Test
    void perScriptSeriesParseAndADeletedScriptsSeriesGo() throws Exception {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("alpha", "export default { async fetch(request, env) {"
                + " await env.KV.put('seen', 'yes'); return new Response(await env.KV.get('seen')); } };").statusCode()).isEqualTo(201);
        assertThat(api.deploy("beta", "export default { fetch() { throw new Error('always fails'); } };").statusCode()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            assertThat(http.get("/run/alpha").body()).isEqualTo("yes");
        }
        assertThat(http.get("/run/beta").statusCode()).isEqualTo(500);

        List<Map<String, Object>> samples = scrape(http);
        assertThat(value(samples, "onebox_runs_total", Map.of("script", "alpha", "trigger", "http", "status", "succeeded"))).isEqualTo(3);
        assertThat(value(samples, "onebox_runs_total", Map.of("script", "beta", "trigger", "http", "status", "failed"))).isEqualTo(1);
        assertThat(value(samples, "onebox_run_duration_seconds_bucket", Map.of("script", "alpha", "trigger", "http", "le", "+Inf")))
                .isEqualTo(3);
        assertThat(value(samples, "onebox_run_duration_seconds_count", Map.of("script", "alpha", "trigger", "http"))).isEqualTo(3);
        assertThat(samples).as("a bucket per bound of the rollup").filteredOn(s -> "onebox_run_duration_seconds_bucket".equals(s.get("name"))
                && "alpha".equals(labels(s).get("script"))).hasSize(DurationBuckets.COUNT);
        assertThat(value(samples, "onebox_cold_starts_total", Map.of("script", "alpha"))).isZero();
        assertThat(value(samples, "onebox_kv_calls_total", Map.of("script", "alpha", "op", "put", "outcome", "ok"))).isEqualTo(3);
        assertThat(value(samples, "onebox_kv_calls_total", Map.of("script", "alpha", "op", "get", "outcome", "ok"))).isEqualTo(3);
        assertThat(value(samples, "onebox_script_sandboxes", Map.of("script", "alpha", "state", "warm"))).isGreaterThanOrEqualTo(1);
        assertThat(value(samples, "onebox_build_duration_seconds_count", Map.of("script", "alpha", "outcome", "ready"))).isEqualTo(1);
        assertThat(samples).as("the app's existing series stay").anySatisfy(s -> assertThat(s.get("name")).isEqualTo("jvm_memory_used_bytes"));

        assertThat(api.delete("/api/v1/scripts/beta").statusCode()).isIn(200, 204);
        List<Map<String, Object>> after = scrape(http);
        assertThat(after).as("no series of the deleted script").noneSatisfy(s -> assertThat(labels(s).get("script")).isEqualTo("beta"));
        assertThat(value(after, "onebox_runs_total", Map.of("script", "alpha", "trigger", "http", "status", "succeeded"))).isEqualTo(3);
    }

    private List<Map<String, Object>> scrape(Http http) throws IOException, InterruptedException {
        HttpResponse<String> response = http.get("/metrics", TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        Process parser = new ProcessBuilder("/usr/bin/python3", "-c", PARSER).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = parser.getOutputStream()) {
            in.write(response.body().getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(parser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(parser.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(parser.exitValue()).as("the Prometheus parser accepts the whole scrape").isZero();
        return Json.array(out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> labels(Map<String, Object> sample) {
        return (Map<String, Object>) sample.get("labels");
    }

    private static double value(List<Map<String, Object>> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> name.equals(s.get("name")) && labels(s).entrySet().containsAll(labels.entrySet()))
                .mapToDouble(s -> ((Number) s.get("value")).doubleValue()).reduce(Double::sum)
                .orElseThrow(() -> new AssertionError("no sample " + name + labels));
    }
}
