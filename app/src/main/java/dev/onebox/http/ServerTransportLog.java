package dev.onebox.http;

import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.http.netty.channel.EventLoopGroupRegistry;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says at start which transport the HTTP server's event loops use, and why not epoll when they
 * fell back to NIO (a native library that does not load: another CPU, a noexec temp dir).
 */
@Singleton
class ServerTransportLog implements ApplicationEventListener<ServerStartupEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(ServerTransportLog.class);

    private final EventLoopGroupRegistry loops;

    ServerTransportLog(EventLoopGroupRegistry loops) {
        this.loops = loops;
    }

    @Override
    public void onApplicationEvent(ServerStartupEvent event) {
        if (usesEpoll(loops.getDefaultEventLoopGroup())) {
            LOG.info("HTTP server transport: epoll");
        } else {
            LOG.info("HTTP server transport: NIO (epoll unavailable: {})", epollUnavailable());
        }
    }

    static boolean usesEpoll(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
    }

    private static String epollUnavailable() {
        Throwable cause = Epoll.unavailabilityCause();
        if (cause == null) {
            return "not chosen";
        }
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
