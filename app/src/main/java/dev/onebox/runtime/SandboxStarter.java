package dev.onebox.runtime;

import dev.onebox.OneboxConfig;
import dev.onebox.runtime.channel.Channel;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Opens a channel, starts the sandbox on the runtime, and reads the channel on a thread of its own. */
@Singleton
class SandboxStarter {

    private final RuntimeSelector runtimes;
    private final JsonMapper json;
    private final PoolConfig config;
    private final Path channelsDir;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "run-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    SandboxStarter(RuntimeSelector runtimes, JsonMapper json, PoolConfig config, OneboxConfig onebox) {
        this.runtimes = runtimes;
        this.json = json;
        this.config = config;
        this.channelsDir = onebox.dataDir().toAbsolutePath().resolve("channels");
    }

    Sandbox start(ScriptCode code, String image, Sandbox.Listener listener) {
        SandboxRuntime runtime = runtimes.runtime();
        Channel channel;
        try {
            channel = Channel.open(channelsDir.resolve(UUID.randomUUID().toString()), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a channel under " + channelsDir, e);
        }
        Sandbox sandbox = new Sandbox(code, channel, config, timer, listener);
        Thread reader = new Thread(() -> channel.serve(sandbox::onFrame, sandbox::onChannelClosed), "channel-" + code.key());
        reader.setDaemon(true);
        reader.start();
        try {
            sandbox.attach(runtime.start(code, image, channel.directory()));
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
        return sandbox;
    }
}
