package dev.onebox.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Unix-socket forwarder in front of the Docker engine's socket. Stopping it makes the engine
 * unreachable for the app exactly as a stopped daemon would, without stopping the daemon other
 * tests use.
 */
public final class SocketProxy implements AutoCloseable {

    private final Path target;
    private final Path socket;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocketChannel server;

    public SocketProxy(String dockerHost) {
        this.target = Path.of(dockerHost.replaceFirst("^unix://", ""));
        try {
            this.socket = Files.createTempDirectory("onebox-docker-proxy").resolve("docker.sock");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    public String host() {
        return "unix://" + socket;
    }

    public synchronized void start() {
        try {
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ServerSocketChannel listening = server;
        Thread acceptor = new Thread(() -> {
            while (listening.isOpen()) {
                try {
                    SocketChannel client = listening.accept();
                    SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(target));
                    open.add(client);
                    open.add(engine);
                    pump(client, engine);
                    pump(engine, client);
                } catch (IOException e) {
                    return;
                }
            }
        }, "docker-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public synchronized void stop() {
        try {
            server.close();
            for (SocketChannel channel : open) {
                channel.close();
            }
            open.clear();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        Thread thread = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
            } catch (IOException ignored) {
                // one side closed
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "docker-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        stop();
    }
}
