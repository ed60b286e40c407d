package com.example.ferry;

import io.ferry.testkit.contract.ReadFilterContractTest;

import java.util.List;

/** The whole conformance test of a third-party filter: the kit's rules, run on example.deny_prefix. */
class DenyPrefixContractTest extends ReadFilterContractTest {

    @Override
    protected String type() {
        return "example.deny_prefix";
    }

    @Override
    protected String validConfig() {
        return "{\"prefix\": \"DENY \", \"action\": \"close\"}";
    }

    @Override
    protected List<String> invalidConfigs() {
        return List.of("{}", "{\"prefix\": \"\"}", "{\"prefix\": 5}", "{\"prefix\": \"DENY\", \"action\": \"reset\"}",
                "{\"prefix\": \"DENY\", \"actoin\": \"close\"}");
    }
}
