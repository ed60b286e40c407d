package io.ferry.mirror;

import com.google.gson.JsonObject;

import java.time.Instant;

/**
 * One line of the verdict log: a JSON object per shadow connection, format version {@value #VERSION}. The fields are
 * documented in the module README ("Verdict log"); new fields may be added within a version, readers ignore those
 * they do not know.
 */
final class VerdictLine {

    static final int VERSION = 1;

    private VerdictLine() {
    }

    static String json(Instant at, String listener, long connection, int copy, String client, String shadow,
                       String cluster, Verdict v, long primaryLatencyMicros, long shadowLatencyMicros,
                       long bytesToShadow) {
        JsonObject o = new JsonObject();
        o.addProperty("v", VERSION);
        o.addProperty("at", at.toString());
        o.addProperty("listener", listener);
        o.addProperty("connection", connection);
        o.addProperty("copy", copy);
        o.addProperty("client", client);
        o.addProperty("cluster", cluster);
        o.addProperty("shadow", shadow);
        o.addProperty("verdict", v.kind().key());
        o.addProperty("detail", v.toString());
        o.addProperty("offset", v.offset());
        o.addProperty("primary_excerpt", v.primaryExcerpt());
        o.addProperty("shadow_excerpt", v.shadowExcerpt());
        o.addProperty("primary_bytes", v.primaryBytes());
        o.addProperty("shadow_bytes", v.shadowBytes());
        o.addProperty("compared_up_to", v.comparedUpTo());
        o.addProperty("reason", v.reason());
        o.addProperty("bytes_to_shadow", bytesToShadow);
        o.addProperty("primary_latency_us", primaryLatencyMicros);
        o.addProperty("shadow_latency_us", shadowLatencyMicros);
        return o.toString();
    }
}
