package io.ferry.filter.chain;

import io.ferry.filter.api.IoBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.Charset;
import java.util.Objects;

/**
 * The {@link IoBuffer} the runtime hands to filters, backed by a Netty {@link ByteBuf}. Filters see only the
 * {@code IoBuffer} interface; {@link #unwrap()}, {@link #takeAll()} and {@link #cumulate} are for the runtime's own
 * read paths and its zero-copy {@code writeFrom} (which hands the backing buffer over instead of copying it).
 *
 * <h2>Ownership</h2>
 * An instance owns one reference of its {@code ByteBuf} (except a {@linkplain #readOnlyView() view}, which owns
 * none). Filters never release anything: {@link #copy()} returns a heap buffer that the garbage collector reclaims, so
 * a filter that keeps a copy cannot leak pooled memory. When a filter appends beyond what the {@code ByteBuf} can
 * hold, or while the {@code ByteBuf} is shared ({@code refCnt() > 1}, read-only), the bytes move to a new buffer from
 * the allocator and the old reference is released.
 *
 * <h2>Revocation</h2>
 * The chain can revoke a buffer once the callback that received it returned (the test kit always does): every later
 * use throws {@link IllegalStateException} citing rule R4.1 and is reported to the connection's
 * {@link ChainObserver}, so a filter that keeps the buffer instead of copying it fails its own tests.
 *
 * <h2>Threading</h2>
 * Not thread-safe; used on its connection's thread.
 */
public final class ByteBufIoBuffer implements IoBuffer {

    private ByteBuf buf;
    private final ByteBufAllocator alloc;
    private final boolean view;
    private boolean eof;
    private boolean revoked;
    private boolean readBuffer;
    private ChainConnection owner;
    /** Bytes that ever entered this buffer: its initial content, reads appended by the engine, and appends. */
    private long entered;

    /** Wraps {@code buf}, taking over one reference of it; growth allocates from {@code buf.alloc()}. */
    public ByteBufIoBuffer(ByteBuf buf) {
        this(buf, buf.alloc());
    }

    /** Wraps {@code buf}, taking over one reference of it; growth allocates from {@code alloc}. */
    public ByteBufIoBuffer(ByteBuf buf, ByteBufAllocator alloc) {
        this(buf, alloc, false, false);
    }

    private ByteBufIoBuffer(ByteBuf buf, ByteBufAllocator alloc, boolean view, boolean eof) {
        this.buf = Objects.requireNonNull(buf, "buf");
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        this.view = view;
        this.eof = eof;
        this.entered = buf.readableBytes();
    }

    /**
     * The backing buffer; its readable bytes are this buffer's content. Runtime-internal: the caller must not
     * release it, and must {@code retain} or {@code readRetainedSlice} what it keeps.
     */
    public ByteBuf unwrap() {
        checkLive();
        return buf;
    }

    /**
     * Moves every readable byte out of this buffer into a {@code ByteBuf} the caller owns (one reference, to release
     * or pass on): the backing buffer itself, without a copy or an allocation; this buffer is empty afterwards and
     * counts the bytes as drained ({@link #drainedCount()}). The zero-copy path of {@code writeFrom}.
     *
     * @throws java.nio.ReadOnlyBufferException for a {@linkplain #readOnlyView() read-only view}
     */
    public ByteBuf takeAll() {
        checkWritable();
        if (!buf.isReadable()) {
            return Unpooled.EMPTY_BUFFER;
        }
        return detach();
    }

    /**
     * Appends bytes read from a peer, taking over {@code in}'s reference: when this buffer is empty, {@code in} becomes
     * its content without a copy; otherwise its bytes are merged in (Netty's merge cumulator: in place when the
     * backing buffer is exclusively owned and can grow, else into a new buffer from the allocator) and {@code in} is
     * released. Runtime-internal: the read path of a connection (the chain's, an upstream connection's).
     */
    public void cumulate(ByteBuf in) {
        checkLive();
        int required = in.readableBytes();
        entered += required;
        ByteBuf cum = buf;
        if (!cum.isReadable()) {
            replace(in);
            return;
        }
        try {
            if (required == 0) {
                return;
            }
            if (cum.refCnt() == 1 && !cum.isReadOnly() && required <= cum.maxWritableBytes()) {
                cum.writeBytes(in);
                return;
            }
            int len = cum.readableBytes();
            ByteBuf merged = alloc.buffer(alloc.calculateNewCapacity(len + required, Integer.MAX_VALUE));
            merged.writeBytes(cum, cum.readerIndex(), len).writeBytes(in);
            replace(merged);
        } finally {
            in.release();
        }
    }

