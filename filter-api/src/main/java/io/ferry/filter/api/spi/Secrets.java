package io.ferry.filter.api.spi;

import io.ferry.filter.api.Experimental;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What counts as a credential in a config, and how it is hidden wherever a config leaves the process: the admin
 * API's {@code config_dump}, tcpcopy's {@code dump_mem_dump.log}, log lines and error messages. The runtime, the
 * tcpcopy filter and the Kafka sink all use this one rule, and a filter can use it for its own output.
 *
 * <h2>The rule</h2>
 * A value is a credential, and is replaced by {@value #REDACTED}, when
 * <ol>
 *   <li><b>its key names a credential</b> ({@link #isSecretName}): the key contains, case-insensitively, one of
 *       {@code secret}, {@code token}, {@code password}, {@code passwd}, {@code pwd}, {@code credential},
 *       {@code auth}, {@code dsn} or {@code key} ({@code private_key}, {@code db_passwd}, {@code credentials},
 *       {@code authorization}, {@code oauth_client}, {@code apiKey}, {@code DSN}, ...). The whole value is replaced,
 *       even an object or an array;</li>
 *   <li><b>its key is one the component declares</b>: a provider lists the keys of its config that hold credentials
 *       under other names in {@link NetworkFilterFactoryProvider#secretFields()} (the Kafka sink declares every
 *       password-type setting of kafka-clients, {@code sasl.jaas.config} among them). Declared keys match exactly,
 *       at any depth of that component's config; or</li>
 *   <li><b>the value itself is one</b> ({@link #redactString}): a PEM private key becomes {@value #REDACTED}
 *       whatever its key, and the user information of a URL ({@code postgres://app:pw@db:5432/x}) is replaced, the
 *       rest of the URL kept ({@code postgres://***REDACTED***@db:5432/x}).</li>
 * </ol>
 * JSON {@code null} and the empty string are kept as they are, so a reader can still tell "not set" from "set".
 *
 * <p>{@link #secretValues} collects the values this rule hides from a config, so that a log layer or an error
 * printer can scrub them from any text, whatever a library puts in its messages ("by value" as well as by name).
 *
 * <p>Stateless and thread-safe; inputs are never modified.
 */
@Experimental
public final class Secrets {

    /** What a credential becomes. */
    public static final String REDACTED = "***REDACTED***";

    /**
     * Values shorter than this are hidden by their key only, never scrubbed from free text (a two-letter password
     * would otherwise erase every occurrence of those two letters from the logs).
     */
    public static final int MIN_SCRUBBED_LENGTH = 4;

    private static final String[] NAME_PARTS = {"secret", "token", "password", "passwd", "pwd", "credential", "auth",
            "dsn", "key"};

    /** {@code scheme://user[:password]@host...}: the user information of a URL. */
    private static final Pattern URL_USER_INFO = Pattern.compile("\\b([a-zA-Z][a-zA-Z0-9+.-]*://)([^/?#@\\s\"']+)@");
    /** {@code name="value"} or {@code name='value'} pairs, as in a JAAS config. */
    private static final Pattern QUOTED_OPTION = Pattern.compile("([A-Za-z0-9_.-]+)\\s*=\\s*(\"[^\"]*\"|'[^']*')");

    private Secrets() {
    }

    /**
     * True if a value under {@code key} is a credential by its name: {@code key} contains, ignoring case, secret,
     * token, password, passwd, pwd, credential, auth, dsn or key.
     */
    public static boolean isSecretName(String key) {
        if (key == null) {
            return false;
        }
        String k = key.toLowerCase(Locale.ROOT);
        for (String s : NAME_PARTS) {
            if (k.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** True if {@code value} is a string holding a PEM private key ({@code -----BEGIN ... PRIVATE KEY-----}). */
    public static boolean isPemPrivateKey(String value) {
        if (value == null) {
            return false;
        }
        int begin = value.indexOf("-----BEGIN ");
        return begin >= 0 && value.indexOf("PRIVATE KEY-----", begin) > 0;
    }

    /**
     * {@code value} with what it holds of a credential hidden: {@value #REDACTED} for a PEM private key, the user
     * information of every URL in it replaced by {@value #REDACTED}, anything else unchanged.
     */
    public static String redactString(String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        if (isPemPrivateKey(value)) {
            return REDACTED;
        }
        if (value.indexOf('@') < 0 || !value.contains("://")) {
            return value;
        }
        return URL_USER_INFO.matcher(value).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED + "@"));
    }

    /**
     * A redacted deep copy of a config given as plain Java values (maps with string keys, lists, strings, numbers,
     * booleans, {@code null}), as {@link FilterConfig#asMap()} gives it: maps and lists are copied, a value under a
     * key that {@linkplain #isSecretName names a credential} or is in {@code declared} becomes {@value #REDACTED},
     * strings pass through {@link #redactString}, everything else is kept.
     *
     * @param declared keys that hold credentials in this config whatever their name (matched exactly); may be empty
     */
    public static Object redact(Object value, Set<String> declared) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                Object v = e.getValue();
                out.put(k, hasContent(v) && isSecretKey(k, declared) ? REDACTED : redact(v, declared));
            }
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(redact(o, declared));
            }
            return out;
        }
        if (value instanceof String s) {
            return redactString(s);
        }
        return value;
    }

    /** True if a value under {@code key} is hidden: its name says so, or {@code declared} lists it. */
    public static boolean isSecretKey(String key, Set<String> declared) {
        return isSecretName(key) || (declared != null && declared.contains(key));
    }

    /**
     * The credential values in a config given as plain Java values (see {@link #redact}): every non-empty string
     * under a secret key, at any depth (all the strings of an object or array under such a key); the
     * password of every URL with user information; and, inside such values, the quoted value of every
     * {@code name="value"} option whose name is a credential (the {@code password="..."} of a JAAS config). Only
     * values of at least {@value #MIN_SCRUBBED_LENGTH} characters are returned: shorter ones are hidden by their key
     * only.
     */
    public static Set<String> secretValues(Object config, Set<String> declared) {
        Set<String> out = new LinkedHashSet<>();
        collect(config, declared, false, out);
        return out;
    }

    private static void collect(Object value, Set<String> declared, boolean secret, Set<String> out) {
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                collect(e.getValue(), declared, secret || isSecretKey(k, declared), out);
            }
        } else if (value instanceof Collection<?> c) {
            for (Object o : c) {
                collect(o, declared, secret, out);
            }
        } else if (value instanceof String s) {
            if (secret) {
                add(s, out);
                Matcher m = QUOTED_OPTION.matcher(s);
                while (m.find()) {
                    if (isSecretName(m.group(1))) {
                        String q = m.group(2);
                        add(q.substring(1, q.length() - 1), out);
                    }
                }
            }
            Matcher u = URL_USER_INFO.matcher(s);
            while (u.find()) {
                String info = u.group(2);
                int colon = info.indexOf(':');
                add(colon >= 0 ? info.substring(colon + 1) : info, out);
                add(info, out);
            }
        }
        // numbers are hidden by their key only: scrubbing "8080" or "1000" from every log line would hide too much
    }

    private static void add(String s, Set<String> out) {
        if (s != null && s.length() >= MIN_SCRUBBED_LENGTH) {
            out.add(s);
        }
    }


    /**
     * {@code text} with every occurrence of each of {@code values} replaced by {@value #REDACTED}, then passed
     * through {@link #redactString} (URL user information). Longer values are replaced first, so a value that
     * contains another is hidden whole.
     */
    public static String scrub(String text, Collection<String> values) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        if (values != null && !values.isEmpty()) {
            List<String> sorted = new ArrayList<>(values);
            sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
            for (String v : sorted) {
                if (v != null && v.length() >= MIN_SCRUBBED_LENGTH && out.contains(v)) {
                    out = out.replace(v, REDACTED);
                }
            }
        }
        return redactString(out);
    }

    private static boolean hasContent(Object v) {
        return v != null && !(v instanceof String s && s.isEmpty());
    }
}
