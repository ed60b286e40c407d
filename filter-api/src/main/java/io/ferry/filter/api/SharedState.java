package io.ferry.filter.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that the connections of a factory share state on purpose, so that one connection may change what another
 * does: a connection limit, a rate limiter, a cache. Put it on the {@link NetworkFilterChainFactory} class (or on the
 * provider class, for every factory it creates), naming what is shared:
 *
 * <pre>{@code
 * @SharedState("the open-connection count of max_connections, per listener")
 * final class GuardFactory implements NetworkFilterChainFactory { ... }
 * }</pre>
 *
 * <p>Rule R3.6 of {@code FILTER-CONTRACT.md}: without this declaration, connections running at the same time must
 * not change each other's results, and the test kit checks that every connection gives, under concurrency, exactly
 * what it gives alone. With it, the kit instead checks that the shared state is thread-safe (no failure, no lost
 * update, under connections on several threads) and returns to its initial state when those connections have
 * closed: a connection opened afterwards gives what the first connection gave alone. The runtime itself reads the
 * annotation nowhere; it documents the filter and directs the kit.
 */
@Experimental
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SharedState {

    /** What the connections share, and why; shown by the test kit when it skips the isolation check. */
    String value();
}
