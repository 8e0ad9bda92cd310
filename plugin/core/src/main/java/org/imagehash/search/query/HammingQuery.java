package org.imagehash.search.query;

import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.RamUsageEstimator;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SubstringLayout;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Matches the documents whose code lies within {@code maxDistance} bits of a query code (every document with a code
 * when {@code maxDistance >= bits}), scored by {@link HammingScore}.
 *
 * <p>Per segment, one of two strategies. Scan: when the query leads (alone, or beside clauses that match more than
 * 1/16 of the documents) the segment's codes are scanned up front in blocks, at memory speed; when a selective clause
 * leads (a {@code bool} filter, say) the distance check is a {@link TwoPhaseIterator}, so only that clause's candidates
 * pay for a popcount. Probe: when the field's substrings are indexed and the planner expects fewer lookups than a
 * scan costs, multi-index hashing finds the documents ({@link SegmentProbe}). The planner decides once per segment
 * while the query is rewritten, and probes the segments it chose right away (its decision already looked their buckets
 * up); the rewritten copy carries the decisions and what probing found, which its scorers, {@code explain} and
 * {@code toString} (the profile API) reuse, and counts them in its {@link #ramBytesUsed} (a query cache keeps it).
 */
public final class HammingQuery extends Query implements Accountable {

    /**
     * A scorer leads with the eager scan unless the clause leading its conjunction matches fewer than this fraction of
     * the documents: a block scan costs well under a nanosecond per code, a two-phase check several per candidate.
     */
    static final int EAGER_SCAN_FRACTION = 16;
    private static final long BASE_RAM = RamUsageEstimator.shallowSizeOfInstance(HammingQuery.class);

    private final String field;
    private final byte[] code;
    private final int maxDistance;
    private final SegmentCache cache;
    private final SubstringLayout layout; // null: substrings not indexed, every segment is scanned
    private final ProbeCost.Mode mode;
    private final Plan plan; // the planner's decisions for one reader; not part of equality

    /** A query on a field without indexed substrings: every segment is scanned. */
    public HammingQuery(String field, byte[] code, int maxDistance, SegmentCache cache) {
        this(field, code, maxDistance, cache, null, ProbeCost.Mode.SCAN, null);
    }

    /**
     * @param maxDistance largest distance that matches; {@code >= bits} matches every document with a code
     * @param layout the field's substrings (null when not indexed)
     * @param mode {@link ProbeCost.Mode#AUTO} lets the planner choose per segment; the others force a strategy
     */
    public HammingQuery(String field, byte[] code, int maxDistance, SegmentCache cache, SubstringLayout layout, ProbeCost.Mode mode) {
        this(field, code, maxDistance, cache, layout, mode, null);
    }

    private HammingQuery(String field, byte[] code, int maxDistance, SegmentCache cache, SubstringLayout layout, ProbeCost.Mode mode, Plan plan) {
        if (maxDistance < 0) {
            throw new IllegalArgumentException("max_distance must be >= 0, got " + maxDistance);
        }
        if (layout != null && layout.bits() != code.length * 8) {
            throw new IllegalArgumentException("the query code has " + code.length * 8 + " bits but the substrings cover " + layout.bits());
        }
        this.field = Objects.requireNonNull(field);
        this.code = code.clone();
        this.maxDistance = Math.min(maxDistance, code.length * 8);
        this.cache = Objects.requireNonNull(cache);
        this.layout = layout;
        this.mode = layout == null ? ProbeCost.Mode.SCAN : Objects.requireNonNull(mode);
        this.plan = plan;
    }

    public String field() {
        return field;
    }

    public int bits() {
        return code.length * 8;
    }

    public int maxDistance() {
        return maxDistance;
    }

    /** What {@link #rewrite} found by probing in each segment of one reader; null for a segment it left to the scan. */
    private record Plan(Object readerId, FoundDocs[] found, long lookups) {
        @Override
        public String toString() {
            int probes = 0;
            for (FoundDocs f : found) {
                probes += f != null ? 1 : 0;
            }
            return "segments probed:" + probes + " (" + lookups + " lookups each) scanned:" + (found.length - probes);
        }

        long ramBytesUsed() {
            long bytes = RamUsageEstimator.shallowSizeOf(found);
            for (FoundDocs f : found) {
                bytes += f == null ? 0 : f.ramBytesUsed();
            }
            return bytes;
        }
    }

    private SegmentProbe probe(long[] query) {
        return new SegmentProbe(field, layout, cache, mode, query);
    }

    /** Binds the planner's choice for each segment of the reader to a copy of this query; without substrings, nothing to plan. */
    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        Object readerId = searcher.getIndexReader().getContext().id();
        if (mode == ProbeCost.Mode.SCAN || maxDistance >= bits() || (plan != null && plan.readerId() == readerId)) {
            return this;
        }
        SegmentProbe probe = probe(HashCodes.toWords(code));
        int[] radius = probe.radii(maxDistance);
        long lookups = radius == null ? 0 : layout.probesWithin(maxDistance);
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        FoundDocs[] found = new FoundDocs[leaves.size()];
        for (LeafReaderContext leaf : leaves) {
            SegmentCodes codes = cache.codes(leaf, field, bits());
            found[leaf.ord] = codes != null && codes.count() > 0 ? probe.within(leaf, codes, radius, lookups, maxDistance) : null;
        }
        return new HammingQuery(field, code, maxDistance, cache, layout, mode, new Plan(readerId, found, lookups));
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        final long[] query = HashCodes.toWords(code);
        final int bits = bits();
        // Planned by rewrite for this reader (always, through an IndexSearcher); otherwise each segment is planned here.
        final Plan bound = plan != null && plan.readerId() == searcher.getIndexReader().getContext().id() ? plan : null;
        final SegmentProbe probe = mode == ProbeCost.Mode.SCAN || maxDistance >= bits ? null : probe(query);
        final int[] radius = probe == null ? null : probe.radii(maxDistance);
        final long lookups = bound != null ? bound.lookups() : radius == null ? 0 : layout.probesWithin(maxDistance);
        return new HashWeight(this) {
            /** What probing found in this segment; null when the planner scans it. */
            private FoundDocs probed(LeafReaderContext context, SegmentCodes codes) throws IOException {
                if (bound != null) {
                    return bound.found()[context.ord];
                }
                return probe != null && codes != null && codes.count() > 0 ? probe.within(context, codes, radius, lookups, maxDistance) : null;
            }

            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
                SegmentCodes codes = cache.codes(context, field, bits);
                if (codes == null || codes.count() == 0) {
                    return null;
                }
                FoundDocs found = probed(context, codes);
                if (found != null) {
                    return found.size() == 0 ? null : ScorerSuppliers.of(found.scorer(this, 0, found.size(), 0, boost));
                }
                if (maxDistance >= bits) {
                    return ScorerSuppliers.of(new HammingScorer(this, codes, query, maxDistance, boost, null));
                }
                final Weight weight = this;
                return new ScorerSupplier() {
                    @Override
                    public Scorer get(long leadCost) {
                        // Leading (alone, or the cheapest clause of a conjunction, or nearly): scan the segment's codes
                        // in blocks at memory speed. Led by a selective clause: confirm only its candidates.
                        boolean eager = leadCost >= codes.count() / EAGER_SCAN_FRACTION;
                        DocIdSetIterator within = eager ? SegmentScan.within(codes, query, maxDistance) : null;
                        return new HammingScorer(weight, codes, query, maxDistance, boost, within);
                    }

                    @Override
                    public long cost() {
                        return codes.count();
                    }
                };
            }

            @Override
            public Explanation explain(LeafReaderContext context, int doc) throws IOException {
                SegmentCodes codes = cache.codes(context, field, bits);
                Explanation e;
                if (codes == null || codes.hasCode(doc) == false) {
                    e = Explanation.noMatch("document has no code in field [" + field + "]");
                } else {
                    int distance = HammingKernels.distance(codes.codes(), doc, query, codes.words());
                    e = distance > maxDistance
                        ? Explanation.noMatch("hamming distance " + distance + " is greater than max_distance " + maxDistance)
                        : HammingExplanations.distance(field, distance, boost);
                }
                if (layout == null) {
                    return e;
                }
                return HammingExplanations.withPlan(
                    e,
                    probed(context, codes) != null
                        ? "segment searched by probing " + lookups + " substring values (" + layout + ")"
                        : "segment searched by linear scan"
                );
            }

            @Override
            public boolean isCacheable(LeafReaderContext context) {
                return DocValues.isCacheable(context, field);
            }
        };
    }

    /** Scores the documents of one segment; the distance of the current document is computed once. */
    private static final class HammingScorer extends HashScorer {
        private final long[] codeWords;
        private final long[] query;
        private final int words;
        private final float boost;
        private final DocIdSetIterator approximation;
        private final TwoPhaseIterator twoPhase; // null when every document of the approximation matches
        private final DocIdSetIterator iterator;
        private int distanceDoc = -1;
        private int distance;

        /** @param within the matching documents, when already known (eager scan); null for a two-phase check */
        HammingScorer(Weight weight, SegmentCodes codes, long[] query, int maxDistance, float boost, DocIdSetIterator within) {
            super(weight);
            this.codeWords = codes.codes();
            this.query = query;
            this.words = codes.words();
            this.boost = boost;
            this.approximation = within != null ? within : codes.docsWithCode();
            if (within != null || maxDistance >= codes.bits()) {
                this.twoPhase = null;
                this.iterator = approximation;
            } else {
                this.twoPhase = new TwoPhaseIterator(approximation) {
                    @Override
                    public boolean matches() {
                        return distance(approximation.docID()) <= maxDistance;
                    }

                    @Override
                    public float matchCost() {
                        return words; // one XOR + popcount per word
                    }
                };
                this.iterator = TwoPhaseIterator.asDocIdSetIterator(twoPhase);
            }
        }

        private int distance(int doc) {
            if (doc != distanceDoc) {
                distance = HammingKernels.distance(codeWords, doc, query, words);
                distanceDoc = doc;
            }
            return distance;
        }

        @Override
        public int docID() {
            return approximation.docID();
        }

        @Override
        public DocIdSetIterator iterator() {
            return iterator;
        }

        @Override
        public TwoPhaseIterator twoPhaseIterator() {
            return twoPhase;
        }

        @Override
        public float score() {
            return HammingScore.score(distance(approximation.docID()), boost);
        }

        @Override
        public float getMaxScore(int upTo) {
            return boost;
        }
    }

    @Override
    public String toString(String defaultField) {
        StringBuilder sb = new StringBuilder("hamming(");
        if (field.equals(defaultField) == false) {
            sb.append(field).append(':');
        }
        sb.append(HashCodes.toHex(code));
        if (maxDistance < bits()) {
            sb.append(" max_distance:").append(maxDistance);
        }
        HammingTopKQuery.appendStrategy(sb, layout, mode, plan);
        return sb.append(')').toString();
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) {
            visitor.visitLeaf(this);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (sameClassAs(other) == false) {
            return false;
        }
        HammingQuery that = (HammingQuery) other;
        return field.equals(that.field)
            && maxDistance == that.maxDistance
            && Arrays.equals(code, that.code)
            && Objects.equals(layout, that.layout)
            && mode == that.mode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, maxDistance, Arrays.hashCode(code), layout, mode);
    }

    @Override
    public long ramBytesUsed() {
        return BASE_RAM + RamUsageEstimator.sizeOf(code) + (plan == null ? 0 : plan.ramBytesUsed());
    }
}
