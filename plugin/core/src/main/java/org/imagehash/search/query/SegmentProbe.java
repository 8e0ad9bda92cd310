package org.imagehash.search.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.SparseFixedBitSet;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SegmentProber;
import org.imagehash.search.mih.SubstringLayout;

import java.io.IOException;
import java.util.Arrays;

/**
 * The probing strategy: multi-index hashing (Norouzi, Punjani and Fleet, CVPR 2012) over a segment's substring tables,
 * for one query code. Every candidate a probe finds is verified with a full popcount, so answers are exact.
 *
 * <p>Top k grows a radius {@code s}: for each substring {@code j} in turn, every code whose substring {@code j} is
 * exactly {@code s} bits from the query's is verified. Once substrings {@code 0..j} have been probed to radius
 * {@code s} and the others to {@code s - 1}, a code not yet seen differs by at least {@code s + 1} bits in each of the
 * first {@code j + 1} substrings and at least {@code s} in the others: its distance is at least
 * {@code m * s + j + 1}. The search stops once that bound exceeds the k-th distance found (or the shard's limit).
 *
 * <p>A radius {@code r = m * s + a} ({@code 0 <= a < m}) probes substrings {@code 0..a} to radius {@code s} and the
 * others to {@code s - 1}: a code missed by all of them differs by at least {@code m * s + a + 1 > r} bits (the
 * pigeonhole principle, refined as in MIH). For {@code r = 0} that is one lookup.
 */
final class SegmentProbe {

    private final String field;
    private final SubstringLayout layout;
    private final SegmentCache cache;
    private final ProbeCost.Mode mode;
    private final long[] query;

    SegmentProbe(String field, SubstringLayout layout, SegmentCache cache, ProbeCost.Mode mode, long[] query) {
        this.field = field;
        this.layout = layout;
        this.cache = cache;
        this.mode = mode;
        this.query = query;
    }

    // ---- top k

    /**
     * Searches one segment for its candidates among the k nearest and offers them to the shard's selector.
     *
     * @param filterWeight null for no filter
     * @param filterCost the filter's cost in this segment; -1 for no filter
     * @return false when the planner gave up before finishing (nothing was offered): scan the segment instead
     */
    boolean topK(LeafReaderContext leaf, SegmentCodes codes, int k, Weight filterWeight, long filterCost, TopKSelector selector, TopKPlan plan)
        throws IOException {
        SegmentProber prober = SegmentProber.open(leaf, field, layout, query, codes.count(), cache);
        if (prober == null) {
            return false;
        }
        final double budget = mode == ProbeCost.Mode.PROBE ? Double.POSITIVE_INFINITY : ProbeCost.scan(codes.maxDoc(), codes.words(), filterCost);
        final int m = layout.count();
        final long[] c = codes.codes();
        final int words = codes.words();
        final Bits live = leaf.reader().getLiveDocs();
        final SparseFixedBitSet seen = new SparseFixedBitSet(codes.maxDoc());
        final TopKSelector nearest = new TopKSelector(k, selector.limit());
        final Pending pending = filterWeight == null ? null : new Pending();
        final int[] radius = new int[m];
        Arrays.fill(radius, -1);
        // A document comes once per substring it shares with the query's probes. The visited check runs only for the
        // few within the limit: one seen farther stays farther, since the limit only falls.
        SegmentProber.DocConsumer verify = doc -> {
            int d = HammingKernels.distance(c, doc * words, query, words);
            if (d <= nearest.limit() && seen.getAndSet(doc) == false && (live == null || live.get(doc))) {
                if (pending == null) {
                    nearest.add(doc, d);
                } else {
                    pending.add(doc, d);
                }
            }
        };
        for (int s = 0;; s++) {
            for (int j = 0; j < m; j++) {
                if (unseenBound(radius) > nearest.limit()) {
                    plan.probed(Arrays.stream(radius).max().getAsInt(), prober.probes(), prober.postingsRead());
                    nearest.offerTo(selector, leaf.docBase);
                    return true;
                }
                // Before each round: give up if the work so far plus the next round would exceed the scan, the round
                // priced by the query's own buckets (counted before any is read: a query like the indexed codes lands
                // in buckets far fuller than the segment's mean, which is what made probing lose on a model's codes),
                // once its lookups alone fit. Once every substring has been probed to radius 1 and k candidates are in
                // hand, also if proving their k-th distance would take more than four times the scan: that distance
                // only falls, so this is an upper bound (it stops large k and far neighbours early, before their
                // rounds are spent). Earlier, the k-th distance found is still far above the final one and would stop
                // searches that end cheaply.
                long next = layout.probesAt(j, s);
                boolean overBudget = cost(prober, next, 0, codes) > budget
                    || (budget != Double.POSITIVE_INFINITY && cost(prober, next, prober.postingsAt(j, s), codes) > budget);
                if (overBudget) {
                    plan.gaveUp();
                    return false;
                }
                if (s >= 2 && nearest.hasK() && cost(prober, lookupsToProve(radius, j, s, nearest.limit()), codes) > 4 * budget) {
                    plan.gaveUp();
                    return false;
                }
                prober.probe(j, s, verify);
                radius[j] = s;
                if (pending != null) {
                    pending.filterInto(filterWeight, leaf, nearest);
                }
            }
        }
    }

