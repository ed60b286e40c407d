package com.example.ferry.router;

import io.ferry.testkit.contract.ReadFilterContractTest;
import io.ferry.testkit.embedded.EmbeddedEnvironment;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The contract kit on the router. It holds every connection until its preamble arrived, so R1.12 and R1.13 apply:
 * behind it the kit's tcp_proxy stand-in must be reached, dial the cluster the preamble names, and get the bytes that
 * follow the preamble.
 */
class PreambleRouterContractTest extends ReadFilterContractTest {

    private static final byte[] PREAMBLE = "ROUTE green\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected String type() {
        return PreambleRouterProvider.TYPE;
    }

    @Override
    protected String validConfig() {
        return "{\"clusters\": [\"blue\", \"green\"], \"preamble_timeout_ms\": 5000}";
    }

    @Override
    protected List<String> invalidConfigs() {
        return List.of("{\"clusters\": [\"red\"]}", "{\"clusters\": []}", "{\"clusters\": \"blue\"}",
                "{\"max_preamble_bytes\": 4}", "{\"max_preamble_bytes\": 100.5}", "{\"preamble_timeout_ms\": -1}",
                "{\"cluster\": \"blue\"}");
    }

    @Override
    protected void configureEnvironment(EmbeddedEnvironment environment) {
        environment.clusters().add("blue").add("green");
    }

    /** It strips the preamble: what it passes on is not what it read. */
    @Override
    protected boolean forwardsBytes() {
        return false;
    }

    /** A preamble, then random bytes (only the preamble's start when {@code length} is shorter). */
    @Override
    protected byte[] payload(SplittableRandom random, int length) {
        byte[] b = Arrays.copyOf(PREAMBLE, length);
        for (int i = PREAMBLE.length; i < length; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }
}
