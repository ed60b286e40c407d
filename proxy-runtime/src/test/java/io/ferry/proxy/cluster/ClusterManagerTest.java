package io.ferry.proxy.cluster;

import io.ferry.proxy.config.ClusterConfig;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.LbType;import io.netty.channel.WriteBufferWaterMark;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import io.ferry.proxy.runtime.IoTransport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterManagerTest {

    private static final UpstreamChannels NIO = IoTransport.NIO;

    private static ClusterManager create(int maxConnections, String... hosts) throws ConfigException {
        List<HostConfig> hs = java.util.Arrays.stream(hosts).map(h -> new HostConfig(h, 0)).toList();
        return ClusterManager.create(List.of(new ClusterConfig(0, "c", "SIMPLE", LbType.LB_ROUNDROBIN, hs,
                Duration.ofSeconds(1), Duration.ZERO, maxConnections)), NIO, WriteBufferWaterMark.DEFAULT,
                new io.netty.channel.AdaptiveRecvByteBufAllocator());
    }

    @Test
    void parsesIpPortAndUnixHostsAndClampsWeights() throws ConfigException {
        Cluster c = create(0, "127.0.0.1:8080", "[::1]:9090", "unix:/run/app.sock").cluster("c").orElseThrow();
        assertEquals(8080, c.hosts().get(0).inetAddress().getPort());
        assertEquals(9090, c.hosts().get(1).inetAddress().getPort());
        assertEquals("/run/app.sock", c.hosts().get(2).unixPath());
        assertEquals(1, c.hosts().get(0).weight(), "weight 0 becomes 1, as in MOSN");
    }

    @Test
    void badHostAddressNamesItsJsonPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> create(0, "127.0.0.1:8080", "127.0.0.1"));
        assertEquals("cluster_manager.clusters[0].hosts[1].address: \"127.0.0.1\" (expected: \"ip:port\", "
                + "\"name:port\" or \"unix:/path\")", e.getMessage());
        e = assertThrows(ConfigException.class, () -> create(0, "127.0.0.1:99999"));
        assertTrue(e.getMessage().startsWith("cluster_manager.clusters[0].hosts[0].address: \"127.0.0.1:99999\""),
                e.getMessage());
    }

    @Test
    void circuitBreakerCountsOverflowAndReleases() throws ConfigException {
        Cluster c = create(2, "127.0.0.1:8080").cluster("c").orElseThrow();
        assertTrue(c.tryAcquireConnection());
        assertTrue(c.tryAcquireConnection());
        assertFalse(c.tryAcquireConnection());
        assertEquals(1, c.stats().overflowCount());
        c.releaseConnection();
        assertTrue(c.tryAcquireConnection());
    }
}
