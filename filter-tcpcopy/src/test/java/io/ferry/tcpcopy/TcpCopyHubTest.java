package io.ferry.tcpcopy;

import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.tcpcopy.dump.sink.TestSinks;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared tcpcopy state: no listener waits behind another's slow shutdown; no work on a connection's thread. */
class TcpCopyHubTest {

    @TempDir
    Path dir;

    @Test
    void closingAListenerWhoseSinkHangsHoldsUpNoOtherListener() throws Exception {
        try (Harness h = new Harness()) {
            Map<String, Object> sink = new HashMap<>(Map.of("type", "test", "id", "hang", "block", true));
            TcpCopyFactory hanging = h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir.resolve("a"),
                    "format", "ferry", "sinks", List.of(sink)), EmbeddedListener.tcp("l1", 2045));
            hanging.open(5, true);
            ReadFilter r = Harness.chain(hanging, EmbeddedListener.tcp("l1", 2045)).read.get(0);
            IoBuffer b = IoBuffer.allocate(16);
            b.append(new byte[] {1, 2, 3});
            r.onData(b);                                  // the sink takes it and hangs
            Thread closer = new Thread(hanging::close);
            closer.start();
            Thread.sleep(200);                            // the closer waits for the sink (up to 10 s)
            long start = System.nanoTime();
            h.provider.tcpCopy().writers();               // took the shared monitor, held while closing before
            TcpCopyFactory other = h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir.resolve("b")),
                    EmbeddedListener.tcp("l2", 2046));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closer.isAlive(), "the closer is still waiting for the sink");
            assertTrue(ms < 2000, "another listener started in " + ms + " ms while the first one closed");
            TestSinks.CREATED.get("hang").release.countDown();
            closer.join(20_000);
            other.close();
        }
    }

    @Test
    void aFactoryNotInitialisedStartsNothingOnAConnectionsThread() throws Exception {
        try (Harness h = new Harness()) {
            TcpCopyFactory f = (TcpCopyFactory) h.provider.create(Harness.filterConfig(
                    Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir), h.env));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Harness.chain(f, EmbeddedListener.tcp("l1", 2045)));
            assertTrue(e.getMessage().contains("was not initialised with its listener"), e.getMessage());
            assertEquals(List.of(), h.provider.tcpCopy().writers(), "no writer was started");
        }
    }
}
