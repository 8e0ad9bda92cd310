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
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.SparseFixedBitSet;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.index.SegmentCodesCache;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SegmentProber;
import org.imagehash.search.mih.SubstringLayout;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@link HammingTopKQuery} for a field whose substrings are indexed: the same k nearest documents, found per segment
 * either by multi-index hashing (Norouzi, Punjani and Fleet, CVPR 2012) or by the linear scan, whichever the planner
 * expects to cost less.
 *
 * <p>Probing grows a radius {@code s}: for each substring {@code j} in turn, every code whose substring {@code j} is
 * exactly {@code s} bits from the query's is verified with a full popcount. Once substrings {@code 0..j} have been
 * probed to radius {@code s} and the others to {@code s - 1}, a code not yet seen differs by at least {@code s + 1}
 * bits in each of the first {@code j + 1} substrings and at least {@code s} in the others, so its distance is at least
 * {@code m * s + j + 1}. The search stops as soon as that bound exceeds the k-th distance found (or the shard's
 * current limit): every document that could be among the k nearest has then been seen, and the segment's candidates
 * are offered to the shard's {@link TopKSelector} in doc order, exactly as a scan would offer them.
 *
 * <p>The planner budgets a segment at the estimated cost of scanning it; before each round of probes it adds the
 * round's estimated cost (lookups times the segment's mean postings per term) and falls back to the scan if the total
 * would exceed the budget, so a bad case costs at most about twice the scan. The choice per segment shows in
 * {@link #toString} of the rewritten query (the profile API) and in {@code explain}.
 */
public final class MihTopKQuery extends Query {

    private static final int MAX_PLANS_SHOWN = 16;

    private final String field;
    private final byte[] code;
    private final int k;
    private final int maxDistance;
    private final Query filter;
    private final SegmentCodesCache cache;
    private final SubstringLayout layout;
    private final ProbeCost.Mode mode;
    private final String plan; // what the last rewrite did; not part of equality

    public MihTopKQuery(
        String field,
        byte[] code,
        int k,
        int maxDistance,
        Query filter,
        SegmentCodesCache cache,
        SubstringLayout layout,
        ProbeCost.Mode mode
    ) {
        this(field, code, k, maxDistance, filter, cache, layout, mode, null);
    }

    private MihTopKQuery(
        String field,
        byte[] code,
        int k,
        int maxDistance,
        Query filter,
        SegmentCodesCache cache,
        SubstringLayout layout,
        ProbeCost.Mode mode,
        String plan
    ) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (maxDistance < 0) {
            throw new IllegalArgumentException("max_distance must be >= 0, got " + maxDistance);
        }
        if (layout.bits() != code.length * 8) {
            throw new IllegalArgumentException("the query code has " + code.length * 8 + " bits but the substrings cover " + layout.bits());
        }
        this.field = Objects.requireNonNull(field);
        this.code = code.clone();
        this.k = k;
        this.maxDistance = Math.min(maxDistance, code.length * 8);
        this.filter = filter;
        this.cache = Objects.requireNonNull(cache);
        this.layout = layout;
        this.mode = Objects.requireNonNull(mode);
        this.plan = plan;
    }

    public int k() {
        return k;
    }

    public Query filter() {
        return filter;
    }

    /** What the planner chose per segment in the rewrite that produced this copy; null before any rewrite. */
    public String plan() {
        return plan;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        IndexReader reader = searcher.getIndexReader();
        Weight filterWeight = filter == null ? null : searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1f);
        long[] query = HashCodes.toWords(code);
        TopKSelector selector = new TopKSelector(k, maxDistance);
        PlanLog log = new PlanLog();
        for (LeafReaderContext leaf : reader.leaves()) {
            SegmentCodes codes = cache.get(leaf, field, code.length * 8);
            if (codes == null || codes.count() == 0) {
                continue;
            }
            long filterCost = -1;
            if (filterWeight != null) {
                ScorerSupplier supplier = filterWeight.scorerSupplier(leaf);
                if (supplier == null) {
                    continue;
                }
                filterCost = supplier.cost();
            }
            if (mode != ProbeCost.Mode.SCAN && probe(leaf, codes, query, filterWeight, filterCost, selector, log)) {
                continue;
            }
            log.scan(codes.maxDoc());
            if (filterWeight == null) {
                HammingTopKQuery.scanAll(codes, query, leaf.reader().getLiveDocs(), leaf.docBase, selector);
            } else {
                Scorer filterScorer = filterWeight.scorer(leaf);
                if (filterScorer != null) {
                    HammingTopKQuery.scanFiltered(codes, query, leaf.reader().getLiveDocs(), filterScorer.iterator(), leaf.docBase, selector);
                }
            }
        }
        TopKSelector.Result top = selector.result();
        String done = log.toString();
        MihTopKQuery planned = new MihTopKQuery(field, code, k, maxDistance, filter, cache, layout, mode, done);
        return new PlannedQuery(new HammingTopDocsQuery(planned, field, top.docs(), top.distances(), reader), done);
    }

    /**
     * Multi-index hashing in one segment.
     *
     * @return false when the planner gave up before finishing (nothing was offered to the selector): scan instead
     */
    private boolean probe(
        LeafReaderContext leaf,
        SegmentCodes codes,
        long[] query,
        Weight filterWeight,
        long filterCost,
        TopKSelector selector,
        PlanLog log
    ) throws IOException {
        SegmentProber prober = SegmentProber.open(leaf, field, layout, query, cache);
        if (prober == null) {
            return false;
        }
        final double budget = mode == ProbeCost.Mode.PROBE
            ? Double.POSITIVE_INFINITY
            : ProbeCost.scan(codes.maxDoc(), codes.words(), filterCost);
        final int m = layout.count();
        final long[] c = codes.codes();
        final int words = codes.words();
        final Bits live = leaf.reader().getLiveDocs();
        final SparseFixedBitSet seen = new SparseFixedBitSet(codes.maxDoc());
        final SegmentNearest nearest = new SegmentNearest(k, selector.limit());
        final Pending pending = filterWeight == null ? null : new Pending();
        final int[] radius = new int[m];
        Arrays.fill(radius, -1);
        // A document comes once per substring it shares with the query's probes. The visited check runs only for the
        // few within the limit: one seen farther stays farther, since the limit only falls.
        SegmentProber.DocConsumer verify = doc -> {
            int d = HammingDistance.distance(c, doc * words, query, words);
            if (d <= nearest.limit() && seen.getAndSet(doc) == false && (live == null || live.get(doc))) {
                if (pending == null) {
                    nearest.add(doc, d);
                } else {
                    pending.add(doc, d);
                }
            }
        };
        int s = 0;
        for (;; s++) {
            for (int j = 0; j < m; j++) {
                if (unseenBound(radius) > nearest.limit()) {
                    log.probe(Arrays.stream(radius).max().getAsInt(), prober.probes(), prober.postingsRead());
                    nearest.offerTo(selector, leaf.docBase);
                    return true;
                }
                // Before each round: give up if the work so far plus the next round would exceed the scan. Once every
                // substring has been probed to radius 1 and k candidates are in hand, also if proving their k-th
                // distance would take more than four times the scan: that distance only falls, so this is an upper bound
                // (it stops large k and far neighbours early, before their rounds are spent). Earlier, the k-th
                // distance found is still far above the final one and would stop searches that end cheaply.
                long next = layout.probesAt(j, s);
                double estimate = ProbeCost.probe(
                    prober.probes() + next,
                    prober.postingsRead() + next * prober.postingsPerTerm(),
                    codes.maxDoc(),
                    words
                );
                if (estimate > budget) {
                    log.gaveUp();
                    return false;
                }
                if (s >= 2 && nearest.hasK()) {
                    long toProve = lookupsToProve(radius, j, s, nearest.limit());
                    double proof = ProbeCost.probe(
                        prober.probes() + toProve,
                        prober.postingsRead() + toProve * prober.postingsPerTerm(),
                        codes.maxDoc(),
                        words
                    );
                    if (proof > 4 * budget) {
                        log.gaveUp();
                        return false;
                    }
                }
                prober.probe(j, s, verify);
                radius[j] = s;
                if (pending != null) {
                    pending.filterInto(filterWeight, leaf, nearest);
                }
            }
        }
    }

    /**
     * Lookups of the rounds from (substring {@code j}, radius {@code s}) on until every code within {@code limit} is
     * seen; saturates at Long.MAX_VALUE / 4 when that means enumerating a whole substring.
     */
    private long lookupsToProve(int[] probed, int j, int s, int limit) {
        int[] radius = probed.clone();
        long lookups = 0;
        while (unseenBound(radius) <= limit) {
            if (s > layout.length(j)) {
                return Long.MAX_VALUE / 4;
            }
            lookups += layout.probesAt(j, s);
            radius[j] = s;
            if (++j == radius.length) {
                j = 0;
                s++;
            }
        }
        return lookups;
    }

    /** Least distance of a code not yet seen, given the radius probed in each substring; MAX_VALUE when none is left. */
    private int unseenBound(int[] radius) {
        int bound = 0;
        for (int j = 0; j < radius.length; j++) {
            if (radius[j] >= layout.length(j)) {
                return Integer.MAX_VALUE; // every value of this substring was probed: every code was seen
            }
            bound += radius[j] + 1;
        }
        return bound;
    }

    /** Candidates within the limit that still have to pass the filter, checked in doc order after each round. */
    private static final class Pending {
        private long[] docs = new long[16]; // doc << 32 | distance
        private int size;

        void add(int doc, int distance) {
            if (size == docs.length) {
                docs = ArrayUtil.grow(docs, size + 1);
            }
            docs[size++] = ((long) doc << 32) | distance;
        }

        void filterInto(Weight filterWeight, LeafReaderContext leaf, SegmentNearest nearest) throws IOException {
            if (size == 0) {
                return;
            }
            Arrays.sort(docs, 0, size);
            ScorerSupplier supplier = filterWeight.scorerSupplier(leaf);
            if (supplier != null) {
                DocIdSetIterator it = supplier.get(size).iterator();
                for (int i = 0; i < size; i++) {
                    int doc = (int) (docs[i] >>> 32);
                    int distance = (int) docs[i];
                    int at = it.docID() < doc ? it.advance(doc) : it.docID();
                    if (at == DocIdSetIterator.NO_MORE_DOCS) {
                        break;
                    }
                    if (at == doc && distance <= nearest.limit()) {
                        nearest.add(doc, distance);
                    }
                }
            }
            size = 0;
        }
    }

    /** What the planner did in each segment, for toString (profile) and explain. */
    private static final class PlanLog {
        private final StringBuilder text = new StringBuilder();
        private int probed;
        private int scanned;
        private int shown;
        private boolean gaveUp;

        void probe(int radius, long lookups, long postings) {
            probed++;
            add("probe(radius:" + radius + " lookups:" + lookups + " postings:" + postings + ")");
        }

        void gaveUp() {
            gaveUp = true;
        }

        void scan(int maxDoc) {
            scanned++;
            add((gaveUp ? "probe_over_budget->" : "") + "scan(docs:" + maxDoc + ")");
            gaveUp = false;
        }

        private void add(String segment) {
            if (shown++ < MAX_PLANS_SHOWN) {
                text.append(text.length() == 0 ? "" : ", ").append(segment);
            } else if (shown == MAX_PLANS_SHOWN + 1) {
                text.append(", ...");
            }
        }

        @Override
        public String toString() {
            return "segments probed:" + probed + " scanned:" + scanned + " [" + text + "]";
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
        sb.append(" substrings:").append(layout.count());
        if (mode != ProbeCost.Mode.AUTO) {
            sb.append(" mode:").append(mode.name().toLowerCase(java.util.Locale.ROOT));
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
        if (filter != null) {
            filter.visit(visitor.getSubVisitor(BooleanClause.Occur.FILTER, this));
        }
    }

    @Override
    public boolean equals(Object other) {
        if (sameClassAs(other) == false) {
            return false;
        }
        MihTopKQuery that = (MihTopKQuery) other;
        return field.equals(that.field)
            && k == that.k
            && maxDistance == that.maxDistance
            && Arrays.equals(code, that.code)
            && Objects.equals(filter, that.filter)
            && layout.equals(that.layout)
            && mode == that.mode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, k, maxDistance, Arrays.hashCode(code), filter, layout, mode);
    }
}
