/**
 * The {@code ferry} command line ({@link io.ferry.cli.Main}): {@code start}, {@code filters}, {@code version}, the
 * dump tools ({@link io.ferry.cli.DumpCommand} over {@code dump-tools}, with the dump sources the filter registry
 * finds), {@code ferry demo} ({@link io.ferry.cli.Demo}: the bundled config, the built-in
 * {@link io.ferry.cli.EchoServer} and a traffic check), and the process's logging: Logback configured from MOSN's
 * {@code default_log_path} and {@code default_log_level} ({@link io.ferry.cli.Logging}), every line scrubbed of
 * the config's credentials ({@link io.ferry.cli.ScrubbingLayout}) and repeated library complaints summarised
 * ({@link io.ferry.cli.RepeatedLogFilter}). The library ({@code proxy-runtime}) logs through SLF4J only.
 */
package io.ferry.cli;
