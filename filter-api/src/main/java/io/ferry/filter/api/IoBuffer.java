package io.ferry.filter.api;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;

/**
 * A growable sequence of bytes with a read position. MOSN: {@code api.IoBuffer} (its useful subset). Inside the
 * runtime it is backed by a Netty {@code ByteBuf}; no Netty type appears here, so filters compile against no Netty
 * version.
 *
 * <pre>
 *   +----------------------+---------------------------+
 *   |  drained (gone)      |   readable: length() bytes |  ◀── append() adds here
 *   +----------------------+---------------------------+
 *                          ^ index 0 of every indexed method below
 * </pre>
 *
 * <h2>Ownership: one rule</h2>
 * <b>The runtime owns every buffer it hands to a filter.</b> During the callback a filter may read it,
 * {@linkplain #drain drain} what it consumed, or append to it. After the callback returns the buffer may be
 * reused for other bytes, even for another connection: <b>a filter that keeps bytes beyond the callback copies
 * them</b> with {@link #copy()}, {@link #toByteArray()} or {@link #getBytes(int, byte[], int, int)}. Layotto's
 * tcpcopy kept {@code Bytes()} without copying, and its dumps held other connections' bytes.
 *
 * <p>Buffers a filter creates with {@link #wrap}, {@link #allocate} or {@link #copy()} belong to the filter until it
 * passes them to {@link Connection#write}, which transfers them to the runtime.
 *
 * <h2>Threading</h2>
 * Not thread-safe. A runtime buffer is touched only on its connection's thread.
 *
 * <h2>Indexes</h2>
 * Every index is relative to the first readable byte. An index or length outside the readable bytes throws
 * {@link IndexOutOfBoundsException}; unlike MOSN, {@code drain(n)} with {@code n > length()} is an error, not a
 * silent no-op.
 */
@Stable
public interface IoBuffer {

    /** A new buffer holding {@code bytes} (not copied: the array must not be changed afterwards). */
    static IoBuffer wrap(byte[] bytes) {
        return HeapIoBuffer.wrap(bytes, 0, bytes.length);
    }

    /** A new buffer holding a copy of {@code bytes[offset, offset+length)}. */
    static IoBuffer copyOf(byte[] bytes, int offset, int length) {
        HeapIoBuffer b = new HeapIoBuffer(length);
        b.append(bytes, offset, length);
        return b;
    }

    /** A new empty buffer with room for {@code initialCapacity} bytes; it grows as needed. */
    static IoBuffer allocate(int initialCapacity) {
        return new HeapIoBuffer(initialCapacity);
    }

    /** The number of readable bytes. MOSN: {@code Len()}. */
    int length();

    /** True if no byte is readable. */
    default boolean isEmpty() {
        return length() == 0;
    }

    /** The byte at {@code index}, without consuming it. */
    byte getByte(int index);

    /**
     * A copy of the first {@code n} readable bytes, without consuming them, or {@code null} if fewer than {@code n}
     * are readable. MOSN: {@code Peek(n)}.
     */
    byte[] peek(int n);

    /**
     * Consumes the first {@code n} readable bytes. MOSN: {@code Drain(n)}.
     *
     * @throws IndexOutOfBoundsException if {@code n < 0} or {@code n > length()}
     */
    void drain(int n);

    /** A copy of all readable bytes, without consuming them. MOSN: {@code Bytes()}, but copied. */
    byte[] toByteArray();

    /** Copies {@code length} bytes starting at {@code index} into {@code dst[dstIndex...]}, consuming nothing. */
    void getBytes(int index, byte[] dst, int dstIndex, int length);

    /** Copies {@code dst.remaining()} bytes starting at {@code index} into {@code dst}, consuming nothing. */
    void getBytes(int index, ByteBuffer dst);

    /**
     * An independent copy of the readable bytes and the EOF flag, owned by the caller. MOSN: {@code Clone()}.
     */
    IoBuffer copy();

    /**
     * A read-only view of the readable bytes: it shares their content and is valid only as long as this buffer is.
     * Its mutators ({@code drain}, {@code append…}, {@code setEof}) throw {@link java.nio.ReadOnlyBufferException}.
     */
    IoBuffer readOnlyView();

    /** Appends {@code src[offset, offset+length)}. MOSN: {@code Write}/{@code Append}. */
    void append(byte[] src, int offset, int length);

    /** Appends all of {@code src}. */
    default void append(byte[] src) {
        append(src, 0, src.length);
    }

    /** Appends the remaining bytes of {@code src}, advancing its position. */
    void append(ByteBuffer src);

    /** Appends the readable bytes of {@code src}, consuming nothing from it. */
    void append(IoBuffer src);

    /** Appends one byte. MOSN: {@code WriteByte}. */
    void appendByte(int value);

    /** Appends 2 bytes, big-endian. MOSN: {@code WriteUint16}. */
    void appendShort(int value);

    /** Appends 4 bytes, big-endian. MOSN: {@code WriteUint32}. */
    void appendInt(int value);

    /** Appends 8 bytes, big-endian. MOSN: {@code WriteUint64}. */
    void appendLong(long value);

    /** Appends {@code value} encoded with {@code charset}. MOSN: {@code WriteString} (UTF-8). */
    void appendString(CharSequence value, Charset charset);

    /**
     * On a read buffer: true once the peer shut down its write side, so no more bytes will follow. On a buffer
     * written with {@link Connection#write}: the connection shuts down its write side after sending it. MOSN:
     * {@code EOF()}.
     */
    boolean isEof();

    /** Sets the EOF flag. MOSN: {@code SetEOF}. */
    void setEof(boolean eof);

    /** The readable bytes decoded with {@code charset}, consuming nothing. */
    String toString(Charset charset);

    /**
     * Ferry: the number of bytes {@linkplain #drain drained} from this buffer since it was created, or {@code -1} if
     * the implementation does not count them. For a connection's read buffer this is the offset in the connection's
     * inbound stream of the first readable byte, however the bytes before it were consumed; it never goes back while
     * the connection lives, even if the runtime hands filters another wrapper object. A filter that sees the buffer
     * again after a later filter returned {@link FilterStatus#STOP} without draining (MOSN re-presents those bytes
     * from the first filter) uses it to tell the bytes it already saw from the new ones. Observers such as
     * {@code tcpcopy} rely on it; a runtime's read buffer should implement it.
     */
    default long drainedCount() {
        return -1;
    }
}
