package io.ferry.filter.api;

/**
 * A filter on the read path of one connection. MOSN: {@code api.ReadFilter}.
 *
 * <h2>Order</h2>
 * Read filters run in the order they were {@linkplain NetworkFilterChainFactoryCallbacks#addReadFilter added}: the
 * order of the listener's {@code filter_chains[0].filters[]} and, within one factory, the order in which that
 * factory adds them.
 * <pre>
 *   bytes read ──▶ filter 0 ──▶ filter 1 ──▶ … ──▶ filter n (terminal, e.g. tcp_proxy: dials when first reached,
 *                                                            drains and returns STOP)
 *                    │ STOP: the pass ends; undrained bytes stay in the read buffer and are presented again,
 *                    │       from filter 0, with the next read appended
 *                    └ continueReading(): the pass resumes at the filter after the caller
 * </pre>
 *
 * <h2>Life cycle of one filter instance</h2>
 * <ol>
 *   <li>{@link #initializeReadFilterCallbacks} is called exactly once, immediately when the filter is added, during
 *       {@link NetworkFilterChainFactory#createFilterChain}. It may keep the callbacks and register connection event
 *       listeners; it must not write, close or block.</li>
 *   <li>{@link #onNewConnection} is called lazily, at most once, the first time a pass reaches this filter, and always
 *       before its first {@link #onData}. For a freshly accepted connection the first pass runs right after the chain
 *       is built, so normally every filter sees {@code onNewConnection} before any byte arrives. If it returns
 *       {@code STOP}, filters after this one are not initialised until a later pass reaches them; the connection
 *       stays open and reading (no built-in filter disables reading before the chain reaches it).</li>
 *   <li>{@link #onData} is called for each pass that reaches this filter <em>while the read buffer has readable
 *       bytes</em>. A filter is skipped silently when the buffer is empty, so a filter placed after one that drains
 *       everything (such as {@code tcp_proxy}) never receives data.</li>
 * </ol>
 *
 * <h2>Holding a connection (before the upstream is dialled)</h2>
 * A terminal filter such as {@code tcp_proxy} opens its upstream connection when the chain first reaches it, in its
 * {@code onNewConnection}, and not before. A filter placed before it therefore decides when the upstream is dialled,
 * and with which {@link FilterState} (a routing key, an identity):
 * <ul>
 *   <li><b>Hold in {@code onNewConnection}</b> (before any byte, e.g. until an asynchronous check of the client's
 *       address answers): return {@code STOP}. Nothing after this filter runs; the client's bytes are still read and
 *       kept in the read buffer, and each read calls this filter's {@code onData}, which returns {@code STOP} while the
 *       hold lasts. To keep them in the kernel instead (bounded memory for a long hold), also call
 *       {@code connection().setReadDisable(true)}.</li>
 *   <li><b>Hold in {@code onData}</b> (until enough bytes arrived, e.g. a preamble): return {@code STOP} without
 *       draining what must still be forwarded; the bytes stay in the read buffer and come again, with the next read
 *       appended. This holds the bytes, not the dial: if this filter's {@code onNewConnection} returned
 *       {@code CONTINUE}, the first pass already reached the terminal filter, which dialled. A filter that decides
 *       from the first bytes where the connection goes (a routing preamble) returns {@code STOP} from
 *       {@code onNewConnection} too.</li>
 *   <li><b>End the hold</b> with {@link ReadFilterCallbacks#continueReading()} (from any thread: a timer, a callback
 *       of your own), after undoing your own {@code setReadDisable(true)} with {@code setReadDisable(false)} (the
 *       calls nest). The pass resumes at the next filter with every byte read so far; the terminal filter then dials,
 *       once. Returning {@code CONTINUE} from a later {@code onData} ends it too, but only when the client sends
 *       more; a client that waits for an answer would wait forever, so end an asynchronous hold with
 *       {@code continueReading()}. Set the filter state <em>before</em> ending the hold. To refuse the connection
 *       instead, close it.</li>
 * </ul>
 * The test kit's {@code EmbeddedTcpProxy} behaves like {@code tcp_proxy}, and rules R1.12 and R1.13 of
 * {@code FILTER-CONTRACT.md} check that a filter which holds this way lets the connection relay afterwards.
 *
 * <h2>Threading</h2>
 * Every callback of a connection runs on that connection's thread (its event loop), one at a time. A filter
 * instance therefore needs no locks for its own state, provided it is attached to one connection only: a factory must
 * create new filter instances for each connection, and the chain refuses an instance attached to a second
 * connection. Callbacks must never block.
 *
 * <h2>Buffer ownership</h2>
 * The buffer handed to {@link #onData} is the connection's read buffer. It is owned by the runtime and is valid only
 * during the call. A filter may read it, {@linkplain IoBuffer#drain(int) drain} what it consumed, or append to it;
 * anything it keeps beyond the call must be copied ({@link IoBuffer#copy()}, {@link IoBuffer#toByteArray()}).
 *
 * <h2>Errors</h2>
 * A filter that throws, or returns {@code null}, closes its connection; the runtime logs one line naming the
 * filter's type and class, the connection id and the listener.
 */
@Stable
public interface ReadFilter {

    /**
     * Called for each pass that reaches this filter while the read buffer has readable bytes.
     *
     * @param buffer the connection's read buffer: every byte not yet drained, including bytes kept from earlier
     *               passes. Owned by the runtime and valid only during this call.
     * @return {@link FilterStatus#CONTINUE} to hand the buffer to the next filter, {@link FilterStatus#STOP} to end
     *         the pass; never {@code null}
     */
    FilterStatus onData(IoBuffer buffer);

    /**
     * Called once, before the first {@link #onData}, when a pass first reaches this filter.
     *
     * @return {@link FilterStatus#STOP} to end the initialising pass here (later filters are initialised when a
     *         later pass reaches them); {@link FilterStatus#CONTINUE} otherwise
     */
    default FilterStatus onNewConnection() {
        return FilterStatus.CONTINUE;
    }

    /**
     * Hands the filter its callbacks, once, at the moment the filter is added to a connection's chain.
     */
    default void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
    }
}
