package io.ferry.proxy.config;

import io.ferry.filter.api.spi.ConfigObject;
import io.ferry.filter.api.spi.FilterConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A filter's getDuration and the runtime's own config loader read MOSN's durations the same way. */
class DurationParityTest {

    private static ConfigObject config(Object value) {
        return new ConfigObject() {
            @Override
            public String path() {
                return "c";
            }

            @Override
            public Map<String, Object> asMap() {
                return Map.of("d", value);
            }
        };
    }

    @Test
    void theSameStringsAreAcceptedWithTheSameValues() throws FilterConfigException {
        for (String s : new String[] {"0", "10s", "300ms", "1m30s", "1.5h", "2us", "3\u00b5s", "4\u03bcs", ".5s",
                "5.s", "1h2m3s4ms5us6ns", "+1s"}) {
            Duration runtime = JsonNode.parseGoDuration(s);
            assertEquals(runtime, config(s).getDuration("d"), s);
        }
        for (String s : new String[] {"", "10", "s", ".", "1..5s", "5d", "1S", "10 s", "9999999999h"}) {
            assertNull(JsonNode.parseGoDuration(s), s);
            assertThrows(FilterConfigException.class, () -> config(s).getDuration("d"), s);
        }
    }
}
