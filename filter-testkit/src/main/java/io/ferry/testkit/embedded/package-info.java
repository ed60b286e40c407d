/**
 * {@link io.ferry.testkit.embedded.EmbeddedFilterChain}, a harness in the style of Netty's {@code EmbeddedChannel}
 * that runs the real chain engine without sockets, and its in-memory environment: a
 * {@link io.ferry.testkit.embedded.ManualScheduler} whose time moves only when a test advances it, an admin registry
 * a test can call, a stats registry it can read, and a transport whose event loop is the test thread.
 */
package io.ferry.testkit.embedded;
