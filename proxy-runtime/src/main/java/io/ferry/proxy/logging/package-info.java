/** Logback set up from MOSN's {@code default_log_path} and {@code default_log_level}. */
package io.ferry.proxy.logging;
