/** {@code ferry demo}: the bundled config, a built-in echo upstream and a traffic check. */
package io.ferry.proxy.demo;
