package com.example.plugin;

import io.ferry.testkit.contract.ReadFilterContractTest;

import java.util.List;

/** The contract kit: every rule of FILTER-CONTRACT.md that applies to a read filter, in one subclass. */
class MaxBytesContractTest extends ReadFilterContractTest {

    @Override
    protected String type() {
        return MaxBytesProvider.TYPE;
    }

    @Override
    protected String validConfig() {
        return "{\"max_bytes\": 16777216}";
    }

    @Override
    protected List<String> invalidConfigs() {
        return List.of("{}", "{\"max_bytes\": 0}", "{\"max_bytes\": \"1MiB\"}", "{\"max_bytes\": 1.5}",
                "{\"max_byte\": 10}");
    }
}
