package io.ferry.testkit.readme;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

/** The provider shown in the root README's "Write your own filter", compiled and tested so the snippet cannot rot. */
// readme:start
public final class UppercaseProvider implements NetworkFilterFactoryProvider {
    @Override public String type() { return "acme.uppercase"; }            // vendor-prefixed: built-in names are refused
    @Override public String apiVersion() { return FilterApi.VERSION; }
    @Override public NetworkFilterChainFactory create(FilterConfig config) {
        return (context, callbacks) -> callbacks.addReadFilter(new ReadFilter() {   // a new instance per connection
            @Override public FilterStatus onData(IoBuffer buffer) {
                byte[] b = buffer.toByteArray();                  // the buffer is the runtime's: work on a copy
                for (int i = 0; i < b.length; i++) {
                    if (b[i] >= 'a' && b[i] <= 'z') b[i] -= 32;   // ASCII upper case, byte for byte
                }
                buffer.drain(b.length);
                buffer.append(b);
                return FilterStatus.CONTINUE;
            }
        });
    }
}
// readme:end
