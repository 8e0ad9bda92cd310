package org.imagehash.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random codes with the structure real image codes have: a few centres, each code a few bit flips from one of them,
 * so that small distances and ties are common. For tests that compare searches with a brute-force reference.
 */
public final class ClusteredCodes {

    private final Random random;
    private final int bits;
    private final List<byte[]> centers = new ArrayList<>();

    public ClusteredCodes(Random random, int bits, int clusters) {
        this.random = random;
        this.bits = bits;
        for (int c = 0; c < clusters; c++) {
            centers.add(HashCodeTestCase.randomBytes(random, bits / 8));
        }
    }

    /** A code at most {@code maxFlips} bit flips away from a random centre. */
    public byte[] next(int maxFlips) {
        byte[] code = centers.get(random.nextInt(centers.size())).clone();
        int flips = random.nextInt(maxFlips + 1);
        for (int f = 0; f < flips; f++) {
            int bit = random.nextInt(bits);
            HashCodeTestCase.flipBit(code, bit);
        }
        return code;
    }

    public static int distance(byte[] a, byte[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
        }
        return d;
    }
}
