package io.ferry.proxy.runtime;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;

/**
 * Netty's epoll I/O handler with one defect worked around: a socket is never removed from the epoll set while its
 * channel is open.
 *
 * <h2>The defect (Netty 4.2.18, {@code EpollIoHandler.DefaultEpollIoRegistration.submit})</h2>
 * When a channel's interest set becomes empty, the registration deletes the socket from the epoll set
 * ({@code EPOLL_CTL_DEL}) but keeps believing it is added. The next interest ({@code EPOLLOUT}, when a write does not
 * fit the socket buffer) is then an {@code EPOLL_CTL_MOD}, which fails with {@code ENOENT}; Netty treats the failure
 * as a write error and shuts the output down, <b>discarding every pending write and sending a FIN</b>. The interest
 * set of a proxied socket becomes empty as soon as its peer has sent a FIN (Netty clears {@code EPOLLRDHUP} and
 * {@code EPOLLIN}) while nothing waits to be written. A client that half-closes after its request and reads the
 * response slowly lost the end of it.
 *
 * <h2>The work-around</h2>
 * An empty interest set is submitted as {@code EPOLLERR | EPOLLET} instead: the socket stays in the epoll set, so a
 * later interest is a plain modification. Errors and hang-ups, which epoll reports whatever the interest set, are
 * reported once per change (edge-triggered) rather than continuously, which is what deleting the socket was for. The
 * channel's own close still deletes it. Every other call is passed through unchanged.
 */
final class KeepRegisteredEpoll implements IoHandlerFactory {

    /** What an empty interest set becomes. */
    static final EpollIoOps PARKED = EpollIoOps.EPOLLERR.with(EpollIoOps.EPOLLET);

    private final IoHandlerFactory epoll = EpollIoHandler.newFactory();

    @Override
    public IoHandler newHandler(io.netty.util.concurrent.ThreadAwareExecutor executor) {
        IoHandler handler = epoll.newHandler(executor);
        return new IoHandler() {
            @Override
            public void initialize() {
                handler.initialize();
            }

            @Override
            public int run(IoHandlerContext context) {
                return handler.run(context);
            }

            @Override
            public void prepareToDestroy() {
                handler.prepareToDestroy();
            }

            @Override
            public void destroy() {
                handler.destroy();
            }

            @Override
            public IoRegistration register(IoHandle handle) throws Exception {
                return new Registration(handler.register(handle));
            }

            @Override
            public void wakeup() {
                handler.wakeup();
            }

            @Override
            public boolean isCompatible(Class<? extends IoHandle> handleType) {
                return handler.isCompatible(handleType);
            }
        };
    }

    @Override
    public boolean isChangingThreadSupported() {
        return epoll.isChangingThreadSupported();
    }

    /** A registration whose empty interest set parks the socket instead of deleting it. */
    private record Registration(IoRegistration delegate) implements IoRegistration {

        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (ops instanceof EpollIoOps e && e.value() == 0) {
                return delegate.submit(PARKED);
            }
            return delegate.submit(ops);
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            return delegate.cancel();
        }
    }
}
