package dev.onebox.runtime.channel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The app's end of one sandbox's channel: a Unix socket the app creates in a directory of its
 * own and listens on; the sandbox connects once. The directory is mounted read-only into that
 * sandbox only, so code in the sandbox can use the socket but cannot create files the app would
 * later open.
 *
 * <p>Nothing read from the socket is trusted: a {@link FrameDecoder} bounds every frame before it
 * is kept and a {@link Conversation} checks its order, so the receiver sees only valid frames; the
 * first violation ends the channel and is reported to the receiver instead.
 */
public final class Channel implements AutoCloseable {

    /** Who hears what comes out of the channel; all calls come from the channel's reader. */
    public interface Receiver {
        void onFrame(ShimFrame frame);

        /** The sandbox broke the protocol; the channel is closed right after. */
        void onViolation(ProtocolViolation violation);

        /** The channel closed, for whatever reason; called once, last. */
        void onClosed();
    }

    public static final String SOCKET_NAME = "channel.sock";
    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);
    private static final int READ_BUFFER = 64 * 1024;

    private final Path directory;
    private final ChannelConfig limits;
    private final ServerSocketChannel server;
    private final Conversation conversation = new Conversation();
    private volatile SocketChannel peer;
    private volatile boolean closed;

    private Channel(Path directory, ChannelConfig limits, ServerSocketChannel server) {
        this.directory = directory;
        this.limits = limits;
        this.server = server;
    }

    /** Creates {@code directory} (which must not exist) and listens on the socket inside it. */
    public static Channel open(Path directory, ChannelConfig limits) throws IOException {
        Files.createDirectories(directory.getParent());
        // The sandbox runs as another uid: it may enter the directory and use the socket, nothing more.
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path socket = directory.resolve(SOCKET_NAME);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 1);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        return new Channel(directory, limits, server);
    }

    public Path directory() {
        return directory;
    }

    public ChannelConfig limits() {
        return limits;
    }

    /**
     * Accepts the sandbox's connection and then reads frames on the calling thread until the
     * channel closes or the sandbox breaks the protocol.
     */
    public void serve(Receiver receiver) {
        try {
            SocketChannel accepted = server.accept();
            server.close(); // one peer per channel: nobody else may connect later
            peer = accepted;
            FrameDecoder decoder = new FrameDecoder(limits, System::nanoTime);
            FrameDecoder.Sink sink = frame -> {
                conversation.received(frame);
                receiver.onFrame(frame);
            };
            ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
            while (accepted.read(buffer) >= 0) {
                buffer.flip();
                decoder.feed(buffer, sink);
                buffer.clear();
            }
        } catch (ProtocolViolation violation) {
            if (!closed) {
                LOG.info("channel {}: {}", directory.getFileName(), violation.getMessage());
                close();
                receiver.onViolation(violation);
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("channel {} ended: {}", directory.getFileName(), e.toString());
            }
        } catch (RuntimeException e) {
            LOG.warn("channel {}: a frame could not be handled", directory.getFileName(), e);
        } finally {
            close();
            receiver.onClosed();
        }
    }

    /** Sends one frame; frames from several threads go out whole, one after another. */
    public void send(AppFrame frame) throws IOException {
        ByteBuffer[] bytes = FrameEncoder.encode(frame);
        synchronized (this) {
            SocketChannel socket = peer;
            if (socket == null || closed) {
                throw new IOException("channel not connected");
            }
            conversation.sent(frame);
            long remaining = 0;
            for (ByteBuffer part : bytes) {
                remaining += part.remaining();
            }
            while (remaining > 0) {
                remaining -= socket.write(bytes);
            }
        }
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
