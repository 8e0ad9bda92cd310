package org.imagehash.search.query;

/**
 * Hamming distance between a query code and the codes packed in a segment's {@code long[]}: XOR and popcount over
 * 64-bit words, read in place. {@link Long#bitCount} compiles to one POPCNT instruction on x86-64 and to CNT on
 * AArch64.
 */
final class HammingDistance {

    private HammingDistance() {}

    /** Distance between {@code query} and the code at {@code codes[offset ... offset + words - 1]}. */
    static int distance(long[] codes, int offset, long[] query, int words) {
        return switch (words) {
            case 1 -> Long.bitCount(codes[offset] ^ query[0]);
            case 2 -> Long.bitCount(codes[offset] ^ query[0]) + Long.bitCount(codes[offset + 1] ^ query[1]);
            case 4 -> Long.bitCount(codes[offset] ^ query[0]) + Long.bitCount(codes[offset + 1] ^ query[1]) + Long.bitCount(
                codes[offset + 2] ^ query[2]
            ) + Long.bitCount(codes[offset + 3] ^ query[3]);
            default -> {
                int d = 0;
                for (int w = 0; w < words; w++) {
                    d += Long.bitCount(codes[offset + w] ^ query[w]);
                }
                yield d;
            }
        };
    }
}
