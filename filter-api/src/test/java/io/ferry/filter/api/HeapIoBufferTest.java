package io.ferry.filter.api;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapIoBufferTest {

    static String str(IoBuffer b) {
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void wrapSharesTheArrayAndIndexesFromTheFirstReadableByte() {
        byte[] array = bytes("xxhello");
        HeapIoBuffer b = HeapIoBuffer.wrap(array, 2, 5);
        assertSame(array, b.array());
        assertEquals(2, b.arrayOffset());
        assertEquals(5, b.length());
        assertEquals('h', b.getByte(0));
        b.drain(1);
        assertEquals(3, b.arrayOffset(), "arrayOffset follows the read position");
        assertEquals("ello", str(b));
        assertThrows(IndexOutOfBoundsException.class, () -> HeapIoBuffer.wrap(array, 3, 5));
    }

    @Test
    void drainPeekAndIndexesFollowTheReadPosition() {
        IoBuffer b = IoBuffer.wrap(bytes("abcdef"));
        assertArrayEquals(bytes("abc"), b.peek(3));
        assertNull(b.peek(7), "peek of more than is readable is null, as MOSN's Peek");
        b.drain(2);
        assertEquals('c', b.getByte(0));
        byte[] dst = new byte[2];
        b.getBytes(1, dst, 0, 2);
        assertArrayEquals(bytes("de"), dst);
        ByteBuffer nio = ByteBuffer.allocate(3);
        b.getBytes(1, nio);
        assertArrayEquals(bytes("def"), nio.array());
        assertEquals("cdef", str(b), "reads consume nothing");
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> b.drain(5));
        assertEquals("drain(5) (expected: 0 <= n <= length() = 4)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> b.getByte(4));
        assertThrows(IndexOutOfBoundsException.class, () -> b.peek(-1));
        b.drain(4);
        assertTrue(b.isEmpty());
    }

    @Test
    void appendGrowsAndKeepsContentAcrossCompaction() {
        IoBuffer b = IoBuffer.allocate(4);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String piece = Integer.toString(i);
            b.append(bytes(piece));
            expected.append(piece);
            if (i % 3 == 0) {
                b.drain(1);
                expected.deleteCharAt(0);
            }
            assertEquals(expected.toString(), str(b), "after step " + i);
        }
    }

    @Test
    void appendsAreBigEndianLikeMosnWriteUint() {
        IoBuffer b = IoBuffer.allocate(0);
        b.appendByte(0x01);
        b.appendShort(0x0203);
        b.appendInt(0x04050607);
        b.appendLong(0x08090A0B0C0D0E0FL);
        b.append(ByteBuffer.wrap(new byte[]{0x10}));
        b.append(IoBuffer.wrap(new byte[]{0x11}));
        b.appendString("é", StandardCharsets.UTF_8);
        assertArrayEquals(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, (byte) 0xC3,
                (byte) 0xA9}, b.toByteArray());
    }

    @Test
    void copyIsIndependentAndKeepsTheEofFlag() {
        byte[] array = bytes("data");
        IoBuffer b = IoBuffer.wrap(array);
        b.setEof(true);
        IoBuffer copy = b.copy();
        array[0] = 'X';
        assertEquals("data", str(copy), "the copy does not share the array");
        assertTrue(copy.isEof());
        IoBuffer copied = IoBuffer.copyOf(array, 1, 2);
        array[1] = 'Y';
        assertEquals("at", str(copied));
    }

    @Test
    void readOnlyViewSharesContentAndRefusesMutation() {
        IoBuffer b = IoBuffer.wrap(bytes("view"));
        IoBuffer v = b.readOnlyView();
        assertEquals("view", str(v));
        assertThrows(ReadOnlyBufferException.class, () -> v.drain(1));
        assertThrows(ReadOnlyBufferException.class, () -> v.append(bytes("x")));
        assertThrows(ReadOnlyBufferException.class, () -> v.setEof(true));
        assertEquals(4, v.length());
        assertFalse(v.isEof());
        assertEquals("HeapIoBuffer(length: 4, eof: false, read-only)", v.toString());
    }

    @Test
    void negativeCapacityIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IoBuffer.allocate(-1));
        assertEquals("initialCapacity: -1 (expected: >= 0)", e.getMessage());
    }
}
