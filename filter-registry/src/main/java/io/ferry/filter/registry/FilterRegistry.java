package io.ferry.filter.registry;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

/**
 * Finds {@link NetworkFilterFactoryProvider}s by their {@code type}: on the class path, and in a plugin directory
 * where each jar, or each sub-directory of jars, is loaded by its own child-first class loader (the Kafka Connect
 * {@code plugin.path} model).
 *
 * <pre>{@code
 * FilterRegistry registry = FilterRegistry.builder().pluginsDir(Path.of("plugins")).build();
 * NetworkFilterFactoryProvider p = registry.require("tcpcopy", "listeners[0].filter_chains[0].filters[0]");
 * }</pre>
 *
 * <h2>Discovery</h2>
 * <ol>
 *   <li>{@link ServiceLoader} over the {@linkplain Builder#parent parent} class loader: the class path.</li>
 *   <li>For each location of the plugin directory, in name order: a {@code *.jar} file, or a sub-directory whose jars
 *       and classes form one class path. Each gets a child-first loader in which {@code java.*}, {@code javax.*},
 *       {@code io.ferry.filter.api.*}, {@code io.netty.*} and {@code org.slf4j.*} always come from the parent. A
 *       provider whose class the location's loader got from its parent is a class-path provider seen again, and is
 *       skipped.</li>
 * </ol>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>A type names exactly one provider. Two providers of one type are an error naming both classes and both
 *       locations; neither is used, so a config that names the type fails instead of picking one at random.</li>
 *   <li>{@link #RESERVED_TYPES} belong to Ferry: a plugin, or a class-path provider outside {@code io.ferry}, that
 *       claims one is refused. Third parties use a dotted vendor prefix ({@code "acme.audit"}).</li>
 *   <li>A provider must target {@code filter-api} with the runtime's major version and a minor version no newer than
 *       the runtime's ({@link FilterApi#VERSION}).</li>
 *   <li>A broken plugin (no public no-arg constructor, a throwing static initialiser, a missing dependency) is
 *       reported in one sentence and skipped; the others still load. A plugin that bundles its own {@code filter-api}
 *       still loads, with a warning: the host's copy is used.</li>
 *   <li>Every diagnostic is one line prefixed {@code FILTER-REGISTRY(W): } or {@code FILTER-REGISTRY(E): }, logged
 *       through SLF4J (logger {@code io.ferry.filter.registry}) and kept in {@link #problems()}. With
 *       {@link FailurePolicy#FAIL}, any diagnostic makes {@link Builder#build()} throw, listing all of them.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Building runs on the caller's thread. A built registry is immutable and may be shared by any number of threads.
 * Plugin class loaders stay open for the life of the process, as the providers they loaded may be used until then.
 */
public final class FilterRegistry {

    /**
     * Types that belong to Ferry and MOSN: Ferry's {@code tcp_proxy} and {@code tcpcopy}, and the names of MOSN's
     * other built-in network filters, so that a MOSN config never silently reaches a third-party filter.
     */
    public static final Set<String> RESERVED_TYPES = Set.of(
            "tcp_proxy", "tcpcopy", "proxy", "fault_inject", "connection_manager", "grpc", "tunnel", "udp_proxy");

    private static final String BUILT_IN_PACKAGE = "io.ferry.";
    private static final String API_RESOURCE_DIR = "io/ferry/filter/api/";
    private static final String SERVICE_FILE = "META-INF/services/" + NetworkFilterFactoryProvider.class.getName();
    /** A location whose iterator keeps failing the same way is abandoned after this many repeats (JDK-8196182). */
    private static final int MAX_REPEATED_ERRORS = 3;

    private final Map<String, Loaded> byType;
    private final Map<String, String> refused;
    private final List<String> problems;
    private final String lookedIn;