    /** Estimated cost of the work done so far plus {@code moreLookups}, each with the segment's mean postings. */
    private static double cost(SegmentProber prober, long moreLookups, SegmentCodes codes) {
        return cost(prober, moreLookups, moreLookups * prober.postingsPerTerm(), codes);
    }

    /** Cost of the work done so far plus {@code moreLookups} reading {@code morePostings}. */
    private static double cost(SegmentProber prober, long moreLookups, double morePostings, SegmentCodes codes) {
        return ProbeCost.probe(prober.probes() + moreLookups, prober.postingsRead() + morePostings, codes.maxDoc(), codes.words());
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

        void filterInto(Weight filterWeight, LeafReaderContext leaf, TopKSelector nearest) throws IOException {
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

    // ---- radius

    /** The radius to probe in each substring for {@code maxDistance}; null when the probes would cover every code. */
    int[] radii(int maxDistance) {
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

    /** Lookups that probing to these radii costs. */
    long lookups(int[] radius) {
        long lookups = 0;
        for (int j = 0; j < radius.length; j++) {
            for (int i = 0; i <= radius[j]; i++) {
                lookups += layout.probesAt(j, i);
            }
        }
        return lookups;
    }

    /** Whether the planner probes this segment for a radius search (else it is scanned). */
    boolean probesWithin(LeafReaderContext leaf, SegmentCodes codes, int[] radius, long lookups) throws IOException {
        if (radius == null || mode == ProbeCost.Mode.SCAN) {
            return false;
        }
        SegmentProber prober = SegmentProber.open(leaf, field, layout, query, codes.count(), cache);
        if (prober == null || mode == ProbeCost.Mode.PROBE) {
            return prober != null;
        }
        double scan = ProbeCost.scan(codes.maxDoc(), codes.words(), -1);
        if (ProbeCost.probe(lookups, 0, codes.maxDoc(), codes.words()) > scan) {
            return false; // the lookups alone cost more: not worth counting the buckets
        }
        // the query's own buckets, counted before any is read (see topK); counting costs its lookups once more
        long postings = 0;
        for (int j = 0; j < radius.length; j++) {
            for (int i = 0; i <= radius[j]; i++) {
                postings += prober.postingsAt(j, i);
            }
        }
        return ProbeCost.probe(2 * lookups, postings, codes.maxDoc(), codes.words()) <= scan;
    }

    /** The documents of a segment within {@code maxDistance}, found by probing to {@code radius}. */
    FoundDocs within(LeafReaderContext leaf, SegmentCodes codes, int[] radius, int maxDistance) throws IOException {
        SegmentProber prober = SegmentProber.open(leaf, field, layout, query, codes.count(), cache);
        if (prober == null) {
            return FoundDocs.NONE;
        }
        final long[] c = codes.codes();
        final int words = codes.words();
        final SparseFixedBitSet seen = new SparseFixedBitSet(codes.maxDoc());
        final long[][] found = { new long[16] };
        final int[] size = { 0 };
        // the visited check runs only for the few documents within the radius
        SegmentProber.DocConsumer verify = doc -> {
            int d = HammingKernels.distance(c, doc * words, query, words);
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
        Arrays.sort(found[0], 0, size[0]);
        return FoundDocs.fromPacked(found[0], size[0]);
    }
}
