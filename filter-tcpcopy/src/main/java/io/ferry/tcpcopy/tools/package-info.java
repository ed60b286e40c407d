/**
 * The offline dump tools behind {@code ferry dump}: {@link io.ferry.tcpcopy.tools.Capture} reads Ferry dumps, dump
 * directories and Layotto {@code dump_tcp_copy.log} files ({@link io.ferry.tcpcopy.tools.LayottoReader});
 * {@link io.ferry.tcpcopy.tools.Inspect} summarises them; {@link io.ferry.tcpcopy.tools.Replay} re-sends the client
 * bytes of each connection over plain {@code java.nio} sockets and verifies the answers. None of this runs inside
 * the proxy.
 */
package io.ferry.tcpcopy.tools;
