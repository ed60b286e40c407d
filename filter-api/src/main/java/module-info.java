/**
 * Ferry's filter API: MOSN's network filter model in Java and the SPI through which the runtime finds filters. It
 * requires nothing beyond {@code java.base} and exports only API packages: its implementation classes (the heap
 * {@code IoBuffer} behind {@code IoBuffer.wrap}) are package-private, so a plugin cannot reach them whether it is
 * compiled on the class path or as a module.
 *
 * <p>A modular plugin declares
 * <pre>{@code
 * module com.acme.audit {
 *     requires io.ferry.filter.api;
 *     requires static org.slf4j;      // if it logs: SLF4J comes from the host
 *     provides io.ferry.filter.api.spi.NetworkFilterFactoryProvider with com.acme.audit.AuditProvider;
 * }
 * }</pre>
 */
module io.ferry.filter.api {
    exports io.ferry.filter.api;
    exports io.ferry.filter.api.admin;
    exports io.ferry.filter.api.metrics;
    exports io.ferry.filter.api.spi;
    exports io.ferry.filter.api.upstream;

    uses io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
}
