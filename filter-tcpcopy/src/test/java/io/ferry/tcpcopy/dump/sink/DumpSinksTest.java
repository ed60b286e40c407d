package io.ferry.tcpcopy.dump.sink;

import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.EncodedRecord;
import io.ferry.filter.api.spi.FilterConfigException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DumpSinksTest {

    private static final String BASE = "filters[0].config.dump.sinks";

    private static FerryRecord data(long conn, String text) {
        return data(conn, text, 0);
    }

    private static FerryRecord data(long conn, String text, long offset) {
        return FerryRecord.data(1_000_000L, conn, FerryRecord.INBOUND, "w", "l", offset,
                text.getBytes(StandardCharsets.UTF_8));
    }

    private static FerryRecord open(long conn) {
        return FerryRecord.open(1_000_000L, conn, "w", "l", io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT,
                io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT, false, 0, -1);
    }

    @Test
    void aBlockedSinkGivesUpTheConnectionWithARecordAndNeitherTheWriterNorTheOtherSinkWaits() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            List<SinkSpec> specs = SinkSpec.parseAll(List.of(
                    Map.of("type", "test", "id", "slow", "block", true, "queue_capacity", 4.0),
                    Map.of("type", "test", "id", "fast")), BASE);
            assertEquals(List.of("test_0", "test_1"), specs.stream().map(SinkSpec::name).toList());
            DumpSinks sinks = DumpSinks.start(specs);
            TestSinks.Recording slow = TestSinks.CREATED.get("slow");
            TestSinks.Recording fast = TestSinks.CREATED.get("fast");
            sinks.offer(open(7));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sinks.snapshot().get("test_0.queued") > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);                          // "slow" took the OPEN and hangs in accept()
            }
            for (int i = 0; i < 100; i++) {               // returns at once although "slow" takes no more records
                sinks.offer(data(7, "r" + (char) ('a' + i % 26), 2L * i));
            }
            while (fast.got.size() < 101 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(101, fast.got.size(), "the other sink got every record, in order");
            for (int i = 0; i < 100; i++) {
                assertEquals(2L * i, fast.got.get(i + 1).record().value());
            }
            Map<String, Long> stats = sinks.snapshot();
            // the slow sink queued 4 records; the 5th did not fit: it gave the connection up, once
            assertEquals(1, stats.get("test_0.dropped_queue_full"), stats.toString());
            assertEquals(1, stats.get("test_0.connections_abandoned"), stats.toString());
            assertEquals(0, stats.get("test_1.dropped_queue_full"), stats.toString());
            assertEquals(101, stats.get("test_1.accepted"));
            slow.release.countDown();
            assertTrue(sinks.awaitIdle(20, TimeUnit.SECONDS));
            List<FerryRecord> got = slow.got.stream().map(EncodedRecord::record).toList();
            assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.DATA, FerryRecord.DATA,
                    FerryRecord.DATA, FerryRecord.ABANDONED), got.stream().map(FerryRecord::type).toList());
            FerryRecord abandoned = got.get(5);
            assertEquals("sink_slow", abandoned.reason());
            assertEquals(8, abandoned.inbound(), "its copy stops where the records it has end");
            sinks.close();
            assertTrue(slow.closed && fast.closed);
            sinks.offer(data(7, "late"));
            assertEquals(1, sinks.snapshot().get("test_1.dropped_closed"));
        });
    }

    @Test
    void theEncodedValueIsTheDocumentedFerryRecordSharedByAllSinks() throws Exception {
        DumpSinks sinks = DumpSinks.start(SinkSpec.parseAll(List.of(
                Map.of("type", "test", "id", "e1", "name", "one"), Map.of("type", "test", "id", "e2", "name", "two")), BASE));
        FerryRecord r = data(9, "payload");
        sinks.offer(r);
        assertTrue(sinks.awaitIdle(20, TimeUnit.SECONDS));
        sinks.close();
        EncodedRecord a = TestSinks.CREATED.get("e1").got.get(0);
        assertSame(a, TestSinks.CREATED.get("e2").got.get(0), "encoded once, shared");
        assertArrayEquals(FerryFormat.encode(r), a.encoded());
    }

    @Test
    void aSinkThatThrowsIsCountedAndKeepsRunning() throws Exception {
        DumpSinks sinks = DumpSinks.start(SinkSpec.parseAll(List.of(Map.of("type", "test", "id", "f", "fail", true)), BASE));
        for (int i = 0; i < 3; i++) {
            sinks.offer(data(1, "x"));
        }
        assertTrue(sinks.awaitIdle(20, TimeUnit.SECONDS));
        assertEquals(3, sinks.snapshot().get("test.dropped_sink_error"));
        sinks.close();
    }

    @Test
    void whenALaterSinkCannotBeCreatedTheOnesAlreadyCreatedAreClosed() throws Exception {
        List<SinkSpec> specs = SinkSpec.parseAll(List.of(Map.of("type", "test", "id", "first"),
                Map.of("type", "test", "id", "second", "fail_create", true)), BASE);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DumpSinks.start(specs));
        assertEquals("test sink second cannot be created", e.getMessage());
        assertTrue(TestSinks.CREATED.get("first").closed, "the first sink (its producer, threads, sockets) is closed");
    }

    @Test
    void configErrorsNameThePathTheValueAndWhatIsExpected() {
        assertEquals(BASE + "[0].type: \"nosuch\" (expected: one of the sink types available: test (a sink's module must be on the class path or in the plugin directory))",
                assertThrows(FilterConfigException.class,
                        () -> SinkSpec.parseAll(List.of(Map.of("type", "nosuch")), BASE)).getMessage());
        assertEquals(BASE + ": \"kafka\" (expected: a list of sink objects, e.g. [{\"type\": \"kafka\", ...}])",
                assertThrows(FilterConfigException.class, () -> SinkSpec.parseAll("kafka", BASE)).getMessage());
        assertEquals(BASE + "[0].colour: \"red\" (expected: no such field; a test sink accepts block, fail, fail_create, id, name, queue_bytes, queue_capacity, type)",
                assertThrows(FilterConfigException.class,
                        () -> SinkSpec.parseAll(List.of(Map.of("type", "test", "id", "x", "colour", "red")), BASE)).getMessage());
        assertEquals(BASE + "[0].queue_capacity: 0 (expected: an integer from 1 to 1048576)",
                assertThrows(FilterConfigException.class,
                        () -> SinkSpec.parseAll(List.of(Map.of("type", "test", "id", "x", "queue_capacity", 0)), BASE)).getMessage());
        assertEquals(List.of(), assertDoesNotThrowList());
    }

    private static List<SinkSpec> assertDoesNotThrowList() {
        try {
            return SinkSpec.parseAll(null, BASE);
        } catch (FilterConfigException e) {
            throw new AssertionError(e);
        }
    }
}
