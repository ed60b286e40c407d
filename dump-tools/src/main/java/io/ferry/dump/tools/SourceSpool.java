package io.ferry.dump.tools;

import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The records a {@link io.ferry.dump.spi.DumpSource} delivered, in a temporary file, so that the tools read them a
 * second time the way they read a file again, instead of holding a topic in memory (a source delivers its records
 * once). Each entry: the proxy instance (u16 length, UTF-8) and the framed Ferry record (u32 length, then
 * {@code sync | body_len | crc32 | body} as {@link FerryFormat#encode} writes it). Written on one thread, then read by
 * {@link #forEach}; {@link #delete} removes the file (it is also marked to go when the JVM exits).
 */
final class SourceSpool {

    /** Receives one spooled record. */
    interface Visitor {
        void record(String instance, FerryRecord record) throws IOException;
    }

    private final Path file;
    private final DataOutputStream out;
    private long length;
    private String lastInstance;
    private byte[] lastInstanceBytes;

    private SourceSpool(Path file) throws IOException {
        this.file = file;
        this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024));
    }

    static SourceSpool create() throws IOException {
        Path f = Files.createTempFile("ferry-source", ".spool");
        f.toFile().deleteOnExit();
        try {
            return new SourceSpool(f);
        } catch (IOException e) {
            Files.deleteIfExists(f);
            throw e;
        }
    }

    Path path() {
        return file;
    }

    /** Bytes written so far. */
    long length() {
        return length;
    }

    void append(String instance, FerryRecord record) throws IOException {
        if (!instance.equals(lastInstance)) {
            lastInstance = instance;
            lastInstanceBytes = instance.getBytes(StandardCharsets.UTF_8);
            if (lastInstanceBytes.length > 0xffff) {
                throw new IOException("a proxy instance name of " + lastInstanceBytes.length + " bytes (at most 65535)");
            }
        }
        byte[] framed = FerryFormat.encode(record);
        out.writeShort(lastInstanceBytes.length);
        out.write(lastInstanceBytes);
        out.writeInt(framed.length);
        out.write(framed);
        length += 2 + lastInstanceBytes.length + 4 + framed.length;
    }

    /** Flushes what was appended; the spool is complete. */
    void finish() throws IOException {
        out.close();
    }

    /** Hands every spooled record to {@code visitor}, in the order they were appended. */
    static void forEach(Path file, long length, Visitor visitor) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 64 * 1024))) {
            long at = 0;
            String instance = "";
            byte[] instanceBytes = new byte[0];
            while (at < length) {
                try {
                    int n = in.readUnsignedShort();
                    byte[] b = in.readNBytes(n);
                    if (!java.util.Arrays.equals(b, instanceBytes)) {
                        instanceBytes = b;
                        instance = new String(b, StandardCharsets.UTF_8);
                    }
                    int len = in.readInt();
                    byte[] framed = in.readNBytes(len);
                    if (framed.length != len) {
                        throw new EOFException();
                    }
                    FerryRecord rec;
                    try {
                        rec = FerryReader.decodeFramed(framed);
                    } catch (IOException e) {
                        throw new IOException(file + ": the temporary copy of the source's records, at byte " + at
                                + ": a record that " + e.getMessage());
                    }
                    visitor.record(instance, rec);
                    at += 2 + n + 4 + len;
                } catch (EOFException e) {
                    throw new IOException(file + ": the temporary copy of the source's records ends at byte " + at
                            + " of " + length + " (removed or overwritten while in use?)");
                }
            }
        }
    }

    /** Removes the file; what was not yet written is dropped. */
    void delete() {
        try {
            out.close();
        } catch (IOException ignored) {
            // the file goes anyway
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // marked to go when the JVM exits
        }
    }
}