    /**
     * After a callback: a drained backing buffer is released (this buffer then holds no memory); a partly drained one
     * drops its consumed bytes when exclusively owned. Runtime-internal.
     */
    public void trim() {
        checkLive();
        ByteBuf b = buf;
        if (!b.isReadable()) {
            if (b != Unpooled.EMPTY_BUFFER) {
                replace(Unpooled.EMPTY_BUFFER);
            }
        } else if (b.refCnt() == 1) {
            b.discardSomeReadBytes();
        }
    }

    /** Releases the backing buffer; this buffer is empty afterwards. Runtime-internal: the connection is gone. */
    public void discard() {
        release();
    }

    // ---- runtime-internal plumbing (package-private) ----

    void owner(ChainConnection owner) {
        this.owner = owner;
    }

    /** Replaces the backing buffer, releasing the old one; takes over one reference of {@code next}. */
    void replace(ByteBuf next) {
        ByteBuf old = buf;
        buf = next;
        if (old != next) {
            old.release();
        }
    }

    /** Hands the backing buffer (and its reference) to the caller; this buffer is empty afterwards. */
    ByteBuf detach() {
        checkLive();
        ByteBuf b = buf;
        buf = Unpooled.EMPTY_BUFFER;
        return b;
    }

    /** Releases the backing buffer; this buffer is empty afterwards. */
    void release() {
        detach().release();
    }

    boolean isView() {
        return view;
    }

    /** True for a connection's read buffer, which stays with its connection. */
    boolean isReadBuffer() {
        return readBuffer;
    }

    void markReadBuffer() {
        readBuffer = true;
    }

    /**
     * A new wrapper taking over this one's buffer and EOF flag; this one is revoked, so a filter that kept it gets an
     * {@link IllegalStateException} citing R4.1 on its next use. Runtime-internal: the test kit revokes the buffers it
     * handed to a callback this way.
     */
    public ByteBufIoBuffer moveToNew() {
        ByteBufIoBuffer next = new ByteBufIoBuffer(detach(), alloc, view, eof);
        next.entered = entered;
        next.owner = owner;
        next.readBuffer = readBuffer;
        revoked = true;
        return next;
    }

    /** Releases the backing buffer and revokes this wrapper. */
    void revoke() {
        release();
        revoked = true;
    }

    void eofInternal(boolean eof) {
        this.eof = eof;
    }

    // ---- IoBuffer ----

    @Override
    public int length() {
        checkLive();
        return buf.readableBytes();
    }

    @Override
    public boolean isEmpty() {
        return length() == 0;
    }

    @Override
    public byte getByte(int index) {
        Objects.checkIndex(index, length());
        return buf.getByte(buf.readerIndex() + index);
    }

    @Override
    public byte[] peek(int n) {
        if (n < 0) {
            throw new IndexOutOfBoundsException("peek(" + n + ") (expected: n >= 0)");
        }
        if (n > length()) {
            return null;
        }
        return ByteBufUtil.getBytes(buf, buf.readerIndex(), n);
    }

    @Override
    public void drain(int n) {
        checkWritable();
        int len = buf.readableBytes();
        if (n < 0 || n > len) {
            throw new IndexOutOfBoundsException("drain(" + n + ") (expected: 0 <= n <= length() = " + len + ")");
        }
        buf.skipBytes(n);
    }

    @Override
    public byte[] toByteArray() {
        checkLive();
        return ByteBufUtil.getBytes(buf);
    }

    @Override
    public void getBytes(int index, byte[] dst, int dstIndex, int length) {
        Objects.checkFromIndexSize(index, length, length());
        buf.getBytes(buf.readerIndex() + index, dst, dstIndex, length);
    }

