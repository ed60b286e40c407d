package io.ferry.tcpcopy;

import io.ferry.dump.format.LayottoFormat;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tcpcopy on the real chain engine, through the test kit's harness and its manual clock. */
class ChainHarnessTest {

    @TempDir
    Path dir;

    /** Returns STOP without draining until it has seen {@code need} bytes, then drains everything. */
    static final class FrameWaiter implements ReadFilter {
        private final int need;

        FrameWaiter(int need) {
            this.need = need;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            if (buffer.length() < need) {
                return FilterStatus.STOP;
            }
            return FilterStatus.CONTINUE;
        }
    }

    private List<String> payloads(TcpCopyProvider provider) throws Exception {
        for (var w : provider.tcpCopy().writers()) {
            assertTrue(w.awaitIdle(30, TimeUnit.SECONDS));
        }
        List<String> out = new ArrayList<>();
        Path f = dir.resolve(LayottoFormat.TCP_COPY_FILE);
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f)) {
                out.add(new String(HexFormat.ofDelimiter(" ").parseHex(line.substring(line.lastIndexOf(']') + 1)),
                        StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    private String config(String directions) {
        return "{\"strategy\": {\"switch\": \"ON\", \"interval\": 30, \"duration\": 10, \"cpu_max_rate\": 99, "
                + "\"mem_max_rate\": 99}, \"dump\": {\"dir\": \"" + dir + "\", \"directions\": \"" + directions + "\"}}";
    }

    @Test
    void representedBytesOnTheRealChainAreCapturedOnceAndEverythingIsForwarded() throws Exception {
        TcpCopyProvider provider = new TcpCopyProvider(new Fakes.Readings());
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(env).provider(provider)
                .config(config("inbound")).readFilter(new FrameWaiter(8)).build();
        chain.writeInbound("before");                 // no window yet
        chain.advanceTimeBy(30, TimeUnit.SECONDS);    // the first window opens at 30 s
        chain.writeInbound("ab");                     // "before" was kept by FrameWaiter's STOP; "beforeab" passes
        assertEquals("beforeab", chain.readInboundString());
        chain.writeInbound("cd");                     // 2 < 8: stopped without draining
        chain.writeInbound("ef");                     // "cdef" presented again: only "ef" is new
        chain.writeInbound("ghij");                   // "cdefghij" reaches the end
        assertEquals("cdefghij", chain.readInboundString());
        chain.writeInbound("pingpong");
        chain.writeInbound("pingpong");
        assertEquals("pingpongpingpong", new String(chain.readAllInbound(), StandardCharsets.US_ASCII));
        chain.advanceTimeBy(10, TimeUnit.SECONDS);    // the window closes
        chain.writeInbound("after-window");
        chain.finish();
        assertEquals(List.of("beforeab", "cd", "ef", "ghij", "pingpong", "pingpong", "after-window"),
                payloads(provider), "bytes from before the window are captured when they are first presented inside "
                        + "it, once, and the capture outlives its window");
    }

    @Test
    void bothDirectionsOnTheRealChain() throws Exception {
        TcpCopyProvider provider = new TcpCopyProvider(new Fakes.Readings());
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(new EmbeddedEnvironment()).provider(provider)
                .config(config("both")).build();
        chain.advanceTimeBy(30, TimeUnit.SECONDS);
        chain.writeInbound("request");
        assertEquals("request", chain.readInboundString());
        assertTrue(chain.writeOutbound("response"));
        assertEquals("response", new String(chain.readAllOutbound(), StandardCharsets.US_ASCII));
        chain.finish();
        assertEquals(List.of("request", "response"), payloads(provider));
    }
}
