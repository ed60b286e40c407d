package io.ferry.filter.chain;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;

/**
 * Which connection each filter instance is attached to, by identity, without keeping filters alive. Consulted only
 * when a filter is added (chain build), never on the data path, so a plain lock is enough.
 */
final class FilterAttachments {

    /** What a filter is attached to: the connection (weakly) and its id, kept for the message once it is gone. */
    static final class Attachment {
        final WeakReference<ChainConnection> connection;
        final long connectionId;

        Attachment(ChainConnection connection) {
            this.connection = new WeakReference<>(connection);
            this.connectionId = connection.id();
        }
    }

    private static final class Key extends WeakReference<Object> {
        private final int hash;

        Key(Object referent, ReferenceQueue<Object> queue) {
            super(referent, queue);
            this.hash = System.identityHashCode(referent);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Key)) {
                return false;
            }
            Object mine = get();
            return mine != null && mine == ((Key) o).get();
        }
    }

    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final HashMap<Key, Attachment> map = new HashMap<>();

    /**
     * Attaches {@code filter} to {@code connection}, or returns the attachment to another connection that prevents
     * it. Attaching again to the same connection (a filter that is both a read and a write filter) is allowed.
     */
    synchronized Attachment attach(Object filter, ChainConnection connection) {
        for (Object k; (k = queue.poll()) != null; ) {
            map.remove(k);
        }
        Key key = new Key(filter, queue);
        Attachment existing = map.get(key);
        if (existing == null) {
            map.put(key, new Attachment(connection));
            return null;
        }
        return existing.connection.get() == connection ? null : existing;
    }
}
