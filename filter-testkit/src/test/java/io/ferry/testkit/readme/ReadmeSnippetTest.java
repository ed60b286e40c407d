package io.ferry.testkit.readme;

import io.ferry.filter.api.FilterStatus;
import io.ferry.testkit.contract.ReadFilterContractTest;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The root README's filter example: the same code as {@link UppercaseProvider}, and it works as the README says. */
class ReadmeSnippetTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Path SOURCE = Path.of("src", "test", "java", "io", "ferry", "testkit", "readme",
            "UppercaseProvider.java");

    @Test
    void readmeShowsTheCompiledCode() throws IOException {
        String source = Files.readString(SOURCE);
        String code = source.substring(source.indexOf("// readme:start\n") + "// readme:start\n".length(),
                source.indexOf("// readme:end"));
        String readme = Files.readString(README);
        assertTrue(readme.contains("```java\n" + code + "```\n"),
                "README.md's \"Write your own filter\" block must equal the code between the readme markers of "
                        + SOURCE);
    }

    @Test
    void upperCasesWhatPassesThrough() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().provider(new UppercaseProvider()).config("{}").build();
        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("hello, ferry"));
        assertEquals("HELLO, FERRY", chain.readInboundString());
        chain.finish();
    }

    /** The README's example also passes the contract kit. */
    @Nested
    class Contract extends ReadFilterContractTest {
        @Override
        protected String type() {
            return "acme.uppercase";
        }

        @Override
        protected String validConfig() {
            return "{}";
        }

        @Override
        protected List<String> invalidConfigs() {
            return null;
        }

        @Override
        protected boolean forwardsInbound() {
            return false;   // it transforms what it reads: R1.11 is for observers
        }

        @Override
        protected NetworkFilterFactoryProvider loadProvider(String type) {
            return new UppercaseProvider();
        }
    }
}
