package org.imagehash.search.query;

/**
 * The one set of width specialisations behind every scan: XOR and popcount over codes packed in a segment's
 * {@code long[]}, with dedicated loops for codes of 1, 2 and 4 words (64, 128 and 256 bits) and a generic loop for the
 * rest. {@link Long#bitCount} compiles to one POPCNT instruction on x86-64 and to CNT on AArch64.
 *
 * <p>{@link #blockMin} is the hot loop: branch-free, so the JIT vectorises XOR, popcount and min over several codes at
 * once. Scans call it per block of documents and look at single documents ({@link #distance}) only in the rare blocks
 * that hold one within their current limit; the switch on the width is taken once per block, not per document.
 */
final class HammingKernels {

    /** Documents per block: a block's codes (2 KB at 64 bits) stay in L1 for the second look at its documents. */
    static final int BLOCK = 256;

    private HammingKernels() {}

    /** Distance between {@code query} and the code at {@code codes[offset ... offset + words - 1]}. */
    static int distance(long[] codes, int offset, long[] query, int words) {
        return switch (words) {
            case 1 -> Long.bitCount(codes[offset] ^ query[0]);
            case 2 -> Long.bitCount(codes[offset] ^ query[0]) + Long.bitCount(codes[offset + 1] ^ query[1]);
            case 4 -> Long.bitCount(codes[offset] ^ query[0]) + Long.bitCount(codes[offset + 1] ^ query[1])
                + Long.bitCount(codes[offset + 2] ^ query[2]) + Long.bitCount(codes[offset + 3] ^ query[3]);
            default -> {
                int d = 0;
                for (int w = 0; w < words; w++) {
                    d += Long.bitCount(codes[offset + w] ^ query[w]);
                }
                yield d;
            }
        };
    }

    /** The least distance between {@code query} and the codes of documents {@code start .. end - 1}. */
    static int blockMin(long[] codes, int start, int end, long[] query, int words) {
        return switch (words) {
            case 1 -> blockMin1(codes, start, end, query[0]);
            case 2 -> blockMin2(codes, start, end, query[0], query[1]);
            case 4 -> blockMin4(codes, start, end, query[0], query[1], query[2], query[3]);
            default -> blockMinN(codes, start, end, query, words);
        };
    }

    private static int blockMin1(long[] c, int start, int end, long q0) {
        int min = Integer.MAX_VALUE;
        for (int doc = start; doc < end; doc++) {
            min = Math.min(min, Long.bitCount(c[doc] ^ q0));
        }
        return min;
    }

    private static int blockMin2(long[] c, int start, int end, long q0, long q1) {
        int min = Integer.MAX_VALUE;
        for (int doc = start, o = start * 2; doc < end; doc++, o += 2) {
            min = Math.min(min, Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1));
        }
        return min;
    }

    private static int blockMin4(long[] c, int start, int end, long q0, long q1, long q2, long q3) {
        int min = Integer.MAX_VALUE;
        for (int doc = start, o = start * 4; doc < end; doc++, o += 4) {
            min = Math.min(
                min,
                Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1) + Long.bitCount(c[o + 2] ^ q2) + Long.bitCount(c[o + 3] ^ q3)
            );
        }
        return min;
    }

    private static int blockMinN(long[] c, int start, int end, long[] query, int words) {
        int min = Integer.MAX_VALUE;
        for (int doc = start, o = start * words; doc < end; doc++, o += words) {
            int d = 0;
            for (int w = 0; w < words; w++) {
                d += Long.bitCount(c[o + w] ^ query[w]);
            }
            min = Math.min(min, d);
        }
        return min;
    }
}
