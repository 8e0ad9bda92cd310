package org.imagehash.search;

import org.apache.lucene.tests.util.LuceneTestCase;

/**
 * Base of the engine-neutral tests: Lucene's randomized test case (seeded, reproducible, with Lucene's random codecs
 * and directories) plus the few random helpers these tests use, so that they run against any engine's Lucene.
 */
public abstract class HashCodeTestCase extends LuceneTestCase {

    public static int randomIntBetween(int min, int max) {
        return min + random().nextInt(max - min + 1);
    }

    public static boolean randomBoolean() {
        return random().nextBoolean();
    }

    public static int randomFrom(int... values) {
        return values[random().nextInt(values.length)];
    }

    /** Flips bit {@code bit} of {@code code} in place (bit 0 is the lowest bit of the first byte). */
    public static void flipBit(byte[] code, int bit) {
        code[bit / 8] ^= (byte) (1 << (bit % 8));
    }

    /** Uniform random bytes from the test's random. */
    public static byte[] randomByteArrayOfLength(int length) {
        return randomBytes(random(), length);
    }

    /**
     * Uniform random bytes, one {@code nextInt(256)} each: the randomized runner's {@code Random.nextBytes} fills only
     * four random bytes of every eight (the other four repeat the sign: 00000000 or ffffffff), which made half of all
     * "random" 64-bit codes share their last 32 bits and every substring table there one crowded bucket.
     */
    public static byte[] randomBytes(java.util.Random random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }
}
