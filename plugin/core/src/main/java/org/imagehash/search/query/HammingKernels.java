package org.imagehash.search.query;

import org.imagehash.search.index.SegmentCodes;

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

    /**
     * Documents per block: a block's codes (2 KB at 64 bits) stay in L1 for the second look at its documents. The
     * layout's block ({@link SegmentCodes#BLOCK}): within it, each word of the codes is contiguous.
     */
    static final int BLOCK = SegmentCodes.BLOCK;

    private HammingKernels() {}

    /** Distance between {@code query} and document {@code doc}'s code in a segment's packed {@code codes}. */
    static int distance(long[] codes, int doc, long[] query, int words) {
        if (words == 1) {
            return Long.bitCount(codes[doc] ^ query[0]); // the offset is the doc itself: spared on the hottest path
        }
        final int o = SegmentCodes.offset(doc, words);
        return switch (words) {
            case 2 -> Long.bitCount(codes[o] ^ query[0]) + Long.bitCount(codes[o + BLOCK] ^ query[1]);
            case 4 -> Long.bitCount(codes[o] ^ query[0]) + Long.bitCount(codes[o + BLOCK] ^ query[1])
                + Long.bitCount(codes[o + 2 * BLOCK] ^ query[2]) + Long.bitCount(codes[o + 3 * BLOCK] ^ query[3]);
            default -> {
                int d = 0;
                for (int w = 0; w < words; w++) {
                    d += Long.bitCount(codes[o + w * BLOCK] ^ query[w]);
                }
                yield d;
            }
        };
    }

    /**
     * The least distance between {@code query} and the codes of documents {@code start .. end - 1}, which lie in one
     * block of the layout.
     */
    static int blockMin(long[] codes, int start, int end, long[] query, int words) {
        final int o = SegmentCodes.offset(start, words);
        final int n = end - start;
        return switch (words) {
            case 1 -> blockMin1(codes, o, n, query[0]);
            case 2 -> blockMin2(codes, o, n, query[0], query[1]);
            case 4 -> blockMin4(codes, o, n, query[0], query[1], query[2], query[3]);
            default -> blockMinN(codes, o, n, query, words);
        };
    }

    // Each loop reads its words at a stride of one (the layout puts word w of a block's codes together), so the JIT
    // vectorises XOR, popcount, the sum and the minimum over several codes at once.

    private static int blockMin1(long[] c, int o, int n, long q0) {
        int min = Integer.MAX_VALUE;
        for (int i = o, end = o + n; i < end; i++) {
            min = Math.min(min, Long.bitCount(c[i] ^ q0));
        }
        return min;
    }

    private static int blockMin2(long[] c, int o, int n, long q0, long q1) {
        int min = Integer.MAX_VALUE;
        for (int i = o, end = o + n; i < end; i++) {
            min = Math.min(min, Long.bitCount(c[i] ^ q0) + Long.bitCount(c[i + BLOCK] ^ q1));
        }
        return min;
    }

    private static int blockMin4(long[] c, int o, int n, long q0, long q1, long q2, long q3) {
        int min = Integer.MAX_VALUE;
        for (int i = o, end = o + n; i < end; i++) {
            min = Math.min(
                min,
                Long.bitCount(c[i] ^ q0) + Long.bitCount(c[i + BLOCK] ^ q1) + Long.bitCount(c[i + 2 * BLOCK] ^ q2)
                    + Long.bitCount(c[i + 3 * BLOCK] ^ q3)
            );
        }
        return min;
    }

    private static int blockMinN(long[] c, int o, int n, long[] query, int words) {
        int min = Integer.MAX_VALUE;
        for (int i = o, end = o + n; i < end; i++) {
            int d = 0;
            for (int w = 0; w < words; w++) {
                d += Long.bitCount(c[i + w * BLOCK] ^ query[w]);
            }
            min = Math.min(min, d);
        }
        return min;
    }
}
