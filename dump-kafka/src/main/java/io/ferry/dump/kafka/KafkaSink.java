package io.ferry.dump.kafka;

import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.DumpSink;
import io.ferry.dump.spi.EncodedRecord;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Streams Ferry records to a Kafka topic with {@code kafka-clients}.
 *
 * <p>Each record becomes one Kafka record: the key is {@code <instance_id>/<connection id>} (UTF-8), so the records
 * of one connection stay in order within one partition; the value is the record's Ferry encoding, frame and body, as
 * in a {@code dump_tcp_copy.ferry} file (docs/dump-format.md); the headers {@code ferry.instance},
 * {@code ferry.listener} and {@code ferry.window} carry the proxy instance, the listener and the window id (UTF-8).
 *
 * <h2>Threading and blocking</h2>
 * Called on its sink thread only (tcpcopy's {@code DumpSinks}, or any host of the SPI), never on the dump writer's or the
 * data path's. The producer has {@code max.block.ms = 0} and a bounded {@code buffer.memory}: {@code send} never
 * waits for buffer space or metadata. A record refused because the buffer is full is dropped
 * ({@code dropped_buffer_full}). While the topic's metadata is not known yet (at start, or after the broker was away
 * long enough for it to expire), the sink thread retries the record for up to 2 s, then drops it
 * ({@code dropped_metadata_unavailable}) and drops at once for the next second, so its queue keeps moving; records
 * the broker does not acknowledge within {@code delivery_timeout_ms} are dropped ({@code dropped_send_failed}). The
 * producer reconnects by itself (backoff up to 1 s) when the broker returns.
 *
 * <h2>Logging</h2>
 * A failing broker is logged as state changes ({@link FailureLog}): one WARN line when records start failing, at most
 * one summary a minute with counts while they keep failing, one INFO line when a record gets through again.
 * kafka-clients' own reconnect warnings are summarised by the runtime's logging the same way.
 */
public final class KafkaSink implements DumpSink {

    private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);
    static final String HEADER_INSTANCE = "ferry.instance";
    static final String HEADER_LISTENER = "ferry.listener";
    static final String HEADER_WINDOW = "ferry.window";
    private static final long METADATA_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long METADATA_FAST_DROP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final KafkaSinkConfig config;
    private final Producer<byte[], byte[]> producer;
    private final byte[] instance;
    private final String keyPrefix;
    private final LongAdder sent = new LongAdder();
    private final LongAdder sentBytes = new LongAdder();
    private final LongAdder sendFailed = new LongAdder();
    private final LongAdder bufferFull = new LongAdder();
    private final LongAdder metadataUnavailable = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private final FailureLog failures;
    private long metadataFailedAt;
    private volatile boolean metadataReady;
    private boolean metadataFailed;
    /** Why the last metadata lookup failed (sink thread only). */
    private String metadataProblem = "not known yet";

    KafkaSink(KafkaSinkConfig config) {
        this(config, p -> new KafkaProducer<>(p));
    }

    KafkaSink(KafkaSinkConfig config, Function<Map<String, Object>, Producer<byte[], byte[]>> factory) {
        this(config, factory, System::nanoTime);
    }

    /** With an injected clock for the failure log's summaries (tests). */
    KafkaSink(KafkaSinkConfig config, Function<Map<String, Object>, Producer<byte[], byte[]>> factory,
              java.util.function.LongSupplier nanoClock) {
        this.config = config;
        this.failures = new FailureLog(log, "tcpcopy kafka sink (" + config.bootstrapServers() + " topic "
                + config.topic() + ")", nanoClock, 1, TimeUnit.MINUTES);
        this.producer = factory.apply(config.producerProps());
        this.instance = config.instanceId().getBytes(StandardCharsets.UTF_8);
        this.keyPrefix = config.instanceId() + "/";
    }

    @Override
    public void accept(EncodedRecord e) {
        FerryRecord r = e.record();
        byte[] key = (keyPrefix + r.connectionId()).getBytes(StandardCharsets.UTF_8);
        List<Header> headers = List.of(
                new RecordHeader(HEADER_INSTANCE, instance),
                new RecordHeader(HEADER_LISTENER, r.listener().getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(HEADER_WINDOW, r.window().getBytes(StandardCharsets.UTF_8)));
        ProducerRecord<byte[], byte[]> pr = new ProducerRecord<>(config.topic(), null, key, e.encoded(), headers);
        if (!metadataReady && !awaitMetadata()) {
            metadataUnavailable.increment();
            failures.failure("no metadata for topic " + config.topic(), metadataProblem);
            return;
        }
        int size = e.encoded().length;
        try {
            inFlight.increment();
            producer.send(pr, (md, ex) -> {
                inFlight.decrement();
                if (ex == null) {
                    sent.increment();
                    sentBytes.add(size);
                    failures.success();
                } else if (ex instanceof BufferExhaustedException) {
                    bufferFull.increment();            // kafka-clients reports a full buffer through the future
                    logFailure("the producer's buffer is full", ex);
                } else if (ex instanceof TimeoutException && md != null && md.partition() < 0) {
                    metadataReady = false;             // the topic's metadata was unknown: look it up again first
                    metadataUnavailable.increment();
                    logFailure("no metadata for topic " + config.topic(), ex);
                } else {
                    sendFailed.increment();
                    logFailure("a record was not acknowledged", ex);
                }
            });
        } catch (BufferExhaustedException ex) {
            inFlight.decrement();
            bufferFull.increment();
            logFailure("the producer's buffer is full", ex);
        } catch (TimeoutException ex) {
            inFlight.decrement();
            metadataReady = false;
            metadataUnavailable.increment();
            logFailure("no metadata for topic " + config.topic(), ex);
        }
    }

    /**
     * With {@code max.block.ms = 0} a send before the topic's metadata is known fails at once, so the sink thread
     * asks for it first: for up to 2 s, or not at all within 1 s of a previous failed wait (so its queue moves on).
     */
    private boolean awaitMetadata() {
        long now = System.nanoTime();
        if (metadataFailed && now - metadataFailedAt < METADATA_FAST_DROP_NANOS) {
            return false;
        }
        long started = now;
        while (true) {
            try {
                producer.partitionsFor(config.topic());
                metadataReady = true;
                failures.success();
                metadataFailed = false;
                return true;
            } catch (TimeoutException ex) {
                now = System.nanoTime();
                if (now - started >= METADATA_WAIT_NANOS) {
                    metadataFailed = true;
                    metadataFailedAt = now;
                    metadataProblem = ex.toString();
                    return false;
                }
            } catch (RuntimeException ex) {
                metadataFailed = true;
                metadataFailedAt = System.nanoTime();
                metadataProblem = "looking it up failed: " + ex;
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private void logFailure(String what, Exception ex) {
        failures.failure(what, ex.toString());
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sent", sent.sum());
        m.put("sent_bytes", sentBytes.sum());
        m.put("in_flight", inFlight.sum());
        m.put("dropped_buffer_full", bufferFull.sum());
        m.put("dropped_metadata_unavailable", metadataUnavailable.sum());
        m.put("dropped_send_failed", sendFailed.sum());
        return m;
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("tcpcopy kafka sink: closing the producer failed: {}", e.toString());
        }
    }
}
