package io.ferry.filter.api;

/**
 * Receives the events of one connection. MOSN: {@code api.ConnectionEventListener}.
 *
 * <p>Called on the connection's thread, in registration order. A close event is delivered exactly once.
 */
@Stable
@FunctionalInterface
public interface ConnectionEventListener {

    void onEvent(ConnectionEvent event);
}
