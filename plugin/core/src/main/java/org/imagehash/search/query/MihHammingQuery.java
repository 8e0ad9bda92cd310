package org.imagehash.search.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.SparseFixedBitSet;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.index.SegmentCodesCache;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SegmentProber;
import org.imagehash.search.mih.SubstringLayout;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * {@link HammingQuery} for a field whose substrings are indexed: the documents within {@code maxDistance}, found per
 * segment by multi-index hashing or by the linear scan, whichever the planner expects to cost less.
 *
 * <p>With {@code m} substrings and {@code r = m * s + a} ({@code 0 <= a < m}), probing substrings {@code 0..a} to
 * radius {@code s} and the others to radius {@code s - 1} finds every code within {@code r}: a code missed by all
 * probes differs by at least {@code s + 1} bits in each of the first {@code a + 1} substrings and by at least
 * {@code s} in each other, {@code m * s + a + 1 > r} in all (the pigeonhole principle, refined as in MIH). Every
 * candidate is verified with a full popcount. For {@code r = 0} that is one lookup.
 */
public final class MihHammingQuery extends Query {

    private final String field;
    private final byte[] code;
    private final int maxDistance;
    private final SegmentCodesCache cache;
    private final SubstringLayout layout;
    private final ProbeCost.Mode mode;
    private final String plan; // set by rewrite; not part of equality

    public MihHammingQuery(String field, byte[] code, int maxDistance, SegmentCodesCache cache, SubstringLayout layout, ProbeCost.Mode mode) {
        this(field, code, maxDistance, cache, layout, mode, null);
    }

    private MihHammingQuery(
        String field,
        byte[] code,
        int maxDistance,
        SegmentCodesCache cache,
        SubstringLayout layout,
        ProbeCost.Mode mode,
        String plan
    ) {
        if (maxDistance < 0) {
            throw new IllegalArgumentException("max_distance must be >= 0, got " + maxDistance);
        }
        if (layout.bits() != code.length * 8) {
            throw new IllegalArgumentException("the query code has " + code.length * 8 + " bits but the substrings cover " + layout.bits());
        }
        this.field = Objects.requireNonNull(field);
        this.code = code.clone();
        this.maxDistance = Math.min(maxDistance, code.length * 8);
        this.cache = Objects.requireNonNull(cache);
        this.layout = layout;
        this.mode = Objects.requireNonNull(mode);
        this.plan = plan;
    }

    /** The radius to probe in each substring; null when the probes would cover every code (scan instead). */
    int[] radii() {
        int m = layout.count();
        int s = maxDistance / m;
        int a = maxDistance % m;
        int[] radius = new int[m];
        for (int j = 0; j < m; j++) {
            radius[j] = j <= a ? s : s - 1;
            if (radius[j] >= layout.length(j)) {
                return null;
            }
        }
        return radius;
    }

    private long lookups(int[] radius) {
        long lookups = 0;
        for (int j = 0; j < radius.length; j++) {
            for (int i = 0; i <= radius[j]; i++) {
                lookups += layout.probesAt(j, i);
            }
        }
        return lookups;
    }

    /** The prober when this segment is to be probed, else null (scan it). */
    private SegmentProber planProbe(LeafReaderContext context, SegmentCodes codes, long[] query, int[] radius, long lookups)
        throws IOException {
        if (radius == null || mode == ProbeCost.Mode.SCAN || maxDistance >= codes.bits()) {
            return null;
        }
        SegmentProber prober = SegmentProber.open(context, field, layout, query, cache);
        if (prober == null || mode == ProbeCost.Mode.PROBE) {
            return prober;
        }
        double probe = ProbeCost.probe(lookups, lookups * prober.postingsPerTerm(), codes.maxDoc(), codes.words());
        return probe <= ProbeCost.scan(codes.maxDoc(), codes.words(), -1) ? prober : null;
    }

