package org.imagehash.search.mih;

import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.RamUsageEstimator;
import org.imagehash.search.index.SegmentCodes;

/**
 * The codes of a segment's substring postings, kept beside them in the same order: verifying a posting is then the next
 * word of a sequential read instead of a random access into the packed codes. Worth it where those accesses miss the
 * caches (about 100 ns each in a segment of 10M codes, which made a probe's postings, not its lookups, its cost): only
 * for codes of one word (64 bits or fewer) in segments whose packed codes pass {@link ProbeCost#cached}'s 16 MB (over
 * 2M codes). Costs 8 bytes per document and substring, so it is optional: where the memory accounting refuses it, the
 * probe verifies from the packed codes as in smaller segments.
 */
public final class PostingCodes implements Accountable {

    private static final long BASE_RAM = RamUsageEstimator.shallowSizeOfInstance(PostingCodes.class);

    private final long[][] codes; // codes[j][i]: the code of the tables' docs(j)[i]

    private PostingCodes(long[][] codes) {
        this.codes = codes;
    }

    /** Whether a segment of {@code maxDoc} documents with codes of {@code words} words is worth keeping them for. */
    public static boolean worthKeeping(long maxDoc, int words) {
        return words == 1 && ProbeCost.cached(maxDoc, words) == false;
    }

    /** Copies each posting's code out of the segment's packed codes (one word per document: its index is the doc). */
    static PostingCodes copy(SegmentSubstrings tables, SegmentCodes segmentCodes) {
        long[] packed = segmentCodes.codes();
        long[][] codes = new long[tables.count()][];
        for (int j = 0; j < codes.length; j++) {
            int[] docs = tables.docs(j);
            long[] c = codes[j] = new long[docs.length];
            for (int i = 0; i < docs.length; i++) {
                c[i] = packed[docs[i]];
            }
        }
        return new PostingCodes(codes);
    }

    /** Bytes that {@link #copy} will take for a segment of {@code docs} documents with a code. */
    static long estimateBytes(long docs, SubstringLayout layout) {
        return BASE_RAM + layout.count() * (RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + 8 * docs);
    }

    long[] codes(int j) {
        return codes[j];
    }

    @Override
    public long ramBytesUsed() {
        long bytes = BASE_RAM + RamUsageEstimator.shallowSizeOf(codes);
        for (long[] c : codes) {
            bytes += RamUsageEstimator.sizeOf(c);
        }
        return bytes;
    }
}
