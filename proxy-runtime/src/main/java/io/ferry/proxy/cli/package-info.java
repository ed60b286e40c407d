/** The {@code ferry} command line: {@link io.ferry.proxy.cli.Main}. */
package io.ferry.proxy.cli;
