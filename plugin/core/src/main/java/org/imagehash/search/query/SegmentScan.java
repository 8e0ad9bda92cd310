package org.imagehash.search.query;

import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.DocIdSetBuilder;
import org.imagehash.search.index.SegmentCodes;

import java.io.IOException;

/**
 * The linear-scan strategy: every code of a segment read in blocks of {@link HammingKernels#BLOCK} documents. A
 * first, branch-free pass takes the least distance in the block ({@link HammingKernels#blockMin}); only when it is
 * within the current limit does a second pass over the same block (now in L1) look at single documents (a top k:
 * only in those of its sub-blocks of {@link #SUB_BLOCK} documents whose least distance is within the limit). Once a top-k
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
     * Whether a filter takes the bit-set path. One rule for every width since codes over 64 bits are scanned as fast per
     * byte (SegmentCodes' blocks): 128-bit top 10 under a filter of a quarter of 1M codes took 0.70 ms through the
     * blocks, 0.68 ms followed one by one before (docs/BENCHMARKS.md, section 7).
     */
    static boolean dense(long filterCost, int maxDoc) {
        return filterCost >= maxDoc / DENSE_FILTER_FRACTION;
    }

    /**
     * A block within the limit is looked at again in sub-blocks of this many documents (their minimum, vectorised like
     * the block's), and only a sub-block within the limit document by document: while a top k's limit is still falling,
     * most blocks of random codes hold one code within it, and the document-by-document pass over all 256 took more of
     * the scan than the first pass (100k random 64-bit codes, top 10: 26.5-27.2 µs, 20.7 µs with sub-blocks of 32, 21-22
     * with 64; 16 gained nothing). Not for {@code max_distance}: where many codes are within the radius (the model's
     * codes, radius 8 and 12 at 100k) nearly every sub-block qualifies, and the extra minimums made that scan 15-20 %
     * slower.
     */
    static final int SUB_BLOCK = 32;

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
            for (int sub = start; sub < end; sub += SUB_BLOCK) {
                final int subEnd = Math.min(end, sub + SUB_BLOCK);
                if (HammingKernels.blockMin(c, sub, subEnd, query, words) > limit) {
                    continue;
                }
                for (int doc = sub; doc < subEnd; doc++) {
                    if (allowed == null || allowed.get(doc)) {
                        int d = HammingKernels.distance(c, doc, query, words);
                        if (d <= limit && accept(codes, liveDocs, doc)) {
                            limit = selector.offer(docBase + doc, d);
                        }
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
        if (dense(filter.cost(), maxDoc) == false) {
            for (int doc = filter.nextDoc(); doc < maxDoc; doc = filter.nextDoc()) {
                int d = HammingKernels.distance(c, doc, query, words);
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
                if (HammingKernels.distance(c, doc, query, words) <= maxDistance && codes.hasCode(doc)) {
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
