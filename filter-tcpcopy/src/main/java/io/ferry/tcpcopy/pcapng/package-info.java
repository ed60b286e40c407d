/**
 * pcapng output: {@link io.ferry.tcpcopy.pcapng.PcapngWriter} (SHB, IDB, EPB blocks),
 * {@link io.ferry.tcpcopy.pcapng.PcapConverter} (a synthetic TCP conversation per captured connection, used by
 * {@code ferry dump pcap} and by the live {@code "format": "pcapng"} writer) and
 * {@link io.ferry.tcpcopy.pcapng.TsharkFollow} (reads streams back through {@code tshark} to verify them).
 */
package io.ferry.tcpcopy.pcapng;
