package dev.onebox.runtime.channel;

import io.micronaut.json.JsonMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The app's end of one sandbox's channel: a Unix socket the app creates in a directory of its
 * own and listens on; the sandbox connects once. The directory is mounted read-only into that
 * sandbox only, so code in the sandbox can use the socket but cannot create files the app would
 * later open.
 */
public final class Channel implements AutoCloseable {

    public static final String SOCKET_NAME = "channel.sock";
    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);

    private final Path directory;
    private final FrameCodec codec;
    private final ServerSocketChannel server;
    private volatile SocketChannel peer;
    private volatile OutputStream out;
    private volatile boolean closed;

    private Channel(Path directory, FrameCodec codec, ServerSocketChannel server) {
        this.directory = directory;
        this.codec = codec;
        this.server = server;
    }

    /** Creates {@code directory} (which must not exist) and listens on the socket inside it. */
    public static Channel open(Path directory, JsonMapper json) throws IOException {
        Files.createDirectories(directory.getParent());
        // The sandbox runs as another uid: it may enter the directory and use the socket, nothing more.
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path socket = directory.resolve(SOCKET_NAME);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 1);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        return new Channel(directory, new FrameCodec(json), server);
    }

    public Path directory() {
        return directory;
    }

    /**
     * Accepts the sandbox's connection and then reads frames on the calling thread until the
     * channel closes; {@code onClosed} runs once at the end, whatever the cause.
     */
    public void serve(Consumer<Frame> onFrame, Runnable onClosed) {
        try {
            SocketChannel accepted = server.accept();
            server.close(); // one peer per channel: nobody else may connect later
            peer = accepted;
            out = new BufferedOutputStream(SocketStreams.output(accepted), 64 * 1024);
            DataInputStream in = new DataInputStream(new BufferedInputStream(SocketStreams.input(accepted), 64 * 1024));
            Frame frame;
            while ((frame = codec.read(in)) != null) {
                onFrame.accept(frame);
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("channel {} ended: {}", directory.getFileName(), e.toString());
            }
        } finally {
            close();
            onClosed.run();
        }
    }

    public synchronized void send(Map<String, Object> meta, byte[] body) throws IOException {
        OutputStream stream = out;
        if (stream == null || closed) {
            throw new IOException("channel not connected");
        }
        codec.write(stream, meta, body);
        stream.flush();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
            if (peer != null) {
                peer.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(directory.resolve(SOCKET_NAME));
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            LOG.debug("could not remove {}: {}", directory, e.toString());
        }
    }
}
