package io.ferry.filter.api;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Objects;

/**
 * The heap implementation behind {@link IoBuffer#wrap}, {@link IoBuffer#allocate} and {@link IoBuffer#copyOf}.
 * Package-private on purpose: its backing array is mutable, so no code outside this package, a plugin least of all,
 * may reach it. Use the static factories on {@link IoBuffer}.
 */
final class HeapIoBuffer implements IoBuffer {

    private byte[] array;
    private int readerIndex;
    private int writerIndex;
    private boolean eof;
    private final boolean readOnly;
    private long drainedCount;

    HeapIoBuffer(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity: " + initialCapacity + " (expected: >= 0)");
        }
        this.array = new byte[initialCapacity];
        this.readOnly = false;
    }

    private HeapIoBuffer(byte[] array, int readerIndex, int writerIndex, boolean eof, boolean readOnly) {
        this.array = array;
        this.readerIndex = readerIndex;
        this.writerIndex = writerIndex;
        this.eof = eof;
        this.readOnly = readOnly;
    }

    static HeapIoBuffer wrap(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        return new HeapIoBuffer(bytes, offset, offset + length, false, false);
    }

    /** The backing array; readable bytes are {@code [arrayOffset(), arrayOffset() + length())}. */
    byte[] array() {
        return array;
    }

    int arrayOffset() {
        return readerIndex;
    }

    @Override
    public int length() {
        return writerIndex - readerIndex;
    }

    @Override
    public byte getByte(int index) {
        Objects.checkIndex(index, length());
        return array[readerIndex + index];
    }

    @Override
    public byte[] peek(int n) {
        if (n < 0) {
            throw new IndexOutOfBoundsException("peek(" + n + ") (expected: n >= 0)");
        }
        if (n > length()) {
            return null;
        }
        return Arrays.copyOfRange(array, readerIndex, readerIndex + n);
    }

    @Override
    public void drain(int n) {
        checkWritable();
        if (n < 0 || n > length()) {
            throw new IndexOutOfBoundsException("drain(" + n + ") (expected: 0 <= n <= length() = " + length() + ")");
        }
        readerIndex += n;
        drainedCount += n;
    }

    @Override
    public long drainedCount() {
        return drainedCount;
    }

    @Override
    public byte[] toByteArray() {
        return Arrays.copyOfRange(array, readerIndex, writerIndex);
    }

    @Override
    public void getBytes(int index, byte[] dst, int dstIndex, int length) {
        Objects.checkFromIndexSize(index, length, length());
        System.arraycopy(array, readerIndex + index, dst, dstIndex, length);
    }

    @Override
    public void getBytes(int index, ByteBuffer dst) {
        int n = dst.remaining();
        Objects.checkFromIndexSize(index, n, length());
        dst.put(array, readerIndex + index, n);
    }

    @Override
    public IoBuffer copy() {
        return new HeapIoBuffer(toByteArray(), 0, length(), eof, false);
    }

    @Override
    public IoBuffer readOnlyView() {
        return new HeapIoBuffer(array, readerIndex, writerIndex, eof, true);
    }

    @Override
    public void append(byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        ensureWritable(length);
        System.arraycopy(src, offset, array, writerIndex, length);
        writerIndex += length;
    }

    @Override
    public void append(ByteBuffer src) {
        int n = src.remaining();
        ensureWritable(n);
        src.get(array, writerIndex, n);
        writerIndex += n;
    }

    @Override
    public void append(IoBuffer src) {
        int n = src.length();
        ensureWritable(n);
        src.getBytes(0, array, writerIndex, n);
        writerIndex += n;
    }

    @Override
    public void appendByte(int value) {
        ensureWritable(1);
        array[writerIndex++] = (byte) value;
    }

    @Override
    public void appendShort(int value) {
        ensureWritable(2);
        array[writerIndex++] = (byte) (value >>> 8);
        array[writerIndex++] = (byte) value;
    }

    @Override
    public void appendInt(int value) {
        ensureWritable(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            array[writerIndex++] = (byte) (value >>> shift);
        }
    }

    @Override
    public void appendLong(long value) {
        ensureWritable(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            array[writerIndex++] = (byte) (value >>> shift);
        }
    }

    @Override
    public void appendString(CharSequence value, Charset charset) {
        append(value.toString().getBytes(charset));
    }

    @Override
    public boolean isEof() {
        return eof;
    }

    @Override
    public void setEof(boolean eof) {
        checkWritable();
        this.eof = eof;
    }

    @Override
    public String toString(Charset charset) {
        return new String(array, readerIndex, length(), charset);
    }

    @Override
    public String toString() {
        return "HeapIoBuffer(length: " + length() + ", eof: " + eof + (readOnly ? ", read-only)" : ")");
    }

    private void checkWritable() {
        if (readOnly) {
            throw new ReadOnlyBufferException();
        }
    }

    private void ensureWritable(int n) {
        checkWritable();
        if (array.length - writerIndex >= n) {
            return;
        }
        int len = length();
        if (readerIndex > 0 && array.length - len >= n && readerIndex >= len) {
            System.arraycopy(array, readerIndex, array, 0, len);
        } else {
            int needed = len + n;
            int newCapacity = Math.max(64, Integer.highestOneBit(Math.max(needed - 1, 1)) << 1);
            if (newCapacity < needed) {
                newCapacity = needed;
            }
            byte[] grown = new byte[newCapacity];
            System.arraycopy(array, readerIndex, grown, 0, len);
            array = grown;
        }
        readerIndex = 0;
        writerIndex = len;
    }
}
