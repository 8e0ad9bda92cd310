package org.imagehash.search.query;

import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.mih.SubstringLayout;

/**
 * What a top-k query will meet in a large segment, estimated before any lookup from a sample of its codes: the k-th
 * nearest distance, and the postings that probing to given radii would read. The planner needs both before it commits:
 * probing pays only when the neighbours are near, and finding out by probing costs up to a scan when they are far
 * (random codes, a large k), which made the planner lose to the scan by up to 2x (docs/BENCHMARKS-MIH.md).
 *
 * <p>The sample is {@link #RUNS} contiguous runs spread over the segment, 1/{@link #FRACTION} of its documents in
 * all: runs stream at the scan's speed (a stride would touch a cache line per code) and spreading them keeps a
 * segment written cluster by cluster from showing one cluster only. For small k the estimate errs high (the sample's
 * nearest code stands for the {@code FRACTION} nearest of the segment), so the planner errs towards the scan, which
 * never loses.
 */
final class SegmentSample {

    /** Segments smaller than this are not sampled (their scan is cheap; the planner's running guard suffices). */
    static final int MIN_DOCS = 1 << 15;
    static final int FRACTION = 256;
    static final int RUNS = 16;
    /** At most this many sampled codes are split into substrings for the postings estimate (it costs m popcounts each). */
    static final int SUBSTRING_CODES = 2048;

    private final SegmentCodes codes;
    private final long[] query;
    private final int runLength;

    SegmentSample(SegmentCodes codes, long[] query) {
        this.codes = codes;
        this.query = query;
        this.runLength = Math.max(1, codes.maxDoc() / FRACTION / RUNS);
    }

    static boolean worthSampling(SegmentCodes codes) {
        return codes.maxDoc() >= MIN_DOCS;
    }

    private int sampled() {
        return runLength * RUNS;
    }

    private int runStart(int run) {
        return (int) ((long) run * codes.maxDoc() / RUNS);
    }

    /**
     * The least distance {@code d <= limit} within which the segment's {@code population} candidates hold about
     * {@code k} codes, scaling the sample's counts up; {@code limit} when the sample suggests fewer than k within it.
     */
    int kthDistance(int k, long population, int limit) {
        final long[] c = codes.codes();
        final int words = codes.words();
        final int[] within = new int[limit + 1];
        for (int run = 0; run < RUNS; run++) {
            int start = runStart(run);
            for (int doc = start, end = start + runLength; doc < end; doc++) {
                int d = HammingKernels.distance(c, doc, query, words);
                if (d <= limit) { // rare where sampling matters (far neighbours); a shared counter for all codes beyond the
                    within[d]++; // limit made every increment wait for the one before it
                }
            }
        }
        double scale = (double) population / sampled();
        long count = 0;
        for (int d = 0; d <= limit; d++) {
            count += within[d];
            if (count * scale >= k) {
                return d;
            }
        }
        return limit;
    }

    /**
     * Postings that probing substring {@code j} to {@code radius[j]} (for every j) would read in a segment of
     * {@code population} candidates: the sampled codes within each substring's radius, scaled up.
     */
    double postings(SubstringLayout layout, long[] querySubstrings, int[] radius, long population) {
        final int perRun = Math.max(1, Math.min(runLength, SUBSTRING_CODES / RUNS));
        long hits = 0;
        for (int run = 0; run < RUNS; run++) {
            int start = runStart(run);
            for (int doc = start, end = start + perRun; doc < end; doc++) {
                for (int j = 0; j < radius.length; j++) {
                    if (Long.bitCount(layout.substring(codes, doc, j) ^ querySubstrings[j]) <= radius[j]) {
                        hits++;
                    }
                }
            }
        }
        return (double) hits * population / ((long) perRun * RUNS);
    }
}
