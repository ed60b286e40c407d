package io.ferry.tcpcopy;

import io.ferry.testkit.contract.ReadFilterContractTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** tcpcopy obeys the filter contract (FILTER-CONTRACT.md), found through ServiceLoader by its type. */
class TcpCopyContractTest extends ReadFilterContractTest {

    private final Path dir;

    TcpCopyContractTest() {
        try {
            dir = Files.createTempDirectory("tcpcopy-contract");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected String type() {
        return "tcpcopy";
    }

    @Override
    protected String validConfig() {
        return "{\"strategy\": {\"switch\": \"ON\", \"interval\": 30, \"duration\": 5, \"cpu_max_rate\": 99, "
                + "\"mem_max_rate\": 99}, \"dump\": {\"dir\": \"" + dir.toString().replace("\\", "\\\\") + "\", \"directions\": \"both\"}}";
    }

    @Override
    protected List<String> invalidConfigs() {
        return List.of(
                "{\"strategy\": {\"switch\": \"on\", \"interval\": 30, \"duration\": 5, \"cpu_max_rate\": 80, \"mem_max_rate\": 80}}",
                "{\"strategy\": {\"switch\": \"ON\", \"interval\": 10, \"duration\": 5, \"cpu_max_rate\": 80, \"mem_max_rate\": 80}}",
                "{\"strategy\": {\"switch\": \"ON\", \"interval\": 30, \"duration\": 30, \"cpu_max_rate\": 80, \"mem_max_rate\": 80}}",
                "{\"strategy\": {\"switch\": \"ON\", \"interval\": 30, \"duration\": 5, \"cpu_max_rate\": 100, \"mem_max_rate\": 80}}",
                "{\"strategy\": \"ON\"}",
                "{\"Strategy\": {}}",
                "{\"dump\": {\"format\": \"pcap\"}}",
                "{\"dump\": {\"directions\": \"outbound\"}}");
    }
}
