package dev.onebox.testing;

import dev.onebox.platform.Threads;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

/** An event loop for channels opened without the application (the app puts them on its HTTP server's loops). */
public final class ChannelLoops {

    public static final EventLoopGroup NIO = new MultiThreadIoEventLoopGroup(1, Threads.daemon("test-channel-loop"), NioIoHandler.newFactory());

    private ChannelLoops() {
    }
}
