package org.imagehash.search.mih;

import org.imagehash.search.HashCodeTestCase;

/** The planner's cost model: what it charges for a top k's postings against a radius probe's, by segment size. */
public class ProbeCostTests extends HashCodeTestCase {

    public void testTopKPostingsCostMoreOnlyWhereTheCodesFitTheCaches() {
        int cachedDocs = 1_000_000; // 8 MB of 64-bit codes
        int uncachedDocs = 10_000_000; // 80 MB
        assertEquals(
            ProbeCost.probe(100, 1000 * ProbeCost.TOP_K_POSTING_FACTOR, cachedDocs, 1, false),
            ProbeCost.topKProbe(100, 1000, cachedDocs, 1, false),
            0
        );
        assertTrue(ProbeCost.topKProbe(100, 1000, cachedDocs, 1, false) > ProbeCost.probe(100, 1000, cachedDocs, 1, false));
        // beyond the caches every posting is a miss either way: the same price as a radius probe's
        assertEquals(ProbeCost.probe(100, 1000, uncachedDocs, 1, false), ProbeCost.topKProbe(100, 1000, uncachedDocs, 1, false), 0);
        // the lookups are priced alike
        assertEquals(ProbeCost.probe(100, 0, cachedDocs, 1, false), ProbeCost.topKProbe(100, 0, cachedDocs, 1, false), 0);
    }

    public void testTheCacheLimitCountsBytesOfCodesNotDocuments() {
        // 1M 256-bit codes are 32 MB: past the limit, though 1M 64-bit codes are within it
        assertEquals(ProbeCost.probe(1, 10, 1_000_000, 4, false), ProbeCost.topKProbe(1, 10, 1_000_000, 4, false), 0);
        assertTrue(ProbeCost.topKProbe(1, 10, 1_000_000, 1, false) > ProbeCost.probe(1, 10, 1_000_000, 1, false));
    }

    public void testBeyondTheCachesOnlyOneWordCodesReadTheirPostingsInSequence() {
        // 10M 64-bit codes (80 MB) are worth keeping each posting's code beside it: no miss per posting; 2.5M 256-bit
        // codes (80 MB too) are not, and 1M 64-bit codes stay in the caches
        assertTrue(PostingCodes.worthKeeping(10_000_000, 1));
        assertFalse(PostingCodes.worthKeeping(2_500_000, 4));
        assertFalse(PostingCodes.worthKeeping(1_000_000, 1));
        assertTrue(ProbeCost.probe(0, 1000, 10_000_000, 1, true) * 5 < ProbeCost.probe(0, 1000, 10_000_000, 1, false));
        assertEquals(ProbeCost.probe(1, 0, 10_000_000, 1, true), ProbeCost.probe(1, 0, 10_000_000, 1, false), 0); // lookups still miss
    }
}
