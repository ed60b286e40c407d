package io.ferry.tcpcopy.dump;

/**
 * One item for the writer: captured payload bytes, or a portrait upload (which also triggers the memory-config
 * record). Immutable once queued; the payload array is the filter's own copy, never a runtime buffer.
 */
public final class DumpRecord {

    final long timeMillis;
    final String window;
    final String port;
    final byte[] payload;
    final String businessType;
    final String portraitJson;
    final String configJson;
    final CaptureStats stats;
    /** With {@code "format": "ferry"}: the record for {@code dump_tcp_copy.ferry}; {@code null} otherwise. */
    final io.ferry.tcpcopy.record.FerryRecord ferry;

    private DumpRecord(long timeMillis, String window, String port, byte[] payload, String businessType,
                       String portraitJson, String configJson, CaptureStats stats) {
        this(timeMillis, window, port, payload, businessType, portraitJson, configJson, stats, null);
    }

    private DumpRecord(long timeMillis, String window, String port, byte[] payload, String businessType,
                       String portraitJson, String configJson, CaptureStats stats,
                       io.ferry.tcpcopy.record.FerryRecord ferry) {
        this.ferry = ferry;
        this.timeMillis = timeMillis;
        this.window = window;
        this.port = port;
        this.payload = payload;
        this.businessType = businessType;
        this.portraitJson = portraitJson;
        this.configJson = configJson;
        this.stats = stats;
    }

    /** Captured bytes: a line in {@code dump_tcp_copy.log}. {@code payload} is owned by the record from now on. */
    public static DumpRecord payload(long timeMillis, String window, String port, byte[] payload, CaptureStats stats) {
        return new DumpRecord(timeMillis, window, port, payload, null, null, null, stats);
    }

    /**
     * A Ferry record (docs/dump-format.md) for {@code dump_tcp_copy.ferry}. A {@code DATA} record also gives a line
     * in {@code dump_tcp_copy.log}, as {@link #payload} does; the other types go to the Ferry file only.
     */
    public static DumpRecord ferry(long timeMillis, String window, String port, io.ferry.tcpcopy.record.FerryRecord record,
                                   CaptureStats stats) {
        byte[] payload = record.type() == io.ferry.tcpcopy.record.FerryRecord.DATA ? record.payload() : null;
        return new DumpRecord(timeMillis, window, port, payload, null, null, null, stats, record);
    }

    /**
     * A portrait upload: a line in {@code dump_portrait_data.log}, then one in {@code dump_mem_dump.log} holding
     * {@code configJson} (already redacted) or {@code no_change}.
     */
    public static DumpRecord portrait(long timeMillis, String window, String port, String businessType, String json,
                                      String configJson, CaptureStats stats) {
        return new DumpRecord(timeMillis, window, port, null, businessType, json, configJson, stats);
    }

    int size() {
        return payload != null ? payload.length : portraitJson != null ? portraitJson.length() : 0;
    }
}