    private FilterRegistry(Map<String, Loaded> byType, Map<String, String> refused, List<String> problems,
                           String lookedIn) {
        this.byType = byType;
        this.refused = refused;
        this.problems = problems;
        this.lookedIn = lookedIn;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The provider of {@code type}, if one was loaded. */
    public Optional<NetworkFilterFactoryProvider> find(String type) {
        Loaded l = type == null ? null : byType.get(type);
        return l == null ? Optional.empty() : Optional.of(l.provider);
    }

    /**
     * The provider of {@code type}, for the config entry at {@code jsonPath}.
     *
     * @param jsonPath the JSON path of the {@code filters[]} entry, e.g.
     *                 {@code listeners[0].filter_chains[0].filters[1]}
     * @throws UnknownFilterTypeException with the message
     *         {@code <jsonPath>.type: "<type>" (expected: one of [...]; did you mean "<closest>"?)}, followed by why a
     *         provider of that type was not loaded (if one was found) and where the registry looked
     */
    public NetworkFilterFactoryProvider require(String type, String jsonPath) throws UnknownFilterTypeException {
        Optional<NetworkFilterFactoryProvider> found = find(type);
        if (found.isPresent()) {
            return found.get();
        }
        String path = jsonPath == null || jsonPath.isEmpty() ? "type" : jsonPath + ".type";
        StringBuilder msg = new StringBuilder(path).append(": ")
                .append(type == null ? "missing" : '"' + type + '"')
                .append(" (expected: one of ").append(byType.keySet());
        String closest = type == null ? null : Suggestions.closest(type, byType.keySet());
        if (closest != null) {
            msg.append("; did you mean \"").append(closest).append("\"?");
        }
        msg.append(").");
        String why = type == null ? null : refused.get(type);
        if (why != null) {
            msg.append(" A provider of \"").append(type).append("\" was found but not loaded: ").append(why);
        }
        msg.append(' ').append(lookedIn);
        throw new UnknownFilterTypeException(type, msg.toString());
    }

    /**
     * The registry's one-line diagnostic for a loaded provider that failed later with a {@link LinkageError}, when the
     * runtime created or initialised a factory with it: the error (a class missing from the plugin, a static initialiser
     * that threw) becomes the same advice the scan gives, naming the provider, its jar and the missing class, instead
     * of a stack trace. For example {@code FILTER-REGISTRY(E): Plugin com.acme.X (/plugins/x.jar) failed to create
     * the factory of listeners[0].filter_chains[0].filters[0]: it has a dependency which is missing or invalid
     * (com.acme.lib.Codec was not found); put the jars it needs next to it ...}.
     *
     * @param jsonPath the {@code filters[]} entry being created
     */
    public String creationFailure(NetworkFilterFactoryProvider provider, String jsonPath, Throwable error) {
        Loaded l = provider == null ? null : byType.get(provider.type());
        String className = provider == null ? "unknown" : provider.getClass().getName();
        String where = l != null && l.provider == provider ? l.info.location() : "unknown location";
        boolean plugin = l != null && l.provider == provider && l.info.plugin();
        return Reporter.ERROR_PREFIX + (plugin ? "Plugin " : "Provider ") + className + " (" + where + ") failed to"
                + " create the factory of " + jsonPath + ": " + Advice.describe(error) + ".";
    }

    /** Every loaded provider, sorted by type. */
    public List<ProviderInfo> providers() {
        return byType.values().stream().map(l -> l.info).toList();
    }

    /**
     * The diagnostics reported while building, in order, each one line with its {@code FILTER-REGISTRY(W|E): }
     * prefix; empty when everything loaded cleanly.
     */
    public List<String> problems() {
        return problems;
    }

    /** Builds a {@link FilterRegistry}. Not thread-safe; use it on one thread. */
    public static final class Builder {

        private ClassLoader parent = FilterRegistry.class.getClassLoader();
        private Path pluginsDir;
        private FailurePolicy failurePolicy = FailurePolicy.WARN;

        private Builder() {
        }

        /** The class loader whose class path is scanned, and the parent of every plugin loader. */
        public Builder parent(ClassLoader parent) {
            this.parent = Objects.requireNonNull(parent, "parent");
            return this;
        }

        /** The plugin directory; {@code null} (the default) for the class path alone. */
        public Builder pluginsDir(Path pluginsDir) {
            this.pluginsDir = pluginsDir;
            return this;
        }

        /** What a broken, refused or suspicious plugin does to {@link #build()}; {@code WARN} by default. */
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            return this;
        }

        /**
         * Scans the class path and the plugin directory.
         *
         * @throws RegistryException if the plugin directory is missing or unreadable, or, with
         *                           {@link FailurePolicy#FAIL}, if any problem was reported (all are listed)
         */
        public FilterRegistry build() throws RegistryException {
            return new Scan(this).run();
        }
    }

    /** One provider that was instantiated and passed the per-provider checks. */
    private record Loaded(NetworkFilterFactoryProvider provider, ProviderInfo info) {
    }

    /** The state of one build. */
    private static final class Scan {

        private final ClassLoader parent;
        private final Path pluginsDir;
        private final FailurePolicy policy;
        private final Reporter reporter = new Reporter();
        private final List<Loaded> loaded = new ArrayList<>();
        private final Map<String, String> refused = new TreeMap<>();
        private int failedLocations;

