package org.imagehash.search.query;

import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.DocIdSetBuilder;
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

    /**
     * 2-word and generic widths take the bit-set path only for filters that match at least half of a segment:
     * scanning 128-bit codes in blocks cost about six times the 64-bit scan, more than following a quarter of the
     * documents one by one (bench/kernels, 1M codes: 2.4 ms against 0.8 ms). 1 and 4 words keep 0.1.0's rule, under
     * which they were measured (the 4-word sparse path was not measured against it).
     */
    static boolean dense(long filterCost, int maxDoc, int words) {
        return words == 1 || words == 4 ? filterCost >= maxDoc / DENSE_FILTER_FRACTION : filterCost >= maxDoc / 2;
    }

    private SegmentScan() {}

    /** Offers every live document with a code within the selector's limit, in doc order. */
    static void topK(SegmentCodes codes, long[] query, Bits liveDocs, int docBase, TopKSelector selector) {
        scanBlocks(codes, query, liveDocs, null, docBase, selector);
    }

    /** The block scan of {@link #topK}; {@code allowed} (null: every document) is checked only in blocks within the limit. */
    private static void scanBlocks(SegmentCodes codes, long[] query, Bits liveDocs, Bits allowed, int docBase, TopKSelector selector) {
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
                if (allowed == null || allowed.get(doc)) {
                    int d = HammingKernels.distance(c, doc * words, query, words);
                    if (d <= limit && accept(codes, liveDocs, doc)) {
                        limit = selector.offer(docBase + doc, d);
                    }
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
        if (dense(filter.cost(), maxDoc, words) == false) {
            for (int doc = filter.nextDoc(); doc < maxDoc; doc = filter.nextDoc()) {
                int d = HammingKernels.distance(c, doc * words, query, words);
                if (d <= limit && accept(codes, liveDocs, doc)) {
                    limit = selector.offer(docBase + doc, d);
                }
            }
            return;
        }
        scanBlocks(codes, query, liveDocs, DocIdSets.toBitSet(filter, maxDoc), docBase, selector);
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
