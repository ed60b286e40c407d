/**
 * The offline dump tools behind {@code ferry dump}: {@link io.ferry.dump.tools.Capture} reads Ferry dumps, dump
 * directories and Layotto {@code dump_tcp_copy.log} files ({@link io.ferry.dump.format.LayottoReader});
 * {@link io.ferry.dump.tools.Inspect} summarises them; {@link io.ferry.dump.tools.Replay} re-sends the client
 * bytes of each connection over plain {@code java.nio} sockets and verifies the answers. None of this runs inside
 * the proxy.
 */
package io.ferry.dump.tools;
