package io.ferry.tcpcopy;

import io.ferry.dump.format.LayottoFormat;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortraitTest {

    @TempDir
    Path dir;
    final Harness h = new Harness();

    @AfterEach
    void close() {
        h.close();
    }

    private TcpCopyFactory factory(Map<String, Object> extra) throws Exception {
        Map<String, Object> c = Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir);
        c.putAll(extra);
        return h.create(c, EmbeddedListener.tcp("l1", 2045));
    }

    @Test
    void oneUploadPerBusinessTypePerWindowUnderContention() throws Exception {
        factory(Map.of());
        TcpCopy api = h.provider.tcpCopy();
        assertFalse(api.uploadPortraitData(TcpCopy.RPC, Map.of("a", 1), "2045"), "no window open");
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int window = 0; window < 3; window++) {
                h.advanceSeconds(window == 0 ? 30 : 25);   // windows open at 30, 60, 90 s
                CyclicBarrier barrier = new CyclicBarrier(threads);
                AtomicInteger accepted = new AtomicInteger();
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String type = t % 2 == 0 ? TcpCopy.RPC : "CUSTOM";
                    fs.add(pool.submit(() -> {
                        barrier.await();
                        if (api.uploadPortraitData(type, Map.of("x", "y"), "2045")) {
                            accepted.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertEquals(2, accepted.get(), "one RPC and one CUSTOM upload accepted in window " + window);
                h.advanceSeconds(5);
            }
        } finally {
            pool.shutdownNow();
        }
        assertFalse(api.uploadPortraitData(TcpCopy.RPC, Map.of("a", 1), "9999"), "no listener on that port");
    }

    @Test
    void uploadsRacingWithWindowCloseNeverTakeTheNextWindowsToken() throws Exception {
        TcpCopyFactory f = factory(Map.of());
        TcpCopy api = h.provider.tcpCopy();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            fs.add(pool.submit(() -> {
                while (!stop.get()) {
                    api.uploadPortraitData(TcpCopy.STATE, "s", "2045");
                }
                return null;
            }));
        }
        for (int i = 0; i < 50; i++) {
            f.open(5, true);                    // closes the previous window and opens the next
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (f.stats().portraitAccepted.sum() <= i && System.nanoTime() < deadline) {
                Thread.onSpinWait();            // until this window's token is taken, while uploads keep coming
            }
        }
        stop.set(true);
        for (Future<?> fu : fs) {
            fu.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        h.awaitWriters();
        Map<String, Integer> perWindow = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve(LayottoFormat.PORTRAIT_FILE))) {
            String window = line.substring(line.indexOf("] [") + 3, line.indexOf(']', line.indexOf("] [") + 3));
            perWindow.merge(window, 1, Integer::sum);
        }
        assertEquals(50, perWindow.size(), "every window accepted one upload");
        perWindow.forEach((w, n) -> assertEquals(1, n, "window " + w));
        assertEquals(h.stats("tcpcopy.l1").get("portrait_accepted").longValue(), perWindow.size());
    }

    @Test
    void headerMapsBecomeMapsOfStringsAndTheConfigDumpIsRedacted() throws Exception {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("api_token", "t0ps3cret");
        extra.put("tls", Map.of("private_key", "-----BEGIN", "cert_chain", "PUBLIC"));
        TcpCopyFactory f = factory(extra);
        Window w = f.open(5, true).window();
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("service", "echo");
        headers.put("timeout", 300);
        assertTrue(h.provider.tcpCopy().uploadPortraitData(TcpCopy.RPC, headers, "2045"));
        assertTrue(h.provider.tcpCopy().uploadPortraitData(TcpCopy.CONFIGURATION, List.of(1, 2), "2045"));
        assertFalse(h.provider.tcpCopy().uploadPortraitData(TcpCopy.RPC, headers, "2045"), "second RPC upload");
        h.awaitWriters();
        List<String> portrait = Files.readAllLines(dir.resolve(LayottoFormat.PORTRAIT_FILE));
        assertTrue(portrait.get(0).endsWith("[INFO] [" + w.id() + "][RPC][2045]{\"service\":\"echo\",\"timeout\":\"300\"}"), portrait.get(0));
        assertTrue(portrait.get(1).endsWith("[" + w.id() + "][CONFIGURATION][2045][1,2]"), portrait.get(1));
        List<String> mem = Files.readAllLines(dir.resolve(LayottoFormat.MEM_DUMP_FILE));
        assertEquals(2, mem.size());
        assertTrue(mem.get(0).contains("[" + w.id() + "]{\"listener\":\"l1\",\"port\":\"2045\",\"config\":{"), mem.get(0));
        assertTrue(mem.get(0).contains("\"api_token\":\"***REDACTED***\""), mem.get(0));
        assertTrue(mem.get(0).contains("\"private_key\":\"***REDACTED***\""), mem.get(0));
        assertTrue(mem.get(0).contains("\"cert_chain\":\"PUBLIC\""), mem.get(0));
        assertFalse(mem.get(0).contains("t0ps3cret") || mem.get(0).contains("BEGIN"));
        assertTrue(mem.get(0).contains("\"effective\":{\"switch\":\"ON\",\"interval\":30"), mem.get(0));
        assertTrue(mem.get(1).endsWith("[" + w.id() + "]no_change"), mem.get(1));
    }

    @Test
    void redactionRule() {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("Password", "p");
        in.put("SECRET_id", 3);
        in.put("keys", List.of("a"));
        in.put("nested", List.of(Map.of("accessToken", "x", "name", "n")));
        in.put("empty_key", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) Redaction.redact(in);
        assertEquals(Redaction.REDACTED, out.get("Password"));
        assertEquals(Redaction.REDACTED, out.get("SECRET_id"));
        assertEquals(Redaction.REDACTED, out.get("keys"));
        assertEquals(List.of(Map.of("accessToken", Redaction.REDACTED, "name", "n")), out.get("nested"));
        assertEquals(null, out.get("empty_key"));
        assertEquals("p", in.get("Password"), "the input is not modified");
    }
}
