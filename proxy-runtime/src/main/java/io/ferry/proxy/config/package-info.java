/**
 * MOSN's JSON configuration for an L4 proxy: {@link io.ferry.proxy.config.MosnConfigLoader} reads a file with MOSN's
 * decoding rules into the immutable {@link io.ferry.proxy.config.FerryConfig} records, warning about what it ignores
 * and refusing what an L4 engine cannot honour; {@link io.ferry.proxy.config.ConfigRedactor} hides credentials before
 * a config leaves the process. MOSN's Go names: {@code v2.MOSNConfig} → {@code FerryConfig},
 * {@code v2.ServerConfig} → {@code ServerConfig}, {@code v2.Listener} → {@code ListenerConfig}, {@code v2.Filter} →
 * {@code FilterEntry}, {@code v2.Cluster} → {@code ClusterConfig}, {@code v2.Host} → {@code HostConfig}.
 */
package io.ferry.proxy.config;
