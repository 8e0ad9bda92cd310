package org.imagehash.search.query;

import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.DocIdSetBuilder;
import org.apache.lucene.util.FixedBitSet;
import org.imagehash.search.index.SegmentCodes;

import java.io.IOException;

/**
 * The linear-scan strategy: every code of a segment read in blocks of {@link HammingKernels#BLOCK} documents. A
 * first, branch-free pass takes the least distance in the block ({@link HammingKernels#blockMin}); only when it is
 * within the current limit does a second pass over the same block (now in L1) look at single documents. Once a top-k
 * limit has fallen to the k-th distance, almost every block is skipped after the first pass. A skipped block holds no
 * code within the limit, so the documents selected are exactly those of a document-by-document scan.
 *
 * <p>Liveness, presence and filters are checked only for the rare documents within the limit.
 */
final class SegmentScan {

    /**
     * A filter that matches at least this fraction of a segment goes through the block scan (as a bit set); a sparser
     * one is followed document by document.
     */
    static final int DENSE_FILTER_FRACTION = 32;

    private SegmentScan() {}

    /** Offers every live document with a code within the selector's limit, in doc order. */
    static void topK(SegmentCodes codes, long[] query, Bits liveDocs, int docBase, TopKSelector selector) {
        final long[] c = codes.codes();
        final int maxDoc = codes.maxDoc();
        final int words = codes.words();
        int limit = selector.limit();
        for (int start = 0; start < maxDoc; start += HammingKernels.BLOCK) {
            final int end = Math.min(maxDoc, start + HammingKernels.BLOCK);
            if (HammingKernels.blockMin(c, start, end, query, words) > limit) {
                continue;
            }
            for (int doc = start; doc < end; doc++) {
                int d = HammingKernels.distance(c, doc * words, query, words);
                if (d <= limit && accept(codes, liveDocs, doc)) {
                    limit = selector.offer(docBase + doc, d);
                }
            }
        }
    }

    /**
     * {@link #topK} among the documents of {@code filter}. A sparse filter is followed document by document; a dense
     * one is loaded into a bit set and checked, before the distance, only in the blocks that hold a code within the
     * limit.
     */
    static void topK(SegmentCodes codes, long[] query, Bits liveDocs, DocIdSetIterator filter, int docBase, TopKSelector selector)
        throws IOException {
        final long[] c = codes.codes();
        final int words = codes.words();
        final int maxDoc = codes.maxDoc();
        int limit = selector.limit();
        if (filter.cost() < maxDoc / DENSE_FILTER_FRACTION) {
            for (int doc = filter.nextDoc(); doc < maxDoc; doc = filter.nextDoc()) {
                int d = HammingKernels.distance(c, doc * words, query, words);
                if (d <= limit && accept(codes, liveDocs, doc)) {
                    limit = selector.offer(docBase + doc, d);
                }
            }
            return;
        }
        final FixedBitSet allowed = DocIdSets.toBitSet(filter, maxDoc);
        for (int start = 0; start < maxDoc; start += HammingKernels.BLOCK) {
            final int end = Math.min(maxDoc, start + HammingKernels.BLOCK);
            if (HammingKernels.blockMin(c, start, end, query, words) > limit) {
                continue;
            }
            for (int doc = start; doc < end; doc++) {
                if (allowed.get(doc)) {
                    int d = HammingKernels.distance(c, doc * words, query, words);
                    if (d <= limit && accept(codes, liveDocs, doc)) {
                        limit = selector.offer(docBase + doc, d);
                    }
                }
            }
        }
    }

    /** The documents with a code within {@code maxDistance} (deleted ones included: collectors drop those). */
    static DocIdSetIterator within(SegmentCodes codes, long[] query, int maxDistance) {
        final long[] c = codes.codes();
        final int maxDoc = codes.maxDoc();
        final int words = codes.words();
        final int[] hits = new int[HammingKernels.BLOCK];
        final DocIdSetBuilder builder = new DocIdSetBuilder(maxDoc);
        for (int start = 0; start < maxDoc; start += HammingKernels.BLOCK) {
            final int end = Math.min(maxDoc, start + HammingKernels.BLOCK);
            if (HammingKernels.blockMin(c, start, end, query, words) > maxDistance) {
                continue;
            }
            int count = 0;
            for (int doc = start; doc < end; doc++) {
                if (HammingKernels.distance(c, doc * words, query, words) <= maxDistance && codes.hasCode(doc)) {
                    hits[count++] = doc;
                }
            }
            if (count > 0) {
                DocIdSetBuilder.BulkAdder adder = builder.grow(count);
                for (int i = 0; i < count; i++) {
                    adder.add(hits[i]);
                }
            }
        }
        return DocIdSets.iterator(builder);
    }

    private static boolean accept(SegmentCodes codes, Bits liveDocs, int doc) {
        return codes.hasCode(doc) && (liveDocs == null || liveDocs.get(doc));
    }
}
