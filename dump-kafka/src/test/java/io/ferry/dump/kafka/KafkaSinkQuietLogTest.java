package io.ferry.dump.kafka;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.EncodedRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker that fails every record for five minutes, on a clock the test moves: the sink logs the state change once,
 * a summary with counts once a minute, and the recovery once, not a line per record.
 */
class KafkaSinkQuietLogTest {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(KafkaSink.class);

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
    }

    @Test
    void fiveMinutesOfFailuresLogAHandfulOfLinesWithCounts() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("type", "kafka");
        fields.put("bootstrap_servers", "127.0.0.1:9");
        fields.put("topic", "ferry-dumps");
        KafkaSinkConfig config = KafkaSinkConfig.parse(Sinks.validated(fields));
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        AtomicLong clock = new AtomicLong();
        KafkaSink sink = new KafkaSink(config, p -> producer, clock::get);
        FerryRecord r = FerryRecord.data(1, 7, FerryRecord.INBOUND, "w", "l", 0, new byte[] {1, 2, 3});
        EncodedRecord e = new EncodedRecord(r, FerryFormat.encode(r));

        int records = 0;
        for (int second = 0; second < 300; second += 5) {      // 5 minutes, 12 records a minute
            clock.set(TimeUnit.SECONDS.toNanos(second));
            sink.accept(e);
            assertTrue(producer.errorNext(new NetworkException("broker down")));
            records++;
        }
        assertEquals(records, sink.stats().get("dropped_send_failed"));
        clock.set(TimeUnit.SECONDS.toNanos(301));
        sink.accept(e);
        assertTrue(producer.completeNext());

        List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        String all = String.join("\n", lines);
        assertTrue(lines.size() <= 8, "a handful of lines for " + records + " failed records:\n" + all);
        assertTrue(lines.get(0).startsWith("tcpcopy kafka sink (127.0.0.1:9 topic ferry-dumps) failing: a record was"
                + " not acknowledged (org.apache.kafka.common.errors.NetworkException: broker down)"), all);
        List<String> summaries = lines.stream().filter(l -> l.contains("still failing")).toList();
        assertEquals(4, summaries.size(), "one summary a minute: " + all);
        assertTrue(summaries.get(0).contains("still failing after 60 s: 12 x a record was not acknowledged in the last"
                + " 60 s"), all);
        assertEquals("tcpcopy kafka sink (127.0.0.1:9 topic ferry-dumps) recovered after 301 s; " + records
                + " records were dropped while it failed", lines.get(lines.size() - 1), all);
        sink.close();
    }
}
