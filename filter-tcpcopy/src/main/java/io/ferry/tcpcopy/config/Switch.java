package io.ferry.tcpcopy.config;

/**
 * The {@code switch} of a strategy, spelled as in Layotto (upper case, matched case-sensitively). {@link #FORCE_OFF}
 * is accepted only in the global strategy.
 */
public enum Switch {
    ON, OFF, FORCE_OFF
}
