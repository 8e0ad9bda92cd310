package org.imagehash.search.mih;

import org.imagehash.search.HashCodeTestCase;

/** The planner's cost model: what it charges for a top k's postings against a radius probe's, by segment size. */
public class ProbeCostTests extends HashCodeTestCase {

    public void testTopKPostingsCostMoreOnlyWhereTheCodesFitTheCaches() {
        int cachedDocs = 1_000_000; // 8 MB of 64-bit codes
        int uncachedDocs = 10_000_000; // 80 MB
        assertEquals(
            ProbeCost.probe(100, 1000 * ProbeCost.TOP_K_POSTING_FACTOR, cachedDocs, 1),
            ProbeCost.topKProbe(100, 1000, cachedDocs, 1),
            0
        );
        assertTrue(ProbeCost.topKProbe(100, 1000, cachedDocs, 1) > ProbeCost.probe(100, 1000, cachedDocs, 1));
        // beyond the caches every posting is a miss either way: the same price as a radius probe's
        assertEquals(ProbeCost.probe(100, 1000, uncachedDocs, 1), ProbeCost.topKProbe(100, 1000, uncachedDocs, 1), 0);
        // the lookups are priced alike
        assertEquals(ProbeCost.probe(100, 0, cachedDocs, 1), ProbeCost.topKProbe(100, 0, cachedDocs, 1), 0);
    }

    public void testTheCacheLimitCountsBytesOfCodesNotDocuments() {
        // 1M 256-bit codes are 32 MB: past the limit, though 1M 64-bit codes are within it
        assertEquals(ProbeCost.probe(1, 10, 1_000_000, 4), ProbeCost.topKProbe(1, 10, 1_000_000, 4), 0);
        assertTrue(ProbeCost.topKProbe(1, 10, 1_000_000, 1) > ProbeCost.probe(1, 10, 1_000_000, 1));
    }

    public void testBeyondTheCachesOnlyOneWordCodesReadTheirPostingsInSequence() {
        // 10M 64-bit codes (80 MB) keep each posting's code beside it: no miss per posting; 2.5M 256-bit codes (80 MB
        // too) do not, and 1M 64-bit codes stay in the caches
        assertTrue(SegmentSubstrings.keepsCodes(10_000_000, 1));
        assertFalse(SegmentSubstrings.keepsCodes(2_500_000, 4));
        assertFalse(SegmentSubstrings.keepsCodes(1_000_000, 1));
        assertTrue(ProbeCost.probe(0, 1000, 10_000_000, 1) * 5 < ProbeCost.probe(0, 1000, 2_500_000, 4));
        assertEquals(ProbeCost.probe(1, 0, 10_000_000, 1), ProbeCost.probe(1, 0, 2_500_000, 4), 0); // lookups still miss
    }
}
