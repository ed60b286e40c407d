/**
 * pcapng output: {@link io.ferry.dump.format.pcapng.PcapngWriter} (SHB, IDB, EPB blocks),
 * {@link io.ferry.dump.format.pcapng.TcpSynthesizer} (Ethernet/IP/TCP frames with checksums) and
 * {@link io.ferry.dump.format.pcapng.PcapngSession} (a synthetic TCP conversation per captured connection, fed Ferry
 * records in order: used by the live {@code "format": "pcapng"} writer and by {@code ferry dump pcap}).
 */
package io.ferry.dump.format.pcapng;
