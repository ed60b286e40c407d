package io.ferry.testkit.sample;

import io.ferry.testkit.contract.ReadFilterContractTest;

import java.util.List;

/** The whole subclass a filter author writes: the kit's own test filter passes the contract. */
class LineCounterContractTest extends ReadFilterContractTest {

    @Override
    protected String type() {
        return LineCounterProvider.TYPE;
    }

    @Override
    protected String validConfig() {
        return "{\"max_line_bytes\": 80}";
    }

    @Override
    protected List<String> invalidConfigs() {
        return List.of("{\"max_line_bytes\": 0}", "{\"max_line_bytes\": \"80\"}", "{\"max_line_bytes\": 1.5}",
                "{\"max_lines\": 80}");
    }
}
