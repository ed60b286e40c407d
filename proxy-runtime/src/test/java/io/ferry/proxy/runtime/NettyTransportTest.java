package io.ferry.proxy.runtime;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.proxy.config.ListenerConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport never hands the chain a read while the chain's reading is disabled: bytes Netty still reads (the
 * native transport reads up to the FIN when the peer half-closes) are held, then delivered in order, before the FIN,
 * once reading is enabled again.
 */
class NettyTransportTest {

    /** Records what it sees; starts with reading disabled, as a filter that holds the connection may. */
    static final class Recorder implements ReadFilter {
        final List<String> seen = new ArrayList<>();
        Connection connection;

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
            connection = callbacks.connection();
            connection.setReadDisable(true);
            connection.addConnectionEventListener(e -> seen.add(e.name()));
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            seen.add(buffer.toString(StandardCharsets.US_ASCII));
            buffer.drain(buffer.length());
            return FilterStatus.STOP;
        }
    }

    private static EmbeddedChannel channel(Recorder recorder) {
        ListenerConfig config = new ListenerConfig(0, "l", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                Duration.ZERO, List.of());
        ListenerRuntime listener = new ListenerRuntime(config, new RuntimeListenerInfo(config),
                List.of(new ListenerRuntime.Factory("test.recorder", (ctx, cb) -> cb.addReadFilter(recorder))));
        return new EmbeddedChannel(new NettyTransport(listener));
    }

    private static void read(EmbeddedChannel ch, String s) {
        ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    @Test
    void bytesReadWhileDisabledAreHeldAndDeliveredInOrderBeforeTheFin() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = channel(r);
        assertFalse(ch.config().isAutoRead());
        read(ch, "abc");
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(List.of(), r.seen, "nothing reaches the chain while its reading is disabled");

        r.connection.setReadDisable(false);
        read(ch, "def");   // arrives after re-enabling, before the held bytes were handed over
        ch.runPendingTasks();
        assertEquals(List.of("abcdef", ConnectionEvent.REMOTE_HALF_CLOSE.name()), r.seen);
        ch.finishAndReleaseAll();
    }

    @Test
    void readsFlowStraightThroughWhileEnabled() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = channel(r);
        r.connection.setReadDisable(false);
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        read(ch, "x");
        read(ch, "y");
        assertEquals(List.of("x", "y"), r.seen);
        ch.finishAndReleaseAll();
    }

    @Test
    void heldBytesAreReleasedWhenTheConnectionCloses() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = channel(r);
        io.netty.buffer.ByteBuf held = Unpooled.copiedBuffer("held", StandardCharsets.US_ASCII);
        ch.writeInbound(held);
        assertEquals(1, held.refCnt());
        ch.close();
        assertEquals(0, held.refCnt());
        assertEquals(List.of(ConnectionEvent.REMOTE_CLOSE.name()), r.seen);
    }
}
