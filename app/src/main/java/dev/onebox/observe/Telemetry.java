package dev.onebox.observe;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.naming.conventions.StringConvention;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry SDK, made only when {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or the property
 * {@code otel.exporter.otlp.endpoint}) is set; otherwise tracing is off and costs a boolean
 * check per run. The SDK's autoconfiguration reads the standard {@code OTEL_*} variables; the
 * app's defaults under them: service name {@code onebox}, traces only (no metrics or logs:
 * those are scraped from {@code /metrics} and kept with runs), sent as OTLP over HTTP/protobuf
 * with the JDK's HTTP client (a gRPC sender is not bundled). Properties under {@code otel.} in
 * the app's configuration are passed on to it as well.
 */
@Singleton
class Telemetry {

    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;

    Telemetry(@Value("${otel.exporter.otlp.endpoint:}") String endpoint, Environment environment) {
        if (endpoint == null || endpoint.isBlank()) {
            this.sdk = null;
            this.tracer = OpenTelemetry.noop().getTracer("onebox");
            return;
        }
        Map<String, String> defaults = new HashMap<>(Map.of(
                "otel.service.name", "onebox",
                "otel.traces.exporter", "otlp",
                "otel.metrics.exporter", "none",
                "otel.logs.exporter", "none",
                "otel.exporter.otlp.protocol", "http/protobuf"));
        environment.getProperties("otel", StringConvention.RAW).forEach((key, value) -> defaults.put("otel." + key, String.valueOf(value)));
        this.sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults)
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        this.tracer = sdk.getTracer("dev.onebox");
        LOG.info("tracing runs to {} (OTLP)", endpoint);
    }

    boolean enabled() {
        return sdk != null;
    }

    Tracer tracer() {
        return tracer;
    }

    /** Sends what is buffered and stops the exporter. */
    @PreDestroy
    void close() {
        if (sdk != null) {
            sdk.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
