package io.ferry.cli;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NettyDefaultsTest {

    @Test
    void theAllocatorStaysOutOfLowMemoryModeUnlessTheUserSaysOtherwise() {
        Properties unset = new Properties();
        NettyDefaults.apply(unset);
        assertEquals("false", unset.getProperty(NettyDefaults.LOW_MEMORY));

        Properties chosen = new Properties();
        chosen.setProperty(NettyDefaults.LOW_MEMORY, "true");
        NettyDefaults.apply(chosen);
        assertEquals("true", chosen.getProperty(NettyDefaults.LOW_MEMORY), "a -D flag of the user's must win");
    }
}
