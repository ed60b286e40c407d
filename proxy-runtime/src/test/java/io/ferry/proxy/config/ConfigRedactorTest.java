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
}
