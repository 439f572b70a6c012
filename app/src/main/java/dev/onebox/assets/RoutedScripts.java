package dev.onebox.assets;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import org.reactivestreams.Publisher;

/**
 * Calls a script for a request that came in on one of its routed hosts: the script (its assets,
 * then its code) sees the whole path, not one under {@code /run/<script>}. The HTTP trigger implements it.
 */
public interface RoutedScripts {

    Publisher<MutableHttpResponse<?>> callRouted(String script, HttpRequest<?> request);
}