        Scan(Builder b) {
            this.parent = b.parent;
            this.pluginsDir = b.pluginsDir == null ? null : b.pluginsDir.toAbsolutePath().normalize();
            this.policy = b.failurePolicy;
        }

        FilterRegistry run() throws RegistryException {
            long start = System.nanoTime();
            scan(parent, null);
            List<PluginLocation> locations = pluginsDir == null ? List.of() : pluginLocations();
            for (PluginLocation location : locations) {
                int errorsBefore = reporter.errorCount();
                scanLocation(location);
                if (reporter.errorCount() > errorsBefore) {
                    failedLocations++;
                }
            }
            Map<String, Loaded> byType = resolveDuplicates();

            List<String> problems = reporter.problems();
            if (policy == FailurePolicy.FAIL && !problems.isEmpty()) {
                throw new RegistryException("The filter registry found " + problems.size() + " problem"
                        + (problems.size() == 1 ? "" : "s") + " and the failure policy is fail:\n  "
                        + String.join("\n  ", problems), problems);
            }
            long classPath = byType.values().stream().filter(l -> !l.info.plugin()).count();
            String lookedIn = "Looked on the class path (" + classPath + " provider" + (classPath == 1 ? "" : "s")
                    + ")" + (pluginsDir == null ? " and in no plugin directory (none was given)."
                    : " and in plugin directory " + pluginsDir + " (" + locations.size() + " location"
                    + (locations.size() == 1 ? "" : "s") + ", " + (byType.size() - classPath) + " provider"
                    + (byType.size() - classPath == 1 ? "" : "s") + ", " + failedLocations + " failed).");
            for (Loaded l : byType.values()) {
                ProviderInfo i = l.info;
                reporter.info("- " + i.type() + " (version: " + i.version() + ", filter-api: " + i.apiVersion()
                        + ", class: " + i.className() + ", location: " + i.location() + ")");
            }
            reporter.info("Filter registry: " + byType.size() + " network filter type" + (byType.size() == 1 ? "" : "s")
                    + " in " + (System.nanoTime() - start) / 1_000_000 + " ms. " + lookedIn);
            return new FilterRegistry(Collections.unmodifiableMap(byType), Collections.unmodifiableMap(refused),
                    problems, lookedIn);
        }

        private List<PluginLocation> pluginLocations() throws RegistryException {
            String expected = " (expected: a readable directory holding plugin jars, or sub-directories of jars)";
            if (!Files.exists(pluginsDir)) {
                throw new RegistryException("Plugin directory " + pluginsDir + " does not exist" + expected);
            }
            if (!Files.isDirectory(pluginsDir)) {
                throw new RegistryException("Plugin directory " + pluginsDir + " is not a directory" + expected);
            }
            if (!Files.isReadable(pluginsDir)) {
                throw new RegistryException("Plugin directory " + pluginsDir + " is not readable" + expected);
            }
            try {
                return PluginLocation.list(pluginsDir);
            } catch (IOException e) {
                throw new RegistryException("Plugin directory " + pluginsDir + " could not be listed (" + e
                        + ")" + expected);
            }
        }

        private void scanLocation(PluginLocation location) {
            if (!checkJars(location)) {
                return;
            }
            PluginClassLoader loader = new PluginClassLoader(location.toString(), location.urls(), parent);
            int before = loaded.size();
            int errorsBefore = reporter.errorCount();
            scan(loader, location);
            if (loaded.size() == before && reporter.errorCount() == errorsBefore && !hasOwnServiceFile(loader)) {
                reporter.warn("Plugin location " + location + " provides no network filter (it has no " + SERVICE_FILE
                        + "); if it is a library that another plugin needs, put both jars in one sub-directory of the"
                        + " plugin directory.");
            }
        }

        private static boolean hasOwnServiceFile(PluginClassLoader loader) {
            try {
                return loader.findResources(SERVICE_FILE).hasMoreElements();
            } catch (IOException e) {
                return false;
            }
        }

        /** Warns about a bundled filter-api; reports unreadable jars and returns false if there is one. */
        private boolean checkJars(PluginLocation location) {
            boolean readable = true;
            if (location.isDirectory() && Files.isDirectory(location.path().resolve(API_RESOURCE_DIR))) {
                reportBundledApi(location.path());
            }
            for (Path jar : location.jars()) {
                try (JarFile jf = new JarFile(jar.toFile())) {
                    boolean bundles = jf.stream().anyMatch(
                            e -> e.getName().startsWith(API_RESOURCE_DIR) && e.getName().endsWith(".class"));
                    if (bundles) {
                        reportBundledApi(jar);
                    }
                } catch (IOException e) {
                    reporter.error("Plugin jar " + jar + " could not be read (" + e.getMessage()
                            + "); replace it with a valid jar file.");
                    readable = false;
                }
            }
            return readable;
        }

