package dev.onebox.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a tar stream of regular files (POSIX ustar; a PAX header carries names longer than 100
 * bytes). No links, devices or absolute names can be written through it: the server refuses them.
 */
final class TarWriter implements AutoCloseable {

    private static final int BLOCK = 512;

    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /** One regular file, {@code name} relative with '/' separators, its bytes read from {@code content}. */
    void file(String name, int mode, long mtimeSeconds, long size, InputStream content) throws IOException {
        checkName(name);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            byte[] pax = paxRecord("path", name);
            out.write(header("PaxHeaders/" + shortName(name), 0644, mtimeSeconds, pax.length, (byte) 'x'));
            out.write(pax);
            pad(pax.length);
            out.write(header(shortName(name), mode, mtimeSeconds, size, (byte) '0'));
        } else {
            out.write(header(name, mode, mtimeSeconds, size, (byte) '0'));
        }
        long copied = content.transferTo(out);
        if (copied != size) {
            throw new IOException(name + " changed while it was packed (" + size + " bytes expected, " + copied + " read)");
        }
        pad(size);
    }

    @Override
    public void close() throws IOException {
        out.write(new byte[BLOCK * 2]);
        out.close();
    }

    static void checkName(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains("\0")) {
            throw new IllegalArgumentException("not a relative name: " + name);
        }
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("not a plain relative name: " + name);
            }
        }
    }

    /** A stand-in for the ustar name field when the PAX header holds the real one. */
    private static String shortName(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        String tail = new String(bytes, bytes.length - 90, 90, StandardCharsets.UTF_8).replace("\uFFFD", "_");
        return "long/" + tail.replaceFirst("^/+", "");
    }

    private static byte[] paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        int digits = Integer.toString(length).length();
        int total = length + digits;
        if (Integer.toString(total).length() != digits) {
            total++;
        }
        return (total + body).getBytes(StandardCharsets.UTF_8);
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    private static byte[] header(String name, int mode, long mtime, long size, byte type) {
        byte[] h = new byte[BLOCK];
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(nameBytes, 0, h, 0, Math.min(100, nameBytes.length));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        h[156] = type;
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        return h;
    }

    /** {@code width - 1} octal digits and a NUL. */
    private static void octal(byte[] h, int offset, int width, long value) {
        String digits = Long.toOctalString(value);
        if (digits.length() > width - 1) {
            throw new IllegalArgumentException("value too large for a tar header: " + value);
        }
        String padded = "0".repeat(width - 1 - digits.length()) + digits;
        System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, offset, width - 1);
        h[offset + width - 1] = 0;
    }
}
