package io.ferry.mirror;

import io.ferry.testkit.contract.ReadFilterContractTest;
import io.ferry.testkit.embedded.EmbeddedClusters;
import io.ferry.testkit.embedded.EmbeddedEnvironment;

import java.util.List;

/** tcp_mirror obeys the filter contract (FILTER-CONTRACT.md), found through ServiceLoader by its type. */
class MirrorContractTest extends ReadFilterContractTest {

    @Override
    protected String type() {
        return "tcp_mirror";
    }

    @Override
    protected String validConfig() {
        return "{\"cluster\": \"shadow\", \"percent\": 100, \"copies\": 2, \"compare\": true, \"max_buffer\": \"64KiB\","
                + " \"connect_timeout\": \"1s\"}";
    }

    @Override
    protected void configureEnvironment(EmbeddedEnvironment environment) {
        environment.clusters().add("shadow", EmbeddedClusters.Behaviour.ECHO);
    }

    @Override
    protected List<String> invalidConfigs() {
        return List.of(
                "{}",
                "{\"cluster\": \"nope\"}",
                "{\"cluster\": \"shadow\", \"percent\": 101}",
                "{\"cluster\": \"shadow\", \"copies\": 0}",
                "{\"cluster\": \"shadow\", \"max_buffer\": \"1 lot\"}",
                "{\"cluster\": \"shadow\", \"connect_timeout\": 5}",
                "{\"cluster\": \"shadow\", \"Percent\": 5}");
    }
}