        private void reportBundledApi(Path where) {
            reporter.warn("Plugin " + where + " bundles its own copy of filter-api (" + API_RESOURCE_DIR + "); the"
                    + " host's filter-api is used instead, so remove it from the plugin (declare filter-api with"
                    + " scope \"provided\").");
        }

        /** Loads every provider {@code loader} sees; {@code location} is null for the class path. */
        private void scan(ClassLoader loader, PluginLocation location) {
            String where = location == null ? "the class path" : "plugin location " + location;
            Iterator<ServiceLoader.Provider<NetworkFilterFactoryProvider>> it;
            try {
                it = ServiceLoader.load(NetworkFilterFactoryProvider.class, loader).stream().iterator();
            } catch (ServiceConfigurationError | LinkageError e) {
                reporter.error("Scanning " + where + " failed (" + Advice.brief(e) + "); check its "
                        + SERVICE_FILE + ".");
                return;
            }
            String lastError = null;
            int repeats = 0;
            while (true) {
                ServiceLoader.Provider<NetworkFilterFactoryProvider> p;
                try {
                    if (!it.hasNext()) {
                        return;
                    }
                    p = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    String key = Advice.brief(e);
                    repeats = key.equals(lastError) ? repeats + 1 : 0;
                    lastError = key;
                    if (repeats >= MAX_REPEATED_ERRORS) {
                        reporter.error("Scanning " + where + " stopped after the same error repeated (" + key
                                + "); fix the plugin.");
                        return;
                    }
                    String name = Advice.providerNamedIn(e);
                    if (repeats == 0 && !(location != null && name != null && !isLocal(loader, name))) {
                        reportBroken(name == null ? "listed in " + SERVICE_FILE : name, location,
                                name == null ? null : locationOfClassFile(loader, name), e);
                    } // else: a class-path provider failing again through the parent, already reported
                    continue;
                }
                Class<? extends NetworkFilterFactoryProvider> type = p.type();
                if (location != null && type.getClassLoader() != loader) {
                    continue; // a class-path provider seen again through the parent: counted with the class path
                }
                instantiate(p, type, location);
            }
        }

        /** The jar or directory holding {@code className}'s class file, from its resource URL; null if unknown. */
        private static String locationOfClassFile(ClassLoader loader, String className) {
            String resource = className.replace('.', '/') + ".class";
            URL url = loader.getResource(resource);
            if (url == null) {
                return null;
            }
            try {
                String u = url.toString();
                if (u.startsWith("jar:") && u.contains("!/")) {
                    return Paths.get(new URI(u.substring(4, u.indexOf("!/")))).toString();
                }
                if (u.startsWith("file:") && u.endsWith(resource)) {
                    return Paths.get(new URI(u.substring(0, u.length() - resource.length()))).toString();
                }
            } catch (URISyntaxException | RuntimeException ignored) {
                // unknown
            }
            return null;
        }

        private static boolean isLocal(ClassLoader loader, String className) {
            return loader instanceof PluginClassLoader plugin
                    && plugin.findResource(className.replace('.', '/') + ".class") != null;
        }

