package org.imagehash.search;

import org.apache.lucene.util.BytesRef;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Conversions between the forms a hash code takes: the hex string and the byte array users send, the bytes kept in
 * doc values, and the 64-bit words that the scorer XORs.
 *
 * <p>Bit {@code i} of a code is bit {@code 7 - i % 8} of byte {@code i / 8} (most significant first, as
 * {@code numpy.packbits} writes it); the hex form spells those bytes in order. Hamming distance does not depend on
 * the order, but the byte form is what users compare with other tools.
 */
public final class HashCodes {

    public static final int MIN_BITS = 8;
    public static final int MAX_BITS = 4096;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private HashCodes() {}

    /** Number of 64-bit words that hold a code of {@code bits} bits (the last one zero-padded). */
    public static int words(int bits) {
        return (bits + 63) >>> 6;
    }

    /** Checks the {@code bits} of a field: a multiple of 8 in [8, 4096]. */
    public static void checkBits(int bits) {
        if (bits < MIN_BITS || bits > MAX_BITS || bits % 8 != 0) {
            throw new IllegalArgumentException("must be a multiple of 8 from " + MIN_BITS + " to " + MAX_BITS + ", got [" + bits + "]");
        }
    }

    /**
     * Parses a hex string into bytes. Either case is accepted; the length must be even.
     *
     * @throws IllegalArgumentException saying which character or length is wrong
     */
    public static byte[] fromHex(String hex) {
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("a hex string of " + hex.length() + " digits, which is not a whole number of bytes");
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ((hexDigit(hex, 2 * i) << 4) | hexDigit(hex, 2 * i + 1));
        }
        return bytes;
    }

    private static int hexDigit(String hex, int index) {
        int digit = Character.digit(hex.charAt(index), 16);
        if (digit < 0) {
            throw new IllegalArgumentException("a string with the non-hex character [" + hex.charAt(index) + "] at position " + index);
        }
        return digit;
    }

    /**
     * Turns a list of integers in [-128, 255] into bytes: the k-NN plugin's convention, where -1 and 255 are the same
     * byte.
     *
     * @throws IllegalArgumentException naming the first element that is not such an integer
     */
    public static byte[] fromIntegers(List<?> values) {
        byte[] bytes = new byte[values.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = toByte(values.get(i), i);
        }
        return bytes;
    }

    /** One array element as a byte; see {@link #fromIntegers}. */
    public static byte toByte(Object value, int index) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            long v = ((Number) value).longValue();
            if (v >= -128 && v <= 255) {
                return (byte) v;
            }
            throw new IllegalArgumentException("an array whose element [" + index + "] is " + v + ", outside [-128, 255]");
        }
        String what = value == null ? "null" : value instanceof Number ? "the non-integer " + value : "[" + value + "]";
        throw new IllegalArgumentException("an array whose element [" + index + "] is " + what + ", not an integer in [-128, 255]");
    }

    public static String toHex(byte[] bytes) {
        return toHex(bytes, 0, bytes.length);
    }

    public static String toHex(BytesRef ref) {
        return toHex(ref.bytes, ref.offset, ref.length);
    }

    private static String toHex(byte[] bytes, int offset, int length) {
        char[] chars = new char[2 * length];
        for (int i = 0; i < length; i++) {
            int b = bytes[offset + i] & 0xFF;
            chars[2 * i] = HEX[b >>> 4];
            chars[2 * i + 1] = HEX[b & 0xF];
        }
        return new String(chars);
    }

    /** The words of a code, for a query: see {@link #toWords(byte[], int, int, long[], int)}. */
    public static long[] toWords(byte[] code) {
        long[] words = new long[words(code.length * 8)];
        toWords(code, 0, code.length, words, 0);
        return words;
    }

    /**
     * Packs {@code length} bytes into little-endian 64-bit words at {@code dest[destOffset...]}; the last word is padded
     * with zeros, which XOR to zero and so never count in a distance.
     */
    public static void toWords(byte[] bytes, int offset, int length, long[] dest, int destOffset) {
        int whole = length >>> 3;
        for (int w = 0; w < whole; w++) {
            dest[destOffset + w] = (long) LONGS.get(bytes, offset + 8 * w);
        }
        int rest = length & 7;
        if (rest != 0) {
            long last = 0;
            for (int i = 0; i < rest; i++) {
                last |= (bytes[offset + 8 * whole + i] & 0xFFL) << (8 * i);
            }
            dest[destOffset + whole] = last;
        }
    }
}
