package dev.onebox.triggers;

import io.micronaut.context.BeanProvider;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import jakarta.inject.Singleton;

/**
 * Puts a {@link FastRunHandler} in front of Micronaut's request handler on every HTTP/1
 * connection. The path's own beans are looked up on the first connection, not when the server's
 * customizer registry is made, which is early in the app's start.
 */
@Singleton
class FastRunInstaller implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

    static final String HANDLER = "onebox-run-fast-path";

    private final BeanProvider<FastRunPath> path;
    private final ConversionService conversions;

    FastRunInstaller(BeanProvider<FastRunPath> path, ConversionService conversions) {
        this.path = path;
        this.conversions = conversions;
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new OnConnection(null));
        return event.getBean();
    }

    private final class OnConnection implements NettyServerCustomizer {

        private final Channel channel;

        private OnConnection(Channel channel) {
            this.channel = channel;
        }

        @Override
        public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
            return role == ChannelRole.CONNECTION ? new OnConnection(channel) : this;
        }

        @Override
        public void onStreamPipelineBuilt() {
            if (channel == null) {
                return;
            }
            ChannelPipeline pipeline = channel.pipeline();
            // HTTP/2 and HTTP/3 streams have no such handler: they keep the full way.
            if (pipeline.get(ChannelPipelineCustomizer.HANDLER_MICRONAUT_INBOUND) != null && pipeline.get(HANDLER) == null) {
                pipeline.addBefore(ChannelPipelineCustomizer.HANDLER_MICRONAUT_INBOUND, HANDLER, new FastRunHandler(path.get(), conversions));
            }
        }
    }
}