        private void instantiate(ServiceLoader.Provider<NetworkFilterFactoryProvider> p,
                                 Class<? extends NetworkFilterFactoryProvider> cls, PluginLocation location) {
            String className = cls.getName();
            String codeSource = codeSourceOf(cls, location);
            NetworkFilterFactoryProvider provider;
            String type;
            String apiVersion;
            String version;
            try {
                provider = p.get();
                type = provider.type();
                apiVersion = provider.apiVersion();
                version = provider.version();
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                reportBroken(className, location, codeSource, e);
                return;
            }
            String subject = subject(className, codeSource, location);
            if (type == null || type.isBlank()) {
                reporter.error(subject + " was not loaded: its type() returned " + (type == null ? "null" : "\"\"")
                        + "; return the filter's JSON type, with a vendor prefix such as \"" + vendorOf(className)
                        + ".my_filter\".");
                return;
            }
            String incompatible = ApiVersions.incompatibility(apiVersion);
            if (incompatible != null) {
                String msg = subject + " targets filter-api " + apiVersion + "; this runtime provides "
                        + FilterApi.VERSION + " (compatible: " + ApiVersions.compatibleRange()
                        + "); it was not loaded: " + incompatible + ".";
                reporter.error(msg);
                refused.putIfAbsent(type, msg);
                return;
            }
            if (RESERVED_TYPES.contains(type) && (location != null || !className.startsWith(BUILT_IN_PACKAGE))) {
                String msg = "Third-party " + (location == null ? "provider " : "plugin ") + className + " ("
                        + codeSource + ") is forbidden to use the reserved network filter type \"" + type
                        + "\"; it was not loaded: give it a dotted vendor prefix, such as \"" + vendorOf(className)
                        + "." + type
                        + "\".";
                reporter.error(msg);
                return;
            }
            if (location != null) {
                Map<String, String> missing = LinkCheck.missing(Path.of(codeSource), cls.getClassLoader());
                if (!missing.isEmpty()) {
                    String first = missing.keySet().iterator().next();
                    String others = missing.size() == 1 ? "" : " (and " + (missing.size() - 1) + " more: "
                            + String.join(", ", new ArrayList<>(missing.keySet()).subList(1,
                            Math.min(missing.size(), 4))) + (missing.size() > 4 ? ", ..." : "") + ")";
                    String msg = subject + " was not loaded: its class " + missing.get(first) + " needs " + first
                            + ", which is neither in the plugin's location nor provided by the host" + others
                            + "; put the jars it needs next to it in one sub-directory of the plugin directory, or"
                            + " shade them into its jar.";
                    reporter.error(msg);
                    refused.putIfAbsent(type, msg);
                    return;
                }
            }
            String v = version == null || version.isBlank() ? "unknown" : version;
            loaded.add(new Loaded(provider,
                    new ProviderInfo(type, v, apiVersion, className, codeSource, location != null)));
        }

        private void reportBroken(String className, PluginLocation location, String codeSource, Throwable e) {
            String where = codeSource != null ? codeSource : location == null ? "the class path" : location.toString();
            String word = location == null ? "Provider " : "Plugin ";
            reporter.error(word + className + " (" + where + ") was not loaded: " + Advice.describe(e) + ".");
        }

        /** Keeps one provider per type; a type with several is reported and dropped. */
        private Map<String, Loaded> resolveDuplicates() {
            Map<String, List<Loaded>> grouped = loaded.stream()
                    .collect(Collectors.groupingBy(l -> l.info.type(), TreeMap::new, Collectors.toList()));
            Map<String, Loaded> byType = new LinkedHashMap<>();
            grouped.forEach((type, all) -> {
                if (all.size() == 1) {
                    byType.put(type, all.get(0));
                    return;
                }
                List<String> named = all.stream()
                        .map(l -> l.info.className() + " (" + l.info.location() + ")").toList();
                String list = String.join(", ", named.subList(0, named.size() - 1)) + " and "
                        + named.get(named.size() - 1);
                String suffix = type.contains(".") ? type.substring(type.lastIndexOf('.') + 1) : type;
                String thirdParty = all.stream().map(l -> l.info.className())
                        .filter(c -> !c.startsWith(BUILT_IN_PACKAGE)).reduce((a, b) -> b)
                        .orElse(all.get(all.size() - 1).info.className());
                String msg = "Network filter type \"" + type + "\" is provided "
                        + (all.size() == 2 ? "twice" : all.size() + " times") + ": " + list
                        + "; neither is used: remove one jar, or give the third-party filter a vendor-prefixed type"
                        + " such as \"" + vendorOf(thirdParty) + "." + suffix + "\".";
                reporter.error(msg);
                refused.put(type, msg);
            });
            return byType;
        }

        private static String subject(String className, String codeSource, PluginLocation location) {
            return (location == null ? "Provider " : "Plugin ") + className + " (" + codeSource + ")";
        }

        private static String codeSourceOf(Class<?> cls, PluginLocation location) {
            try {
                CodeSource cs = cls.getProtectionDomain().getCodeSource();
                if (cs != null && cs.getLocation() != null) {
                    return Paths.get(cs.getLocation().toURI()).toString();
                }
            } catch (URISyntaxException | RuntimeException ignored) {
                // fall through to the location, or unknown
            }
            return location != null ? location.toString() : "unknown";
        }

        /** {@code com.acme.audit.AuditProvider} gives {@code acme}: the vendor part of a package name. */
        static String vendorOf(String className) {
            String[] parts = className.split("\\.");
            Set<String> generic = Set.of("com", "org", "net", "io", "dev", "de", "fr", "uk", "co", "cn", "me", "edu");
            for (int i = 0; i < parts.length - 1; i++) {
                if (!generic.contains(parts[i])) {
                    return parts[i];
                }
            }
            return "acme";
        }
    }
}
