package io.ferry.filter.api;

/**
 * Told when a connection's outbound queue crosses its water marks: {@code false} once more bytes wait to be sent
 * than the high-water mark (256 KiB by default), {@code true} again once they drain below the low-water mark
 * (128 KiB). A filter that relays bytes to this connection from somewhere else stops reading there while it is not
 * writable, so memory stays bounded (what {@code tcp_proxy} does in both directions). Envoy:
 * {@code onAboveWriteBufferHighWatermark} / {@code onBelowWriteBufferLowWatermark}.
 *
 * <p>Called on the connection's thread, in registration order, only when the writability changes.
 */
@Experimental
@FunctionalInterface
public interface WritabilityListener {

    void onWritabilityChanged(boolean writable);
}
