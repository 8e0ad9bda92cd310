package org.imagehash.search.mih;

import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;

/**
 * Looks up one segment's substring terms: for substring {@code j} of the query and a radius {@code s}, every stored
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
    private final TermsEnum termsEnum;
    private final BytesRef term;
    private final double postingsPerTerm;
    private PostingsEnum postings;
    private long probes;
    private long postingsRead;

    private SegmentProber(SubstringLayout layout, long[] querySubstrings, Terms terms) throws IOException {
        this.layout = layout;
        this.querySubstrings = querySubstrings;
        this.termsEnum = terms.iterator();
        this.term = layout.newTermBuffer();
        long size = terms.size();
        long sumDocFreq = terms.getSumDocFreq();
        this.postingsPerTerm = size > 0 && sumDocFreq > 0 ? (double) sumDocFreq / size : 1;
    }

    /** @return null when the segment has no substring terms for {@code field} (no document with a code) */
    public static SegmentProber open(LeafReader reader, String field, SubstringLayout layout, long[] queryWords) throws IOException {
        Terms terms = reader.terms(SubstringLayout.termField(field));
        if (terms == null) {
            return null;
        }
        return new SegmentProber(layout, layout.substrings(queryWords), terms);
    }

    /** Mean number of documents per indexed substring value in this segment: the planner's guess per probe. */
    public double postingsPerTerm() {
        return postingsPerTerm;
    }

    /** Term lookups so far. */
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
        if (s == 0) {
            lookup(j, q, consumer);
            return;
        }
        long end = 1L << length;
        long mask = (1L << s) - 1;
        while (mask < end) {
            lookup(j, q ^ mask, consumer);
            long c = mask & -mask;
            long r = mask + c;
            mask = (((r ^ mask) >>> 2) / c) | r;
        }
    }

    private void lookup(int j, long value, DocConsumer consumer) throws IOException {
        probes++;
        layout.term(j, value, term);
        if (termsEnum.seekExact(term) == false) {
            return;
        }
        postings = termsEnum.postings(postings, PostingsEnum.NONE);
        for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
            postingsRead++;
            consumer.accept(doc);
        }
    }
}
