package io.ferry.tcpcopy.dump;

/**
 * The points of the hand-off between producers and the writer thread where a race can happen, so that a test can stop
 * a thread at one of them and replay the race in a chosen order (a deterministic interleaving instead of a stress
 * loop). The writer uses {@link #NONE}, whose methods do nothing; since this class has no subclass outside the tests,
 * the JIT compiles the calls to nothing.
 *
 * <h2>Threading</h2>
 * {@link #passedClosingCheck} runs on a producer's thread, {@link #beforeRingClose} on the writer thread. An override
 * may block the calling thread (a test does) but must not submit on the writer thread.
 */
class Interleaving {

    /** No hooks: what every writer uses outside the tests. */
    static final Interleaving NONE = new Interleaving();

    /** A producer found the queue open and is about to claim a slot. */
    void passedClosingCheck() {
    }

    /**
     * The writer, asked to stop, found the queue empty and is about to close the ring: a producer that passed its
     * closing check before the stop may claim a slot until then.
     */
    void beforeRingClose() {
    }
}
