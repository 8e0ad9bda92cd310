package org.imagehash.search.mih;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Terms;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.IntsRef;
import org.apache.lucene.util.LongsRef;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.index.SegmentCodes;

import java.io.IOException;

/**
 * Probes one segment's substring tables: for substring {@code j} of the query and a radius {@code s}, every stored
 * code whose substring {@code j} differs from the query's in exactly {@code s} bits. Counts its work so that a planner
 * can compare it with a linear scan.
 */
public final class SegmentProber {

    /**
     * Receives the documents of the probed buckets with the substring whose bucket held them; a document may come several
     * times (once per matching substring). {@code code} is the document's code where the tables keep codes beside
     * their postings ({@link #codesBesidePostings()}), else 0: read it from the packed codes.
     */
    @FunctionalInterface
    public interface DocConsumer {
        void accept(int substring, int doc, long code) throws IOException;
    }

    private final SubstringLayout layout;
    private final long[] querySubstrings;
    private final SegmentSubstrings tables;
    private final PostingCodes postingCodes; // null: verify from the packed codes
    private long probes;
    private long postingsRead;
    // the non-empty buckets looked up by collect and not yet read: from << 32 | to in docs(substring); allocated by the
    // first collect (a top k that gives up after its first rounds collects little)
    private long[] collected = LongsRef.EMPTY_LONGS;
    private int[] collectedSubstring = IntsRef.EMPTY_INTS;
    private int collectedCount;

    private SegmentProber(SubstringLayout layout, long[] querySubstrings, SegmentSubstrings tables, PostingCodes postingCodes) {
        this.layout = layout;
        this.querySubstrings = querySubstrings;
        this.tables = tables;
        this.postingCodes = postingCodes;
    }

    /**
     * @param querySubstrings the query code's substrings ({@link SubstringLayout#substrings}), split once per query
     * @param codes the segment's packed codes of the field
     * @return null when the segment's substring terms do not cover every document with a code: none at all, or a
     *     segment that holds documents written before the field indexed substrings (a mapping from before substrings
     *     were on by default gets them after an upgrade, and merges mix old and new documents); such a segment must be
     *     scanned, since probing would miss the uncovered codes
     */
    public static SegmentProber open(
        LeafReaderContext context,
        String field,
        SubstringLayout layout,
        long[] querySubstrings,
        SegmentCodes codes,
        SegmentCache cache
    ) throws IOException {
        Terms terms = context.reader().terms(SubstringLayout.termField(field));
        if (terms == null || terms.getDocCount() != codes.count()) {
            return null;
        }
        // the substring tables are cached and charged beside the packed codes: their estimate while they are built
        long estimate = SegmentSubstrings.estimateBytes(context.reader().maxDoc(), layout);
        String key = layout + "/" + field;
        SegmentSubstrings tables = cache.get(context, "substrings/" + key, estimate, r -> SegmentSubstrings.load(r, field, layout));
        if (tables == null) {
            return null;
        }
        PostingCodes postingCodes = null;
        if (PostingCodes.worthKeeping(context.reader().maxDoc(), codes.words())) {
            // only a speed-up: refused by the memory accounting, it is done without (and not asked for again)
            postingCodes = cache.getIfAllowed(
                context,
                "substring-codes/" + key,
                PostingCodes.estimateBytes(context.reader().maxDoc(), layout),
                r -> PostingCodes.copy(tables, codes)
            );
        }
        return new SegmentProber(layout, querySubstrings, tables, postingCodes);
    }

    /** Whether consumers get each document's code with it ({@link DocConsumer}). */
    public boolean codesBesidePostings() {
        return postingCodes != null;
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
     */
    public void probe(int j, int s, DocConsumer consumer) throws IOException {
        int[] docs = tables.docs(j);
        forEachValue(j, s, value -> {
            probes++;
            read(j, docs, tables.range(j, value), consumer);
        });
    }

    /**
     * Looks up the buckets of substring {@code j} at exactly {@code s} bits from the query's and keeps the non-empty
     * ones for {@link #readCollected}, which then reads them without a second lookup; the lookups count as probes.
     * A planner learns a round's real cost this way, from the sizes of the query's own buckets, before paying for its
     * postings, and pays for the lookups once (counting and then probing looked every bucket up twice).
     *
     * <p>It keeps up to {@code C(length, s)} buckets: callers collect only rounds whose lookups they could afford (the
     * planner, rounds that cost less than the scan); {@link #probe} streams instead.
     *
     * @return the postings that reading the buckets will hand over
     */
    public long collect(int j, int s) throws IOException {
        long lookups = layout.probesAt(j, s);
        if (collectedCount + lookups > collected.length) { // grown once per round, not bucket by bucket
            collected = ArrayUtil.grow(collected, Math.toIntExact(collectedCount + lookups));
            collectedSubstring = ArrayUtil.growExact(collectedSubstring, collected.length);
        }
        int first = collectedCount;
        forEachValue(j, s, value -> {
            probes++;
            long range = tables.range(j, value);
            if ((int) range > (int) (range >>> 32)) { // not empty
                collected[collectedCount] = range;
                collectedSubstring[collectedCount++] = j;
            }
        });
        long postings = 0;
        for (int b = first; b < collectedCount; b++) {
            postings += (int) collected[b] - (int) (collected[b] >>> 32);
        }
        return postings;
    }

    /** Hands the documents of every bucket collected since the last read to {@code consumer}, in collection order. */
    public void readCollected(DocConsumer consumer) throws IOException {
        for (int b = 0; b < collectedCount; b++) {
            int j = collectedSubstring[b];
            read(j, tables.docs(j), collected[b], consumer);
        }
        collectedCount = 0;
    }

    private void read(int j, int[] docs, long range, DocConsumer consumer) throws IOException {
        int from = (int) (range >>> 32);
        int to = (int) range;
        postingsRead += to - from;
        if (postingCodes == null) {
            for (int i = from; i < to; i++) {
                consumer.accept(j, docs[i], 0);
            }
        } else {
            long[] codes = postingCodes.codes(j);
            for (int i = from; i < to; i++) {
                consumer.accept(j, docs[i], codes[i]);
            }
        }
    }

    @FunctionalInterface
    private interface ValueConsumer {
        void accept(long value) throws IOException;
    }

    /**
     * Every value of substring {@code j} exactly {@code s} bits from the query's: XOR masks of weight {@code s} in
     * increasing order (Gosper's hack).
     */
    private void forEachValue(int j, int s, ValueConsumer consumer) throws IOException {
        int length = layout.length(j);
        if (s < 0 || s > length) {
            return;
        }
        long q = querySubstrings[j];
        if (s == 0) {
            consumer.accept(q);
            return;
        }
        long end = 1L << length;
        long mask = (1L << s) - 1;
        while (mask < end) {
            consumer.accept(q ^ mask);
            long c = mask & -mask;
            long r = mask + c;
            mask = (((r ^ mask) >>> 2) / c) | r;
        }
    }
}
