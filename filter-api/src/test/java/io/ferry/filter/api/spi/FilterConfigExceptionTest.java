package io.ferry.filter.api.spi;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FilterConfigExceptionTest {

    @Test
    void valuesOfAConfigMapAreRenderedAsTheJsonOfTheFileNotAsJavaToString() {
        Map<String, Object> strategy = new LinkedHashMap<>();
        strategy.put("switch", "ON");
        strategy.put("interval", 30.0);
        strategy.put("cpu_max_rate", 80.5);
        strategy.put("tags", Arrays.asList("a\"b", true, null));
        assertEquals("p: {\"switch\":\"ON\",\"interval\":30,\"cpu_max_rate\":80.5,\"tags\":[\"a\\\"b\",true,null]}"
                        + " (expected: x)", FilterConfigException.format("p", strategy, "x"));
        assertEquals("p: 30 (expected: x)", FilterConfigException.format("p", 30.0, "x"));
        assertEquals("p: \"tab\\there\" (expected: x)", FilterConfigException.format("p", "tab\there", "x"));
        assertEquals("p: [1,2] (expected: x)", FilterConfigException.format("p", List.of(1, 2), "x"));
        assertEquals("p: missing (expected: x)", FilterConfigException.format("p", null, "x"));
    }
}
