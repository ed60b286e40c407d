package io.ferry.proxy.runtime;

import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.proxy.config.ConfigException;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The socket file of a unix-domain listener, handled as a TCP port is: a path a live process listens on is refused
 * at start ("in use", like {@code EADDRINUSE}); a stale socket file (nothing listens behind it, e.g. left by a proxy
 * that was killed) is replaced; and a proxy removes at exit only the file it created itself, never one another
 * process has put at the path since. Both transports are covered: Netty's epoll domain sockets (whose native bind
 * unlinks the path and whose close deletes it unconditionally) and {@link NioUnixServerChannel}.
 *
 * <p>Between the check and the bind another process could still take the path; the window is a few microseconds at
 * startup, as with any check-then-bind on a file system.
 */
final class UnixSocketFiles {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketFiles.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private UnixSocketFiles() {
    }

    /**
     * Makes {@code path} ready for a bind: nothing there, or a stale socket file, which is removed.
     *
     * @param jsonPath the listener's {@code address} path, for the error
     * @throws ConfigException if a live process listens on it, or it is not a socket, or it cannot be checked
     */
    static void prepare(Path path, String jsonPath) throws ConfigException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw refuse(jsonPath, path, "it cannot be checked: " + e);
        }
        if (!isSocket(path, attrs)) {
            throw refuse(jsonPath, path, "it exists and is not a socket; remove it or choose another path");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path)); // true, or pending with a full backlog: a live listener
            throw refuse(jsonPath, path, "Address already in use: a live process listens on this socket (another"
                    + " proxy?); stop it or choose another path");
        } catch (ConnectException e) {
            // ECONNREFUSED: nobody listens, the file is stale
        } catch (IOException e) {
            throw refuse(jsonPath, path, "it cannot be checked: " + e);
        }
        try {
            Files.delete(path);
            LOG.info("{}: replaced the stale socket file {} (nothing listened on it)", jsonPath, path);
        } catch (NoSuchFileException e) {
            // gone meanwhile
        } catch (IOException e) {
            throw refuse(jsonPath, path, "it is a stale socket file that cannot be removed: " + e);
        }
    }

    private static boolean isSocket(Path path, BasicFileAttributes attrs) {
        if (attrs.isOther()) {
            try {
                Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                return mode instanceof Integer m ? (m & S_IFMT) == S_IFSOCK : true;
            } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
                return true; // no unix view: a special file that is not a regular file, directory or link
            }
        }
        return false;
    }

    private static ConfigException refuse(String jsonPath, Path path, String why) {
        return new ConfigException(FilterConfigException.format(jsonPath, path.toString(),
                "a unix socket path this proxy can listen on; " + why));
    }

    /** The identity (device and inode) of the file at {@code path} now, or null if there is none. */
    static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** True if the file at {@code path} is still the one whose {@link #fileKey} was {@code key}. */
    static boolean owned(Path path, Object key) {
        return key != null && key.equals(fileKey(path));
    }

    /**
     * Before closing an epoll domain-socket server channel whose path now holds another process's socket (or
     * nothing): makes Netty forget the path, so that its close does not delete the other file. Netty's channel class
     * is final and deletes its bound path on close; its private {@code local} field is cleared here.
     */
    static void keepFileOnClose(Channel serverChannel) {
        try {
            Field local = serverChannel.getClass().getDeclaredField("local");
            local.setAccessible(true);
            local.set(serverChannel, null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("closing {} may remove a socket file another process created at its path ({})",
                    serverChannel, e.toString());
        }
    }
}
