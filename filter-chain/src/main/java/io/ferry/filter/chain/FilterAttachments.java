package io.ferry.filter.chain;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which connection each filter instance is attached to, by identity, without keeping filters alive. Consulted when a
 * filter is added (chain build, on every event loop, for every accepted connection), never on the data path. Lock-free
 * for the callers: a concurrent map of weak identity keys, whose entries go away with their filters.
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
    private final ConcurrentHashMap<Key, Attachment> map = new ConcurrentHashMap<>();

    /**
     * Attaches {@code filter} to {@code connection}, or returns the attachment to another connection that prevents
     * it. Attaching again to the same connection (a filter that is both a read and a write filter) is allowed.
     */
    Attachment attach(Object filter, ChainConnection connection) {
        for (Object k; (k = queue.poll()) != null; ) {
            map.remove(k);
        }
        Attachment mine = new Attachment(connection);
        Attachment existing = map.putIfAbsent(new Key(filter, queue), mine);
        if (existing == null) {
            return null;
        }
        return existing.connection.get() == connection ? null : existing;
    }

    /** Entries now (for tests). */
    int size() {
        return map.size();
    }
}
