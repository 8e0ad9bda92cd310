package org.imagehash.search.mih;

import org.apache.lucene.index.LeafReaderContext;
import org.imagehash.search.index.SegmentCache;

import java.io.IOException;

/**
 * Probes one segment's substring tables: for substring {@code j} of the query and a radius {@code s}, every stored
 * code whose substring {@code j} differs from the query's in exactly {@code s} bits. Counts its work so that a planner
 * can compare it with a linear scan.
 */
public final class SegmentProber {

    /** Receives the documents of the probed buckets; a document may come several times (once per matching substring). */
    @FunctionalInterface
    public interface DocConsumer {
        void accept(int doc) throws IOException;
    }

    private final SubstringLayout layout;
    private final long[] querySubstrings;
    private final SegmentSubstrings tables;
    private long probes;
    private long postingsRead;

    private SegmentProber(SubstringLayout layout, long[] querySubstrings, SegmentSubstrings tables) {
        this.layout = layout;
        this.querySubstrings = querySubstrings;
        this.tables = tables;
    }

    /** @return null when the segment has no substring terms for {@code field} (no document with a code) */
    public static SegmentProber open(
        LeafReaderContext context,
        String field,
        SubstringLayout layout,
        long[] queryWords,
        SegmentCache cache
    ) throws IOException {
        // the substring tables are cached and charged beside the packed codes: their estimate while they are built
        long estimate = SegmentSubstrings.estimateBytes(context.reader().maxDoc(), layout);
        SegmentSubstrings tables = cache.get(context, "substrings/" + layout + "/" + field, estimate, r -> SegmentSubstrings.load(r, field, layout));
        if (tables == null) {
            return null;
        }
        return new SegmentProber(layout, layout.substrings(queryWords), tables);
    }

    /** Mean number of documents per stored substring value in this segment: the planner's guess per probe. */
    public double postingsPerTerm() {
        return tables.postingsPerValue();
    }

    /** Lookups so far. */
    public long probes() {
        return probes;
    }

    /** Postings read so far (documents handed to consumers, duplicates included). */
    public long postingsRead() {
        return postingsRead;
    }

    /**
     * Hands every document whose substring {@code j} is exactly {@code s} bits from the query's to {@code consumer}.
     * Values are enumerated as XOR masks of weight {@code s} in increasing order (Gosper's hack).
     */
    public void probe(int j, int s, DocConsumer consumer) throws IOException {
        int length = layout.length(j);
        if (s < 0 || s > length) {
            return;
        }
        long q = querySubstrings[j];
        int[] docs = tables.docs(j);
        if (s == 0) {
            lookup(j, q, docs, consumer);
            return;
        }
        long end = 1L << length;
        long mask = (1L << s) - 1;
        while (mask < end) {
            lookup(j, q ^ mask, docs, consumer);
            long c = mask & -mask;
            long r = mask + c;
            mask = (((r ^ mask) >>> 2) / c) | r;
        }
    }

    private void lookup(int j, long value, int[] docs, DocConsumer consumer) throws IOException {
        probes++;
        long range = tables.range(j, value);
        int from = (int) (range >>> 32);
        int to = (int) range;
        postingsRead += to - from;
        for (int i = from; i < to; i++) {
            consumer.accept(docs[i]);
        }
    }
}
