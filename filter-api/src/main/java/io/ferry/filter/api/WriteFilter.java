package io.ferry.filter.api;

import java.util.List;

/**
 * A filter on the write path of one connection. MOSN: {@code api.WriteFilter}.
 *
 * <p>Every {@link Connection#write} on a connection passes through its write filters before it reaches the socket.
 * On a downstream connection behind {@code tcp_proxy}, they therefore see the bytes going back to the client.
 *
 * <h2>Order</h2>
 * Write filters run in the order they were added, <b>like MOSN and unlike Envoy</b> (whose write path runs in
 * reverse order). The first {@link FilterStatus#STOP} ends the iteration and the write is <em>not sent</em>: the
 * runtime releases the buffers. A {@linkplain Connection#close(ConnectionCloseType, ConnectionEvent) flushing close}
 * does not pass through write filters in Ferry (in MOSN a write filter returning Stop can swallow it).
 *
 * <h2>Threading and ownership</h2>
 * Called on the connection's thread. The buffers are owned by the runtime and valid only during the call; a filter
 * may modify their content in place (drain, append) and must copy anything it keeps.
 */
@Stable
public interface WriteFilter {

    /**
     * Called before {@code buffers} are written to the socket.
     *
     * @param buffers the buffers of one write, in order; the list itself is not modifiable
     * @return {@link FilterStatus#CONTINUE} to let the write proceed, {@link FilterStatus#STOP} to drop it
     */
    FilterStatus onWrite(List<IoBuffer> buffers);
}
