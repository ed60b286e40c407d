package io.ferry.tcpcopy;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProviderTest {

    @Test
    void foundThroughServiceLoaderAsTcpcopy() {
        NetworkFilterFactoryProvider p = ServiceLoader.load(NetworkFilterFactoryProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(x -> x.type().equals("tcpcopy")).findFirst().orElseThrow();
        assertInstanceOf(TcpCopyProvider.class, p);
        assertEquals(FilterApi.VERSION, p.apiVersion());
    }

    @Test
    void invalidStrategyStopsCreate() {
        TcpCopyProvider p = new TcpCopyProvider(new Fakes.Readings());
        FilterConfigException e = assertThrows(FilterConfigException.class, () -> p.create(Harness.filterConfig(
                Map.of("strategy", Fakes.strategy("ON", 30, 30, 80, 70)), new EmbeddedEnvironment())));
        assertEquals("listeners[0].filter_chains[0].filters[0].config.strategy.duration: 30 "
                + "(expected: an integer from 1 to 29 (seconds, less than interval 30))", e.getMessage());
        assertTrue(e.path().endsWith("strategy.duration"));
    }

    @Test
    void providersAreIndependentScopes() throws Exception {
        TcpCopyProvider p1 = new TcpCopyProvider(new Fakes.Readings());
        TcpCopyProvider p2 = new TcpCopyProvider(new Fakes.Readings());
        p1.tcpCopy().updateGlobalStrategy(new io.ferry.tcpcopy.config.Strategy(io.ferry.tcpcopy.config.Switch.ON, 30, 1, 80, 70));
        assertEquals(io.ferry.tcpcopy.config.Switch.OFF, p2.tcpCopy().globalStrategy().switchValue(), "no JVM statics");
    }
}
