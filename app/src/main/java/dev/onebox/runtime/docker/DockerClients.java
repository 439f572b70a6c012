package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;

import java.time.Duration;

/**
 * Docker clients pinned to an API version the engine speaks. Debian 12's engine (20.10) speaks
 * 1.41 while current engines want at least 1.44, so the version comes from asking the engine,
 * not from a constant.
 */
public final class DockerClients {

    private DockerClients() {
    }

    /** A client for pings and the version question: short timeouts, no version in the paths. */
    public static DockerClient probe(String host) {
        return create(host, null, Duration.ofSeconds(2));
    }

    public static DockerClient forEngine(String host, String apiVersion) {
        return create(host, apiVersion, Duration.ofMinutes(10));
    }

    private static DockerClient create(String host, String apiVersion, Duration responseTimeout) {
        DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host);
        if (apiVersion != null) {
            config.withApiVersion(RemoteApiVersion.parseConfig(apiVersion));
        }
        DefaultDockerClientConfig built = config.build();
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(built.getDockerHost())
                .sslConfig(built.getSSLConfig())
                .maxConnections(512)
                .connectionTimeout(Duration.ofSeconds(2))
                .responseTimeout(responseTimeout)
                .build();
        return DockerClientImpl.getInstance(built, http);
    }
}
