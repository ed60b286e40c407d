/**
 * Layotto's {@code tcpcopy} network filter (mosn/layotto pkg/filter/network/tcpcopy) for Ferry.
 *
 * <table>
 *   <caption>Ferry type to Layotto Go name</caption>
 *   <tr><th>Ferry</th><th>Layotto</th></tr>
 *   <tr><td>{@link io.ferry.tcpcopy.TcpCopyProvider}</td><td>{@code CreateTcpcopyFactory} registered as {@code "tcpcopy"}</td></tr>
 *   <tr><td>{@link io.ferry.tcpcopy.TcpCopyFactory}</td><td>{@code tcpcopyFactory} ({@code Init}, {@code CreateFilterChain})</td></tr>
 *   <tr><td>{@code CaptureReadFilter}</td><td>{@code tcpcopyFactory.OnData} (one shared instance there; one per connection here)</td></tr>
 *   <tr><td>{@link io.ferry.tcpcopy.config.Strategy}, {@link io.ferry.tcpcopy.config.Effective}</td><td>{@code model.DumpConfig}, strategy/switch.go</td></tr>
 *   <tr><td>{@link io.ferry.tcpcopy.fuse.Fuse}</td><td>strategy/fuse.go {@code IsAvaliable}</td></tr>
 *   <tr><td>{@link io.ferry.tcpcopy.dump.DumpWriter}</td><td>persistence/work_pool.go and persistence.go</td></tr>
 *   <tr><td>{@link io.ferry.tcpcopy.TcpCopy#uploadPortraitData}</td><td>{@code UploadPortraitData} (portrait_data.go)</td></tr>
 *   <tr><td>{@code ConnectionCapture}</td><td>none: per-connection sampling ({@code sample_percent}), byte budget and
 *       the open/close records of the Ferry format (packages {@code record}, {@code pcapng}, {@code tools})</td></tr>
 * </table>
 *
 * <p>Threading: connection threads run the filters and read volatile state only; the runtime's scheduler thread
 * opens and closes windows and samples the fuse; the admin thread changes strategies; one writer thread per dump
 * directory does all file I/O.
 */
package io.ferry.tcpcopy;
