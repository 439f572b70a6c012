package dev.onebox.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * Puts a {@link FastLaneHandler} in front of Micronaut's request handler on every HTTP/1
 * connection. The lanes are looked up on the first connection, not when the server's customizer
 * registry is made, which is early in the app's start.
 */
@Singleton
class FastLaneInstaller implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

    static final String HANDLER = "onebox-fast-lanes";

    private final BeanProvider<FastLane> lanes;
    private final BeanProvider<MeterRegistry> registry;
    private volatile List<FastLaneHandler.Lane> counted;

    FastLaneInstaller(BeanProvider<FastLane> lanes, BeanProvider<MeterRegistry> registry) {
        this.lanes = lanes;
        this.registry = registry;
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new OnConnection(null));
        return event.getBean();
    }

    private List<FastLaneHandler.Lane> lanes() {
        List<FastLaneHandler.Lane> known = counted;
        if (known == null) {
            // Two first connections at once count on the same counters: the registry hands out one per name and tag.
            known = lanes.stream().map(lane -> new FastLaneHandler.Lane(lane, Counter.builder("onebox.fast.path")
                    .description("Requests answered ahead of the framework's routing, by lane").tag("lane", lane.name())
                    .register(registry.get()))).toList();
            counted = known;
        }
        return known;
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
                pipeline.addBefore(ChannelPipelineCustomizer.HANDLER_MICRONAUT_INBOUND, HANDLER, new FastLaneHandler(lanes()));
            }
        }
    }
}
