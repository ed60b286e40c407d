package io.ferry.proxy.config;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigRedactorTest {

    @Test
    void tlsPrivateKeysAreRedactedWhereverATlsContextAppears() {
        JsonObject in = JsonParser.parseString("{"
                + "\"servers\":[{\"listeners\":[{\"filter_chains\":[{"
                + "  \"tls_context\":{\"status\":false,\"cert_chain\":\"CERT\",\"private_key\":\"PK1\"},"
                + "  \"tls_context_set\":[{\"private_key\":\"PK2\"}]}]}]}],"
                + "\"cluster_manager\":{\"tls_context\":{\"private_key\":\"PK3\"},"
                + "  \"clusters\":[{\"tls_context\":{\"Private_Key\":\"PK4\",\"ca_cert\":\"CA\"}}]}}").getAsJsonObject();

        String out = ConfigRedactor.redact(in).toString();

        for (String secret : new String[] {"PK1", "PK2", "PK3", "PK4"}) {
            assertFalse(out.contains(secret), secret + " leaked: " + out);
        }
        assertTrue(out.contains("\"cert_chain\":\"CERT\""), "certificates are public and kept");
        assertTrue(out.contains("\"ca_cert\":\"CA\""));
        assertEquals(4, out.split("\\*\\*\\*REDACTED\\*\\*\\*", -1).length - 1);
    }

    @Test
    void filterConfigValuesWhoseKeyContainsSecretTokenPasswordOrKeyAreRedacted() {
        JsonObject in = JsonParser.parseString("{\"servers\":[{\"listeners\":[{\"filter_chains\":[{\"filters\":[{"
                + "\"type\":\"grpc\",\"config\":{\"metadata\":{\"app_id\":\"app\",\"secret\":\"s3\","
                + "\"open_api_token\":\"t0k\",\"DB_PASSWORD\":\"pw\",\"apiKey\":{\"nested\":\"k\"},"
                + "\"keys\":[\"a\",\"b\"],\"cluster\":\"default\",\"empty_token\":\"\",\"null_secret\":null}}}]}]}]}]}")
                .getAsJsonObject();

        JsonObject metadata = ConfigRedactor.redact(in).getAsJsonArray("servers").get(0).getAsJsonObject()
                .getAsJsonArray("listeners").get(0).getAsJsonObject().getAsJsonArray("filter_chains").get(0)
                .getAsJsonObject().getAsJsonArray("filters").get(0).getAsJsonObject().getAsJsonObject("config")
                .getAsJsonObject("metadata");

        assertEquals(JsonParser.parseString("{\"app_id\":\"app\",\"secret\":\"***REDACTED***\","
                + "\"open_api_token\":\"***REDACTED***\",\"DB_PASSWORD\":\"***REDACTED***\","
                + "\"apiKey\":\"***REDACTED***\",\"keys\":\"***REDACTED***\",\"cluster\":\"default\","
                + "\"empty_token\":\"\",\"null_secret\":null}"), metadata);
    }

    @Test
    void aPemPrivateKeyIsRedactedWhateverItsKey() {
        JsonObject in = JsonParser.parseString("{\"extends\":[{\"config\":{\"pem\":"
                + "\"-----BEGIN EC PRIVATE KEY-----\\nAAAA\\n-----END EC PRIVATE KEY-----\"}}]}").getAsJsonObject();
        assertEquals("{\"extends\":[{\"config\":{\"pem\":\"***REDACTED***\"}}]}", ConfigRedactor.redact(in).toString());
    }

    @Test
    void theInputIsNotModifiedAndOtherValuesAreCopiedUnchanged() {
        JsonObject in = JsonParser.parseString("{\"a\":1,\"b\":[true,null,\"x\"],\"private_key\":\"p\"}")
                .getAsJsonObject();
        String before = in.toString();
        JsonObject out = ConfigRedactor.redact(in);
        assertEquals(before, in.toString());
        assertEquals("{\"a\":1,\"b\":[true,null,\"x\"],\"private_key\":\"***REDACTED***\"}", out.toString());
    }

    @Test
    void sensitiveKeysAreMatchedCaseInsensitivelyAsSubstrings() {
        for (String k : new String[] {"secret", "ClientSecret", "access_token", "Password", "private_key", "KEY"}) {
            assertTrue(ConfigRedactor.isSensitiveKey(k), k);
        }
        for (String k : new String[] {"cluster", "keepalive", "address", "port_value", "strategy"}) {
            assertFalse(ConfigRedactor.isSensitiveKey(k), k);
        }
    }

    @Test
    void theUsualSpellingsOfACredentialAndUrlsWithUserInformationAreRedacted() {
        JsonObject in = JsonParser.parseString("{\"config\":{\"db_passwd\":\"a\",\"pwd\":\"b\","
                + "\"credentials\":{\"x\":1},\"authorization\":\"Bearer c\",\"dsn\":\"d\","
                + "\"upstream_url\":\"https://u:p@up.internal:8443/v1\",\"plain_url\":\"https://up/v1\"}}")
                .getAsJsonObject();
        assertEquals("{\"config\":{\"db_passwd\":\"***REDACTED***\",\"pwd\":\"***REDACTED***\","
                + "\"credentials\":\"***REDACTED***\",\"authorization\":\"***REDACTED***\",\"dsn\":\"***REDACTED***\","
                + "\"upstream_url\":\"https://***REDACTED***@up.internal:8443/v1\",\"plain_url\":\"https://up/v1\"}}",
                ConfigRedactor.redact(in).toString());
    }

    @Test
    void keysAFilterDeclaresAreRedactedInItsOwnConfigOnly() {
        JsonObject in = JsonParser.parseString("{\"filters\":["
                + "{\"type\":\"tcpcopy\",\"config\":{\"dump\":{\"sinks\":[{\"type\":\"kafka\","
                + "\"producer\":{\"sasl.jaas.config\":\"J\",\"security.protocol\":\"SASL_SSL\"}}]}}},"
                + "{\"type\":\"other\",\"config\":{\"sasl.jaas.config\":\"kept: not declared by other\"}}]}")
                .getAsJsonObject();
        JsonObject out = ConfigRedactor.redact(in, type -> type.equals("tcpcopy") ? java.util.Set.of("sasl.jaas.config")
                : java.util.Set.of());
        assertEquals("{\"filters\":[{\"type\":\"tcpcopy\",\"config\":{\"dump\":{\"sinks\":[{\"type\":\"kafka\","
                + "\"producer\":{\"sasl.jaas.config\":\"***REDACTED***\",\"security.protocol\":\"SASL_SSL\"}}]}}},"
                + "{\"type\":\"other\",\"config\":{\"sasl.jaas.config\":\"kept: not declared by other\"}}]}",
                out.toString());
        JsonObject values = JsonParser.parseString("{\"filters\":[{\"type\":\"tcpcopy\",\"config\":{\"producer\":"
                + "{\"sasl.jaas.config\":\"x password=\\\"pw-1234\\\";\"}}},{\"type\":\"other\",\"config\":"
                + "{\"sasl.jaas.config\":\"not-declared\",\"token\":\"tok-5678\"}}]}").getAsJsonObject();
        assertEquals(java.util.Set.of("x password=\"pw-1234\";", "pw-1234", "tok-5678"),
                ConfigRedactor.secretValues(values, type -> type.equals("tcpcopy")
                        ? java.util.Set.of("sasl.jaas.config") : java.util.Set.of()));
    }
}
