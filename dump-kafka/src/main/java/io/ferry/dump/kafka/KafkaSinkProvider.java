package io.ferry.dump.kafka;

import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.tcpcopy.dump.sink.DumpSink;
import io.ferry.tcpcopy.dump.sink.DumpSinkProvider;
import io.ferry.tcpcopy.dump.sink.SinkSpec;

/** Registers the {@code kafka} dump sink ({@link KafkaSink}) with tcpcopy's sink SPI. */
public final class KafkaSinkProvider implements DumpSinkProvider {

    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public void validate(SinkSpec spec) throws FilterConfigException {
        KafkaSinkConfig.parse(spec);
    }

    @Override
    public DumpSink create(SinkSpec spec) {
        try {
            return new KafkaSink(KafkaSinkConfig.parse(spec));
        } catch (FilterConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);   // validate() accepted it before
        }
    }
}
