package io.ferry.filter.chain;

import io.ferry.filter.api.IoBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoNettyLeakReports.class)
class ByteBufIoBufferTest {

    final TrackingByteBufAllocator alloc = new TrackingByteBufAllocator();

    @AfterEach
    void noLeaks() {
        assertNull(alloc.describeLeaks());
    }

    ByteBufIoBuffer of(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return new ByteBufIoBuffer(alloc.buffer(b.length, b.length).writeBytes(b), alloc);
    }

    /** Both implementations answer every operation of a random script identically. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void behavesLikeTheHeapBuffer(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteBufIoBuffer netty = new ByteBufIoBuffer(Unpooled.EMPTY_BUFFER, alloc);
        IoBuffer heap = IoBuffer.allocate(0);
        for (int step = 0; step < 500; step++) {
            switch (r.nextInt(7)) {
                case 0 -> {
                    byte[] b = new byte[r.nextInt(300)];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) r.nextInt(256);
                    }
                    netty.append(b);
                    heap.append(b);
                }
                case 1 -> {
                    int n = heap.length() == 0 ? 0 : r.nextInt(heap.length() + 1);
                    netty.drain(n);
                    heap.drain(n);
                }
                case 2 -> {
                    int v = r.nextInt();
                    netty.appendInt(v);
                    heap.appendInt(v);
                    netty.appendShort(v);
                    heap.appendShort(v);
                    netty.appendLong(v * 31L);
                    heap.appendLong(v * 31L);
                    netty.appendByte(v);
                    heap.appendByte(v);
                }
                case 3 -> {
                    int n = r.nextInt(heap.length() + 2);
                    assertArrayEquals(heap.peek(n), netty.peek(n));
                }
                case 4 -> {
                    IoBuffer other = r.nextBoolean() ? IoBuffer.wrap(new byte[]{1, 2, 3}) : of("xyz");
                    netty.append(other);
                    heap.append(other);
                    if (other instanceof ByteBufIoBuffer) {
                        ((ByteBufIoBuffer) other).release();
                    }
                }
                case 5 -> {
                    boolean eof = r.nextBoolean();
                    netty.setEof(eof);
                    heap.setEof(eof);
                }
                default -> {
                    if (heap.length() > 0) {
                        int i = r.nextInt(heap.length());
                        assertEquals(heap.getByte(i), netty.getByte(i));
                    }
                }
            }
            assertEquals(heap.length(), netty.length(), "step " + step);
            assertEquals(heap.isEof(), netty.isEof());
        }
        assertArrayEquals(heap.toByteArray(), netty.toByteArray());
        assertArrayEquals(heap.copy().toByteArray(), netty.copy().toByteArray());
        netty.release();
    }

    @Test
    void indexesAreRelativeToTheReadPosition() {
        ByteBufIoBuffer b = of("abcdef");
        b.drain(2);
        byte[] dst = new byte[2];
        b.getBytes(1, dst, 0, 2);
        assertArrayEquals("de".getBytes(StandardCharsets.ISO_8859_1), dst);
        ByteBuffer nio = ByteBuffer.allocate(4);
        b.getBytes(0, nio);
        assertEquals("cdef", new String(nio.array(), StandardCharsets.ISO_8859_1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.getByte(4));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> b.drain(5));
        assertEquals("drain(5) (expected: 0 <= n <= length() = 4)", e.getMessage());
        b.release();
    }

    @Test
    void copyIsAHeapBufferSoAFilterCannotLeakIt() {
        ByteBufIoBuffer b = of("keep me");
        b.setEof(true);
        IoBuffer copy = b.copy();
        assertFalse(copy instanceof ByteBufIoBuffer, "a heap buffer, not one of the runtime's pooled buffers");
        assertTrue(copy.isEof());
        b.release();
        assertEquals("keep me", copy.toString(StandardCharsets.ISO_8859_1), "the copy outlives the buffer");
    }

    @Test
    void appendingToASharedBufferMovesTheBytesInsteadOfWritingIntoIt() {
        ByteBufIoBuffer b = new ByteBufIoBuffer(alloc.buffer(64).writeBytes(new byte[]{'a', 'b'}), alloc);
        ByteBuf original = b.unwrap();
        ByteBuf slice = original.retainedSlice();
        b.append(new byte[]{'c'});
        assertNotSame(original, b.unwrap(), "refCnt > 1: a new buffer");
        assertEquals("abc", b.toString(StandardCharsets.ISO_8859_1));
        assertEquals("ab", slice.toString(StandardCharsets.ISO_8859_1), "the slice is untouched");
        assertEquals(1, original.refCnt(), "our reference to the old buffer was released");
        slice.release();
        b.release();
    }

    @Test
    void appendingToAFixedSizeBufferGrowsIntoANewOne() {
        ByteBufIoBuffer b = of("ab");
        ByteBuf before = b.unwrap();
        b.append(new byte[]{'c'});
        assertEquals("abc", b.toString(StandardCharsets.ISO_8859_1));
        assertEquals(0, before.refCnt());
        ByteBuf grown = b.unwrap();
        b.append(new byte[]{'d'});
        assertSame(grown, b.unwrap(), "a growable, exclusive buffer is written in place");
        b.release();
    }

    @Test
    void appendingABufferToItselfDoublesIt() {
        ByteBufIoBuffer b = of("ab");
        b.append(b);
        assertEquals("abab", b.toString(StandardCharsets.ISO_8859_1));
        IoBuffer heap = IoBuffer.wrap("ab".getBytes(StandardCharsets.ISO_8859_1));
        heap.append(heap);
        assertEquals("abab", heap.toString(StandardCharsets.ISO_8859_1));
        b.release();
    }

    @Test
    void readOnlyViewOwnsNothingAndRefusesMutation() {
        ByteBufIoBuffer b = of("view");
        IoBuffer v = b.readOnlyView();
        assertEquals("view", v.toString(StandardCharsets.ISO_8859_1));
        assertThrows(ReadOnlyBufferException.class, () -> v.drain(1));
        assertThrows(ReadOnlyBufferException.class, () -> v.appendByte(1));
        assertThrows(ReadOnlyBufferException.class, () -> v.setEof(true));
        assertEquals(1, b.unwrap().refCnt(), "the view took no reference");
        b.release();
    }
}
