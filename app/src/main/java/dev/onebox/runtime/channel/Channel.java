package dev.onebox.runtime.channel;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The app's end of one sandbox's channel: a Unix socket the app creates in a directory of its
 * own and listens on; the sandbox connects once. The directory is mounted read-only into that
 * sandbox only, so code in the sandbox can use the socket but cannot create files the app would
 * later open.
 *
 * <p>The socket lives on the HTTP server's event loops (the group given to {@link #open}): a
 * response frame is read on an event loop and its HTTP answer written from there, with no thread
 * of its own to wake per call. Receivers must therefore never block.
 *
 * <p>Nothing read from the socket is trusted: a {@link FrameDecoder} bounds every frame before it
 * is kept and a {@link Conversation} checks its order, so the receiver sees only valid frames; the
 * first violation ends the channel and is reported to the receiver instead. A sandbox that stops
 * reading what the app sends it is stopped once {@link #MAX_UNREAD_BYTES} pile up.
 */
public final class Channel implements AutoCloseable {

    /**
     * Who hears what comes out of the channel: frames from the channel's event loop, one at a time;
     * a violation from there or from a sender that found the sandbox not reading.
     */
    public interface Receiver {
        void onFrame(ShimFrame frame);

        /** The sandbox broke the protocol; the channel is closed right after. */
        void onViolation(ProtocolViolation violation);

        /** The channel closed, for whatever reason; called once, last. */
        void onClosed();
    }

    public static final String SOCKET_NAME = "channel.sock";
    /** Frames the app may have queued for a sandbox that does not read them (a KV value or a body is at most a few MiB). */
    static final int MAX_UNREAD_BYTES = 64 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);

    private final Path directory;
    private final ChannelConfig limits;
    private final Conversation conversation = new Conversation();
    private final AtomicBoolean closedReported = new AtomicBoolean();
    /** Bytes sent but not yet taken by the kernel: queued for the event loop or in Netty's outbound buffer. */
    private final AtomicLong unread = new AtomicLong();
    /** Frames sent and not yet handed to Netty, in send order; guarded by this. */
    private final Queue<ByteBuf> outbox = new ArrayDeque<>();
    private boolean drainScheduled;
    private volatile io.netty.channel.Channel server;
    private volatile io.netty.channel.Channel peer;
    private volatile Receiver receiver;
    private volatile boolean closed;

    private Channel(Path directory, ChannelConfig limits) {
        this.directory = directory;
        this.limits = limits;
    }

    /**
     * Creates {@code directory} (which must not exist) and listens on the socket inside it, on one
     * of {@code loops}. Nothing is read before {@link #serve}.
     */
    public static Channel open(Path directory, ChannelConfig limits, EventLoopGroup loops) throws IOException {
        Files.createDirectories(directory.getParent());
        // The sandbox runs as another uid: it may enter the directory and use the socket, nothing more.
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path socket = directory.resolve(SOCKET_NAME);
        Channel channel = new Channel(directory, limits);
        boolean epoll = loops instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
        Class<? extends ServerChannel> type = epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
        SocketAddress address = epoll ? new DomainSocketAddress(socket.toString()) : UnixDomainSocketAddress.of(socket);
        ServerBootstrap bootstrap = new ServerBootstrap().group(loops).channel(type)
                .option(ChannelOption.SO_BACKLOG, 1)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(channel.new Reader());
        try {
            channel.server = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(directory);
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        return channel;
    }

    public Path directory() {
        return directory;
    }

    public ChannelConfig limits() {
        return limits;
    }

    /** Frames go to {@code to} from now on: the sandbox's connection, once it came, is read. */
    public void serve(Receiver to) {
        io.netty.channel.Channel connected;
        synchronized (this) {
            receiver = to;
            connected = peer;
        }
        if (closed) {
            report();
        } else if (connected != null) {
            connected.config().setAutoRead(true);
        }
    }

    /**
     * Sends one frame; frames from several threads go out whole, in the order their send calls
     * took this lock. They are written from the channel's event loop, at once when that is the
     * calling thread, else by a task that writes everything queued so far with one flush. The
     * bytes count as unread until the kernel took them.
     */
    public void send(AppFrame frame) throws IOException {
        ByteBuf bytes = Unpooled.wrappedBuffer(FrameEncoder.encode(frame));
        io.netty.channel.Channel socket;
        boolean pileUp;
        boolean drainNow = false;
        boolean drainLater = false;
        synchronized (this) {
            socket = peer;
            if (socket == null || closed || !socket.isActive()) {
                throw new IOException("channel not connected");
            }
            pileUp = unread.addAndGet(bytes.readableBytes()) > MAX_UNREAD_BYTES;
            if (!pileUp) {
                conversation.sent(frame);
                outbox.add(bytes);
                if (socket.eventLoop().inEventLoop()) {
                    drainNow = true;
                } else if (!drainScheduled) {
                    drainScheduled = drainLater = true;
                }
            }
        }
        if (pileUp) {
            violated(ProtocolViolation.stoppedReading(MAX_UNREAD_BYTES));
            throw new IOException("the sandbox stopped reading its channel");
        }
        if (drainNow) {
            drain(socket);
        } else if (drainLater) {
            socket.eventLoop().execute(() -> drain(socket));
        }
    }

    /** Writes what is queued, in order; on the event loop only (a write from there may not wait behind an earlier queued one). */
    private void drain(io.netty.channel.Channel socket) {
        while (true) {
            ByteBuf next;
            synchronized (this) {
                next = outbox.poll();
                if (next == null) {
                    drainScheduled = false;
                    break;
                }
            }
            int size = next.readableBytes();
            socket.write(next).addListener(written -> unread.addAndGet(-size));
        }
        socket.flush();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        io.netty.channel.Channel listening = server;
        if (listening != null) {
            listening.close();
        }
        io.netty.channel.Channel connected = peer;
        if (connected != null) {
            connected.close();
        } else {
            report(); // no connection will report its end
        }
        try {
            Files.deleteIfExists(directory.resolve(SOCKET_NAME));
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            LOG.debug("could not remove {}: {}", directory, e.toString());
        }
    }

    /** Tells the receiver, once, that the channel closed. */
    private void report() {
        Receiver to = receiver;
        if (to != null && closedReported.compareAndSet(false, true)) {
            to.onClosed();
        }
    }

    private void violated(ProtocolViolation violation) {
        if (closed) {
            return;
        }
        LOG.info("channel {}: {}", directory.getFileName(), violation.getMessage());
        Receiver to = receiver;
        close();
        if (to != null) {
            to.onViolation(violation);
        }
    }

    /** The sandbox's connection: the first one only, read on its event loop. */
    @io.netty.channel.ChannelHandler.Sharable
    private final class Reader extends ChannelInboundHandlerAdapter {

        private final FrameDecoder decoder = new FrameDecoder(limits, System::nanoTime);
        private final FrameDecoder.Sink sink = frame -> {
            conversation.received(frame);
            receiver.onFrame(frame);
        };

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            boolean read;
            synchronized (Channel.this) {
                if (peer != null || closed) {
                    ctx.close(); // one peer per channel: nobody else may connect later
                    return;
                }
                peer = ctx.channel();
                read = receiver != null;
            }
            io.netty.channel.Channel listening = server;
            if (listening != null) {
                listening.close();
            }
            if (read) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            ByteBuf bytes = (ByteBuf) message;
            try {
                if (closed) {
                    return;
                }
                for (ByteBuffer buffer : bytes.nioBuffers()) {
                    decoder.feed(buffer, sink);
                }
            } catch (ProtocolViolation violation) {
                violated(violation);
            } catch (RuntimeException e) {
                LOG.warn("channel {}: a frame could not be handled", directory.getFileName(), e);
                close();
            } finally {
                bytes.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == peer) {
                close();
                report();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closed) {
                LOG.debug("channel {} ended: {}", directory.getFileName(), cause.toString());
            }
            ctx.close();
        }
    }
}
