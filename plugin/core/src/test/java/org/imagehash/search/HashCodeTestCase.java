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

    public static byte[] randomByteArrayOfLength(int length) {
        byte[] bytes = new byte[length];
        random().nextBytes(bytes);
        return bytes;
    }
}
