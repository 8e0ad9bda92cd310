import java.util.Locale;
import java.util.Random;

/**
 * Why codes over 64 bits are stored block by block (SegmentCodes): the block-minimum loop of the scan over 100k random
 * 128- and 256-bit codes in cache, with the codes stored whole one after another (the old layout: the loop reads at a
 * stride of 2 or 4 words and C2 leaves it scalar), the same with independent minimums (does the dependency chain
 * matter?), and stored word by word in blocks of 256 (stride one: vectorised). Prints ns per code for each, the last 3
 * of 6 rounds. No project classes: the loops are written out here as they are in HammingKernels.
 *
 *   java -XX:+AlwaysPreTouch -Xms1g -Xmx1g bench/kernels/LayoutLoops.java
 */
public class LayoutLoops {

    static final int BLOCK = 256;

    static int whole2(long[] c, int start, int end, long q0, long q1) {
        int min = Integer.MAX_VALUE;
        for (int doc = start, o = start * 2; doc < end; doc++, o += 2) {
            min = Math.min(min, Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1));
        }
        return min;
    }

    static int whole2FourMinimums(long[] c, int start, int end, long q0, long q1) {
        int m0 = Integer.MAX_VALUE, m1 = Integer.MAX_VALUE, m2 = Integer.MAX_VALUE, m3 = Integer.MAX_VALUE;
        for (int doc = start, o = start * 2; doc < end; doc += 4, o += 8) { // blocks of 256: a multiple of 4
            m0 = Math.min(m0, Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1));
            m1 = Math.min(m1, Long.bitCount(c[o + 2] ^ q0) + Long.bitCount(c[o + 3] ^ q1));
            m2 = Math.min(m2, Long.bitCount(c[o + 4] ^ q0) + Long.bitCount(c[o + 5] ^ q1));
            m3 = Math.min(m3, Long.bitCount(c[o + 6] ^ q0) + Long.bitCount(c[o + 7] ^ q1));
        }
        return Math.min(Math.min(m0, m1), Math.min(m2, m3));
    }

    static int blocked2(long[] c, int start, int end, long q0, long q1) {
        int min = Integer.MAX_VALUE;
        for (int i = start * 2 - (start & (BLOCK - 1)), n = i + (end - start); i < n; i++) {
            min = Math.min(min, Long.bitCount(c[i] ^ q0) + Long.bitCount(c[i + BLOCK] ^ q1));
        }
        return min;
    }

    static int whole4(long[] c, int start, int end, long q0, long q1, long q2, long q3) {
        int min = Integer.MAX_VALUE;
        for (int doc = start, o = start * 4; doc < end; doc++, o += 4) {
            min = Math.min(min, Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1) + Long.bitCount(c[o + 2] ^ q2)
                + Long.bitCount(c[o + 3] ^ q3));
        }
        return min;
    }

    static int whole4TwoMinimums(long[] c, int start, int end, long q0, long q1, long q2, long q3) {
        int m0 = Integer.MAX_VALUE, m1 = Integer.MAX_VALUE;
        for (int doc = start, o = start * 4; doc < end; doc += 2, o += 8) {
            m0 = Math.min(m0, Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1) + Long.bitCount(c[o + 2] ^ q2)
                + Long.bitCount(c[o + 3] ^ q3));
            m1 = Math.min(m1, Long.bitCount(c[o + 4] ^ q0) + Long.bitCount(c[o + 5] ^ q1) + Long.bitCount(c[o + 6] ^ q2)
                + Long.bitCount(c[o + 7] ^ q3));
        }
        return Math.min(m0, m1);
    }

    static int blocked4(long[] c, int start, int end, long q0, long q1, long q2, long q3) {
        int min = Integer.MAX_VALUE;
        for (int i = start * 4 - 3 * (start & (BLOCK - 1)), n = i + (end - start); i < n; i++) {
            min = Math.min(min, Long.bitCount(c[i] ^ q0) + Long.bitCount(c[i + BLOCK] ^ q1) + Long.bitCount(c[i + 2 * BLOCK] ^ q2)
                + Long.bitCount(c[i + 3 * BLOCK] ^ q3));
        }
        return min;
    }

    public static void main(String[] args) {
        int n = 100_000 / BLOCK * BLOCK;
        Random random = new Random(1);
        long[] c = new long[n * 4]; // random words: the same array serves every layout
        for (int i = 0; i < c.length; i++) {
            c[i] = random.nextLong();
        }
        long q0 = random.nextLong(), q1 = random.nextLong(), q2 = random.nextLong(), q3 = random.nextLong();
        String[] names = { "128 whole", "128 whole, 4 minimums", "128 blocked", "256 whole", "256 whole, 2 minimums", "256 blocked" };
        for (int round = 0; round < 6; round++) {
            for (int v = 0; v < names.length; v++) {
                long t0 = System.nanoTime();
                int sink = 0;
                for (int rep = 0; rep < 200; rep++) {
                    for (int s = 0; s < n; s += BLOCK) {
                        sink += switch (v) {
                            case 0 -> whole2(c, s, s + BLOCK, q0, q1);
                            case 1 -> whole2FourMinimums(c, s, s + BLOCK, q0, q1);
                            case 2 -> blocked2(c, s, s + BLOCK, q0, q1);
                            case 3 -> whole4(c, s, s + BLOCK, q0, q1, q2, q3);
                            case 4 -> whole4TwoMinimums(c, s, s + BLOCK, q0, q1, q2, q3);
                            default -> blocked4(c, s, s + BLOCK, q0, q1, q2, q3);
                        };
                    }
                }
                if (round >= 3) {
                    System.out.printf(Locale.ROOT, "round %d  %-22s %.3f ns/code (%d)%n", round, names[v], (System.nanoTime() - t0) / 200.0 / n, sink & 1);
                }
            }
        }
    }
}
