package io.ferry.proxy.config;

import com.google.gson.JsonObject;

import java.util.List;
import java.util.Optional;

/**
 * A MOSN configuration file after loading and validation: exactly one server, its listeners, the clusters and the
 * optional admin address. Produced by {@link MosnConfigLoader}; immutable.
 *
 * @param server   {@code servers[0]}
 * @param clusters {@code cluster_manager.clusters[]}, in file order
 * @param admin    {@code admin}, if configured
 * @param source   the whole file as parsed, for {@code config_dump} (redacted there)
 * @param warnings one line per ignored key or accepted-but-ignored feature, each naming its JSON path
 * @param prometheus {@code metrics.sinks[]} of type {@code prometheus}, in file order
 */
public record FerryConfig(ServerConfig server, List<ClusterConfig> clusters, Optional<AdminConfig> admin,
                          JsonObject source, List<String> warnings, List<PrometheusSinkConfig> prometheus) {

    public FerryConfig {
        clusters = List.copyOf(clusters);
        warnings = List.copyOf(warnings);
        prometheus = List.copyOf(prometheus);
    }

    /** A config without metrics sinks. */
    public FerryConfig(ServerConfig server, List<ClusterConfig> clusters, Optional<AdminConfig> admin,
                       JsonObject source, List<String> warnings) {
        this(server, clusters, admin, source, warnings, List.of());
    }

    /** The cluster named {@code name}. */
    public Optional<ClusterConfig> cluster(String name) {
        return clusters.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