    @Override
    public void getBytes(int index, ByteBuffer dst) {
        Objects.checkFromIndexSize(index, dst.remaining(), length());
        buf.getBytes(buf.readerIndex() + index, dst);
    }

    /** A heap copy, owned by the caller and reclaimed by the garbage collector. */
    @Override
    public IoBuffer copy() {
        byte[] bytes = toByteArray();
        IoBuffer copy = IoBuffer.wrap(bytes);
        copy.setEof(eof);
        return copy;
    }

    @Override
    public IoBuffer readOnlyView() {
        checkLive();
        ByteBufIoBuffer v = new ByteBufIoBuffer(buf.slice(), alloc, true, eof);
        v.owner = owner;
        return v;
    }

    @Override
    public void append(byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        ensureWritable(length);
        buf.writeBytes(src, offset, length);
    }

    @Override
    public void append(ByteBuffer src) {
        ensureWritable(src.remaining());
        buf.writeBytes(src);
    }

    @Override
    public void append(IoBuffer src) {
        int n = src.length();
        if (src == this) {
            append(toByteArray());
        } else if (src instanceof ByteBufIoBuffer) {
            ByteBuf s = ((ByteBufIoBuffer) src).unwrap();
            ensureWritable(n);
            buf.writeBytes(s, s.readerIndex(), n);
        } else {
            append(src.toByteArray());
        }
    }

    @Override
    public void appendByte(int value) {
        ensureWritable(1);
        buf.writeByte(value);
    }

    @Override
    public void appendShort(int value) {
        ensureWritable(2);
        buf.writeShort(value);
    }

    @Override
    public void appendInt(int value) {
        ensureWritable(4);
        buf.writeInt(value);
    }

    @Override
    public void appendLong(long value) {
        ensureWritable(8);
        buf.writeLong(value);
    }

    @Override
    public void appendString(CharSequence value, Charset charset) {
        append(value.toString().getBytes(charset));
    }

    /**
     * For a connection's read buffer: the offset in the connection's inbound stream of the first readable byte,
     * however the bytes before it were consumed (drained by a filter, or sliced off by the runtime's relay). It never
     * goes back while the connection lives, even when the engine moves the content to a new wrapper.
     */
    @Override
    public long drainedCount() {
        checkLive();
        return entered - buf.readableBytes();
    }

    @Override
    public boolean isEof() {
        checkLive();
        return eof;
    }

    @Override
    public void setEof(boolean eof) {
        checkWritable();
        this.eof = eof;
    }

    @Override
    public String toString(Charset charset) {
        checkLive();
        return buf.toString(charset);
    }

    @Override
    public String toString() {
        if (revoked) {
            return "ByteBufIoBuffer(revoked)";
        }
        return "ByteBufIoBuffer(length: " + buf.readableBytes() + ", eof: " + eof + (view ? ", read-only)" : ")");
    }

    private void checkLive() {
        if (revoked) {
            IllegalStateException e = new IllegalStateException(
                    "R4.1: an IoBuffer was used after the callback that received it returned"
                            + (owner == null ? "" : " (connection " + owner.id() + ")")
                            + "; the runtime owns this buffer: copy() the bytes you keep");
            if (owner != null) {
                owner.bufferMisused(e);
            }
            throw e;
        }
    }

    private void checkWritable() {
        checkLive();
        if (view) {
            throw new ReadOnlyBufferException();
        }
    }

    private void ensureWritable(int n) {
        checkWritable();
        if (n == 0) {
            return;
        }
        entered += n;
        ByteBuf b = buf;
        if (b.refCnt() == 1 && !b.isReadOnly() && n <= b.maxWritableBytes() && b != Unpooled.EMPTY_BUFFER) {
            b.ensureWritable(n);
            return;
        }
        int len = b.readableBytes();
        ByteBuf grown = alloc.buffer(alloc.calculateNewCapacity(len + n, Integer.MAX_VALUE));
        grown.writeBytes(b, b.readerIndex(), len);
        replace(grown);
    }
}
