package org.imagehash.search.query;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SubstringLayout;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * The k documents nearest to a query code in Hamming distance, exactly, among those matching an optional filter and
 * within an optional maximum distance; ties go to the smaller doc id.
 *
 * <p>Like Lucene's kNN queries, the search happens in {@link #rewrite(IndexSearcher)}, once per index reader (a shard):
 * one loop over the segments in doc order feeds one {@link TopKSelector}, so later segments are searched against the
 * limit that earlier ones set, and the result is a {@link HammingTopDocsQuery} holding the chosen documents. Each
 * segment gets one of two strategies ({@link #searchSegment}): the linear {@link SegmentScan}, or, when the field's
 * substrings are indexed, multi-index hashing ({@link SegmentProbe}), which the planner abandons for the scan as soon as
 * its estimated cost would pass the scan's. What ran where shows in the rewritten query's {@code toString} (the
 * profile API) and in {@code explain}.
 */
public final class HammingTopKQuery extends Query {

    private final String field;
    private final byte[] code;
    private final int k;
    private final int maxDistance;
    private final Query filter;
    private final SegmentCache cache;
    private final SubstringLayout layout; // null: the field's substrings are not indexed, every segment is scanned
    private final ProbeCost.Mode mode;
    private final TopKPlan plan; // what the rewrite that produced this copy did (printed only when asked); not part of equality

    /** A query on a field without indexed substrings: every segment is scanned. */
    public HammingTopKQuery(String field, byte[] code, int k, int maxDistance, Query filter, SegmentCache cache) {
        this(field, code, k, maxDistance, filter, cache, null, ProbeCost.Mode.SCAN, null);
    }

    /**
     * @param maxDistance largest distance a result may have; {@code >= bits} for no limit
     * @param filter restricts the candidates; null for none
     * @param layout the field's substrings (null when not indexed)
     * @param mode {@link ProbeCost.Mode#AUTO} lets the planner choose per segment; the others force a strategy
     */
    public HammingTopKQuery(
        String field,
        byte[] code,
        int k,
        int maxDistance,
        Query filter,
        SegmentCache cache,
        SubstringLayout layout,
        ProbeCost.Mode mode
    ) {
        this(field, code, k, maxDistance, filter, cache, layout, mode, null);
    }

    private HammingTopKQuery(
        String field,
        byte[] code,
        int k,
        int maxDistance,
        Query filter,
        SegmentCache cache,
        SubstringLayout layout,
        ProbeCost.Mode mode,
        TopKPlan plan
    ) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (maxDistance < 0) {
            throw new IllegalArgumentException("max_distance must be >= 0, got " + maxDistance);
        }
        if (layout != null && layout.bits() != code.length * 8) {
            throw new IllegalArgumentException("the query code has " + code.length * 8 + " bits but the substrings cover " + layout.bits());
        }
        this.field = Objects.requireNonNull(field);
        this.code = code.clone();
        this.k = k;
        this.maxDistance = Math.min(maxDistance, code.length * 8);
        this.filter = filter;
        this.cache = Objects.requireNonNull(cache);
        this.layout = layout;
        this.mode = layout == null ? ProbeCost.Mode.SCAN : Objects.requireNonNull(mode);
        this.plan = plan;
    }

    public String field() {
        return field;
    }

    public int k() {
        return k;
    }

    public Query filter() {
        return filter;
    }

    /** What the planner chose per segment in the rewrite that produced this copy; null before any rewrite or without substrings. */
    String plan() {
        return plan == null ? null : plan.toString();
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        IndexReader reader = searcher.getIndexReader();
        Weight filterWeight = filter == null ? null : searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1f);
        long[] query = HashCodes.toWords(code);
        TopKSelector selector = new TopKSelector(k, maxDistance);
        SegmentProbe probe = mode == ProbeCost.Mode.SCAN ? null : new SegmentProbe(field, layout, cache, mode, query);
        TopKPlan segments = layout == null ? null : new TopKPlan();
        for (LeafReaderContext leaf : reader.leaves()) {
            SegmentCodes codes = cache.codes(leaf, field, code.length * 8);
            if (codes == null || codes.count() == 0) {
                continue;
            }
            ScorerSupplier filterDocs = filterWeight == null ? null : filterWeight.scorerSupplier(leaf);
            if (filterWeight == null || filterDocs != null) {
                searchSegment(leaf, codes, query, probe, filterWeight, filterDocs, selector, segments);
            }
        }
        HammingTopKQuery planned = segments == null ? this : new HammingTopKQuery(field, code, k, maxDistance, filter, cache, layout, mode, segments);
        return new HammingTopDocsQuery(planned, selector.result(), reader);
    }

    /** The per-segment strategy: probe where the planner expects it to cost less than the scan, else scan. */
    private static void searchSegment(
        LeafReaderContext leaf,
        SegmentCodes codes,
        long[] query,
        SegmentProbe probe,
        Weight filterWeight,
        ScorerSupplier filterDocs,
        TopKSelector selector,
        TopKPlan segments
    ) throws IOException {
        long filterCost = filterDocs == null ? -1 : filterDocs.cost();
        if (probe != null && probe.topK(leaf, codes, selector.k(), filterWeight, filterCost, selector, segments)) {
            return;
        }
        if (segments != null) {
            segments.scanned(codes.maxDoc());
        }
        if (filterDocs == null) {
            SegmentScan.topK(codes, query, leaf.reader().getLiveDocs(), leaf.docBase, selector);
        } else {
            SegmentScan.topK(codes, query, leaf.reader().getLiveDocs(), filterDocs.get(Long.MAX_VALUE).iterator(), leaf.docBase, selector);
        }
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
        appendStrategy(sb, layout, mode, plan);
        return sb.append(')').toString();
    }

    /** The substrings, a forced strategy and the plan, as both hamming queries print them. */
    static void appendStrategy(StringBuilder sb, SubstringLayout layout, ProbeCost.Mode mode, Object plan) {
        if (layout == null) {
            return;
        }
        sb.append(" substrings:").append(layout.count());
        if (mode != ProbeCost.Mode.AUTO) {
            sb.append(" mode:").append(mode.name().toLowerCase(Locale.ROOT));
        }
        if (plan != null) {
            sb.append(" plan:{").append(plan).append('}');
        }
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
            && Objects.equals(filter, that.filter)
            && Objects.equals(layout, that.layout)
            && mode == that.mode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, k, maxDistance, Arrays.hashCode(code), filter, layout, mode);
    }
}
