package org.imagehash.search.query;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.index.SegmentCodesCache;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The k documents nearest to a query code in Hamming distance, exactly, among those matching an optional filter and
 * within an optional maximum distance; ties go to the smaller doc id.
 *
 * <p>Like Lucene's kNN queries, the search happens in {@link #rewrite(IndexSearcher)}, once per index reader (a shard),
 * and yields a {@link HammingTopDocsQuery} that matches the chosen documents. One {@link TopKSelector} runs across
 * the segments in doc order, so later segments are scanned against the limit that earlier ones set.
 */
public final class HammingTopKQuery extends Query {

    private final String field;
    private final byte[] code;
    private final int k;
    private final int maxDistance;
    private final Query filter;
    private final SegmentCodesCache cache;

    /**
     * @param maxDistance largest distance a result may have; {@code >= bits} for no limit
     * @param filter restricts the candidates; null for none
     */
    public HammingTopKQuery(String field, byte[] code, int k, int maxDistance, Query filter, SegmentCodesCache cache) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (maxDistance < 0) {
            throw new IllegalArgumentException("max_distance must be >= 0, got " + maxDistance);
        }
        this.field = Objects.requireNonNull(field);
        this.code = code.clone();
        this.k = k;
        this.maxDistance = Math.min(maxDistance, code.length * 8);
        this.filter = filter;
        this.cache = Objects.requireNonNull(cache);
    }

    public int k() {
        return k;
    }

    public Query filter() {
        return filter;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        IndexReader reader = searcher.getIndexReader();
        Weight filterWeight = filter == null ? null : searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1f);
        long[] query = HashCodes.toWords(code);
        TopKSelector selector = new TopKSelector(k, maxDistance);
        for (LeafReaderContext leaf : reader.leaves()) {
            SegmentCodes codes = cache.get(leaf, field, code.length * 8);
            if (codes == null || codes.count() == 0) {
                continue;
            }
            if (filterWeight == null) {
                scanAll(codes, query, leaf.reader().getLiveDocs(), leaf.docBase, selector);
            } else {
                Scorer filterScorer = filterWeight.scorer(leaf);
                if (filterScorer != null) {
                    scanFiltered(codes, query, leaf.reader().getLiveDocs(), filterScorer.iterator(), leaf.docBase, selector);
                }
            }
        }
        TopKSelector.Result top = selector.result();
        return new HammingTopDocsQuery(this, field, top.docs(), top.distances(), reader);
    }

    /** Documents per block of the unfiltered scan: a block's codes (2 KB at 64 bits) stay in L1 for the second pass. */
    static final int BLOCK = 256;

    /**
     * The unfiltered scan: one pass over the packed codes, specialised by width so that the common codes (64, 128 and
     * 256 bits) run without an inner loop. It runs in blocks of {@link #BLOCK} documents: a first, branch-free loop takes
     * the smallest distance in the block (the JIT vectorises it: XOR, popcount and min over several codes at once);
     * only when that minimum is within the current limit does a second loop over the same block (now in L1) offer
     * its documents to the selector. Once the limit has fallen to the k-th distance, almost every block is skipped
     * after the first loop. The selected documents are exactly those of a document-by-document scan: a skipped block
     * holds no document within the limit, so the limit stays as it would have. Liveness and presence are checked only
     * for the rare documents within the current limit.
     */
    static void scanAll(SegmentCodes codes, long[] query, Bits liveDocs, int docBase, TopKSelector selector) {
        final long[] c = codes.codes();
        final int maxDoc = codes.maxDoc();
        int limit = selector.limit();
        switch (codes.words()) {
            case 1 -> {
                final long q0 = query[0];
                for (int start = 0; start < maxDoc; start += BLOCK) {
                    final int end = Math.min(maxDoc, start + BLOCK);
                    int min = Integer.MAX_VALUE;
                    for (int doc = start; doc < end; doc++) {
                        min = Math.min(min, Long.bitCount(c[doc] ^ q0));
                    }
                    if (min > limit) {
                        continue;
                    }
                    for (int doc = start; doc < end; doc++) {
                        int d = Long.bitCount(c[doc] ^ q0);
                        if (d <= limit && accept(codes, liveDocs, doc)) {
                            limit = selector.offer(docBase + doc, d);
                        }
                    }
                }
            }
            case 2 -> {
                final long q0 = query[0], q1 = query[1];
                for (int start = 0; start < maxDoc; start += BLOCK) {
                    final int end = Math.min(maxDoc, start + BLOCK);
                    int min = Integer.MAX_VALUE;
                    for (int doc = start, o = start * 2; doc < end; doc++, o += 2) {
                        min = Math.min(min, Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1));
                    }
                    if (min > limit) {
                        continue;
                    }
                    for (int doc = start, o = start * 2; doc < end; doc++, o += 2) {
                        int d = Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1);
                        if (d <= limit && accept(codes, liveDocs, doc)) {
                            limit = selector.offer(docBase + doc, d);
                        }
                    }
                }
            }
            case 4 -> {
                final long q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3];
                for (int start = 0; start < maxDoc; start += BLOCK) {
                    final int end = Math.min(maxDoc, start + BLOCK);
                    int min = Integer.MAX_VALUE;
                    for (int doc = start, o = start * 4; doc < end; doc++, o += 4) {
                        min = Math.min(
                            min,
                            Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1) + Long.bitCount(c[o + 2] ^ q2) + Long.bitCount(
                                c[o + 3] ^ q3
                            )
                        );
                    }
                    if (min > limit) {
                        continue;
                    }
                    for (int doc = start, o = start * 4; doc < end; doc++, o += 4) {
                        int d = Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1) + Long.bitCount(c[o + 2] ^ q2) + Long
                            .bitCount(c[o + 3] ^ q3);
                        if (d <= limit && accept(codes, liveDocs, doc)) {
                            limit = selector.offer(docBase + doc, d);
                        }
                    }
                }
            }
            default -> {
                final int words = codes.words();
                for (int doc = 0, o = 0; doc < maxDoc; doc++, o += words) {
                    int d = 0;
                    for (int w = 0; w < words; w++) {
                        d += Long.bitCount(c[o + w] ^ query[w]);
                    }
                    if (d <= limit && accept(codes, liveDocs, doc)) {
                        limit = selector.offer(docBase + doc, d);
                    }
                }
            }
        }
    }

    /**
     * A filter that matches at least this fraction of a segment goes through the block scan (as a bit set); a sparser
     * one is followed document by document.
     */
    static final int DENSE_FILTER_FRACTION = 32;

    /**
     * The filtered scan. A sparse filter is followed document by document. A dense one is first loaded into a bit set
     * (in bulk: {@link DocIdSetIterator#intoBitSet}), then the codes are scanned in blocks as in {@link #scanAll}: the
     * vectorised min pass ignores the filter, and the filter bit is checked, before the distance, only in the blocks
     * that hold a code within the limit. A skipped block holds no code within the limit, filtered or not, so the
     * selected documents are those of a document-by-document scan.
     */
    static void scanFiltered(
        SegmentCodes codes,
        long[] query,
        Bits liveDocs,
        DocIdSetIterator filter,
        int docBase,
        TopKSelector selector
    ) throws IOException {
        final long[] c = codes.codes();
        final int words = codes.words();
        final int maxDoc = codes.maxDoc();
        int limit = selector.limit();
        if (words != 1 && words != 4 || filter.cost() < maxDoc / DENSE_FILTER_FRACTION) {
            for (int doc = filter.nextDoc(); doc < maxDoc; doc = filter.nextDoc()) {
                int d = HammingDistance.distance(c, doc * words, query, words);
                if (d <= limit && accept(codes, liveDocs, doc)) {
                    limit = selector.offer(docBase + doc, d);
                }
            }
            return;
        }
        final FixedBitSet allowed = new FixedBitSet(maxDoc);
        if (filter.nextDoc() < maxDoc) {
            filter.intoBitSet(maxDoc, allowed, 0);
        }
        final long q0 = query[0];
        final long q1 = words == 4 ? query[1] : 0, q2 = words == 4 ? query[2] : 0, q3 = words == 4 ? query[3] : 0;
        for (int start = 0; start < maxDoc; start += BLOCK) {
            final int end = Math.min(maxDoc, start + BLOCK);
            int min = Integer.MAX_VALUE;
            if (words == 1) {
                for (int doc = start; doc < end; doc++) {
                    min = Math.min(min, Long.bitCount(c[doc] ^ q0));
                }
            } else {
                for (int doc = start, o = start * 4; doc < end; doc++, o += 4) {
                    min = Math.min(
                        min,
                        Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1) + Long.bitCount(c[o + 2] ^ q2) + Long.bitCount(c[o + 3] ^ q3)
                    );
                }
            }
            if (min > limit) {
                continue;
            }
            for (int doc = start; doc < end; doc++) {
                if (allowed.get(doc)) {
                    int d = HammingDistance.distance(c, doc * words, query, words);
                    if (d <= limit && accept(codes, liveDocs, doc)) {
                        limit = selector.offer(docBase + doc, d);
                    }
                }
            }
        }
    }

    private static boolean accept(SegmentCodes codes, Bits liveDocs, int doc) {
        return codes.hasCode(doc) && (liveDocs == null || liveDocs.get(doc));
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
        throw new IllegalStateException("[" + this + "] must be rewritten before it is searched");
    }

    @Override
    public String toString(String defaultField) {
        StringBuilder sb = new StringBuilder("hamming_top_k(");
        if (field.equals(defaultField) == false) {
            sb.append(field).append(':');
        }
        sb.append(HashCodes.toHex(code)).append(" k:").append(k);
        if (maxDistance < code.length * 8) {
            sb.append(" max_distance:").append(maxDistance);
        }
        if (filter != null) {
            sb.append(" filter:").append(filter.toString(defaultField));
        }
        return sb.append(')').toString();
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) {
            visitor.visitLeaf(this);
        }
        if (filter != null) {
            filter.visit(visitor.getSubVisitor(BooleanClause.Occur.FILTER, this));
        }
    }

    @Override
    public boolean equals(Object other) {
        if (sameClassAs(other) == false) {
            return false;
        }
        HammingTopKQuery that = (HammingTopKQuery) other;
        return field.equals(that.field)
            && k == that.k
            && maxDistance == that.maxDistance
            && Arrays.equals(code, that.code)
            && Objects.equals(filter, that.filter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, k, maxDistance, Arrays.hashCode(code), filter);
    }
}
