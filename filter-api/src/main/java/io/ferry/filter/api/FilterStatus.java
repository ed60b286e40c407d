package io.ferry.filter.api;

/**
 * What a filter tells the chain after a callback. MOSN: {@code api.FilterStatus} ({@code Continue}, {@code Stop}).
 *
 * <ul>
 *   <li>{@link #CONTINUE}: the pass goes on to the next filter.</li>
 *   <li>{@link #STOP}: the pass ends here. Nothing is drained and nothing is closed: bytes the filter did not
 *       {@linkplain IoBuffer#drain(int) drain} stay in the connection's read buffer and are presented again, from
 *       the first filter, together with the next bytes read. A read filter that returned {@code STOP} may later call
 *       {@link ReadFilterCallbacks#continueReading()} to resume the pass at the filter after it.</li>
 * </ul>
 *
 * <p>Returning {@code null} is a contract violation: the chain closes the connection and logs an error naming the
 * filter.
 */
@Stable
public enum FilterStatus {
    /** Go on with the next filter. */
    CONTINUE,
    /** End this pass; later filters do not see the data until the next read or {@code continueReading()}. */
    STOP
}
