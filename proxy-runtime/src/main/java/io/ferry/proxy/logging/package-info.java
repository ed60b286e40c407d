/**
 * {@link io.ferry.proxy.logging.LogRedaction}: the credential values of the running config, which the runtime adds as
 * it reads the config and which a logging backend scrubs from every line (the CLI's Logback layout does). The runtime
 * logs through SLF4J alone and ships no backend.
 */
package io.ferry.proxy.logging;