    /**
     * Binds the plan to the reader: a copy whose {@link #toString} (what the profile API shows) says how many segments
     * will be probed and how many scanned. Matching does not depend on it.
     */
    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        if (plan != null) {
            return this;
        }
        long[] query = HashCodes.toWords(code);
        int[] radius = radii();
        long lookups = radius == null ? 0 : lookups(radius);
        int probed = 0;
        int scanned = 0;
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            SegmentCodes codes = cache.get(leaf, field, code.length * 8);
            if (codes == null || codes.count() == 0) {
                continue;
            }
            if (planProbe(leaf, codes, query, radius, lookups) != null) {
                probed++;
            } else {
                scanned++;
            }
        }
        String planned = "segments probed:" + probed + " (" + lookups + " lookups each) scanned:" + scanned;
        return new MihHammingQuery(field, code, maxDistance, cache, layout, mode, planned);
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        final Weight scan = new HammingQuery(field, code, maxDistance, cache).createWeight(searcher, scoreMode, boost);
        final long[] query = HashCodes.toWords(code);
        final int[] radius = radii();
        final long lookups = radius == null ? 0 : lookups(radius);
        return new Weight(this) {

            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
                SegmentCodes codes = cache.get(context, field, code.length * 8);
                if (codes == null || codes.count() == 0) {
                    return null;
                }
                SegmentProber prober = planProbe(context, codes, query, radius, lookups);
                if (prober == null) {
                    return scan.scorerSupplier(context);
                }
                long[] found = probe(prober, codes);
                return found.length == 0 ? null : new DefaultScorerSupplier(new FoundScorer(found, boost));
            }

            private long[] probe(SegmentProber prober, SegmentCodes codes) throws IOException {
                final long[] c = codes.codes();
                final int words = codes.words();
                final SparseFixedBitSet seen = new SparseFixedBitSet(codes.maxDoc());
                final long[][] found = { new long[16] };
                final int[] size = { 0 };
                // the visited check runs only for the few documents within the radius
                SegmentProber.DocConsumer verify = doc -> {
                    int d = HammingDistance.distance(c, doc * words, query, words);
                    if (d <= maxDistance && seen.getAndSet(doc) == false) {
                        if (size[0] == found[0].length) {
                            found[0] = ArrayUtil.grow(found[0], size[0] + 1);
                        }
                        found[0][size[0]++] = ((long) doc << 32) | d;
                    }
                };
                for (int j = 0; j < radius.length; j++) {
                    for (int i = 0; i <= radius[j]; i++) {
                        prober.probe(j, i, verify);
                    }
                }
                long[] docs = Arrays.copyOf(found[0], size[0]);
                Arrays.sort(docs);
                return docs;
            }

            @Override
            public Explanation explain(LeafReaderContext context, int doc) throws IOException {
                Explanation e = scan.explain(context, doc);
                SegmentCodes codes = cache.get(context, field, code.length * 8);
                String how = codes != null && planProbe(context, codes, query, radius, lookups) != null
                    ? "segment searched by probing " + lookups + " substring values (" + layout + ")"
                    : "segment searched by linear scan";
                String description = PlannedQuery.withPlan(e.getDescription(), how);
                return e.isMatch()
                    ? Explanation.match(e.getValue(), description, e.getDetails())
                    : Explanation.noMatch(description, e.getDetails());
            }

            @Override
            public boolean isCacheable(LeafReaderContext context) {
                return scan.isCacheable(context);
            }
        };
    }

    /** The documents a probe found, as sorted {@code doc << 32 | distance}. */
    private static final class FoundScorer extends Scorer {
        private final long[] found;
        private final float boost;
        private int index = -1;

        FoundScorer(long[] found, float boost) {
            this.found = found;
            this.boost = boost;
        }

        @Override
        public int docID() {
            if (index < 0) {
                return -1;
            }
            return index >= found.length ? DocIdSetIterator.NO_MORE_DOCS : (int) (found[index] >>> 32);
        }

        @Override
        public DocIdSetIterator iterator() {
            return new DocIdSetIterator() {
                @Override
                public int docID() {
                    return FoundScorer.this.docID();
                }

                @Override
                public int nextDoc() {
                    index++;
                    return docID();
                }

                @Override
                public int advance(int target) {
                    int from = Math.max(index + 1, 0);
                    int i = Arrays.binarySearch(found, from, found.length, (long) target << 32);
                    index = i >= 0 ? i : -1 - i;
                    return docID();
                }

                @Override
                public long cost() {
                    return found.length;
                }
            };
        }

        @Override
        public float score() {
            return HammingScore.score((int) found[index], boost);
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
        if (maxDistance < code.length * 8) {
            sb.append(" max_distance:").append(maxDistance);
        }
        sb.append(" substrings:").append(layout.count());
        if (mode != ProbeCost.Mode.AUTO) {
            sb.append(" mode:").append(mode.name().toLowerCase(Locale.ROOT));
        }
        if (plan != null) {
            sb.append(" plan:{").append(plan).append('}');
        }
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
        MihHammingQuery that = (MihHammingQuery) other;
        return field.equals(that.field)
            && maxDistance == that.maxDistance
            && Arrays.equals(code, that.code)
            && layout.equals(that.layout)
            && mode == that.mode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, maxDistance, Arrays.hashCode(code), layout, mode);
    }
}
