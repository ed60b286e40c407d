package io.ferry.filter.api;

import io.ferry.filter.api.spi.FilterConfigException;

/**
 * Optional interface of a {@link NetworkFilterChainFactory} that wants to know its listener. MOSN:
 * {@code api.FactoryInitializer}, whose {@code Init} receives the {@code *v2.Listener}.
 *
 * <p>Called once per factory, at startup, after the factory was created and before the listener accepts its first
 * connection. Where MOSN logs and skips a filter whose {@code Init} fails, Ferry refuses to start and prints the
 * exception's message.
 */
@Stable
public interface FactoryInitializer {

    /**
     * @param listener the listener this factory serves
     * @throws FilterConfigException when the factory cannot serve this listener; the message should name what was
     *                               wrong and what was expected
     */
    void init(ListenerInfo listener) throws FilterConfigException;
}
