package org.imagehash.search.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.Bits;
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
    private final long[] querySubstrings; // split once per query, for every segment's prober and the sample
    private final int[] firstRound; // per distance, the codes a segment's radius-0 round found (reused segment by segment)

    /** Share of the scan's cost that probing may spend before it consults a sample about the k-th distance. */
    static final double EXPLORE = 0.1;

    SegmentProbe(String field, SubstringLayout layout, SegmentCache cache, ProbeCost.Mode mode, long[] query) {
        this.field = field;
        this.layout = layout;
        this.cache = cache;
        this.mode = mode;
        this.query = query;
        this.querySubstrings = layout.substrings(query);
        this.firstRound = new int[layout.bits() + 1];
    }

    // ---- top k

    /**
     * Searches one segment for its candidates among the k nearest and offers them to the shard's selector.
     *
     * @param filterWeight null for no filter
     * @param filterCost the filter's cost in this segment; -1 for no filter
     * @return false when the planner gave up before finishing: scan the segment instead (nothing was offered, but the
     *     selector's limit may have fallen to the k-th distance that probing found; see {@link #scanInstead})
     */
    boolean topK(LeafReaderContext leaf, SegmentCodes codes, int k, Weight filterWeight, long filterCost, TopKSelector selector, TopKPlan plan)
        throws IOException {
        SegmentProber prober = SegmentProber.open(leaf, field, layout, querySubstrings, codes, cache);
        if (prober == null) {
            return false;
        }
        final double budget = mode == ProbeCost.Mode.PROBE ? Double.POSITIVE_INFINITY : ProbeCost.scan(codes.maxDoc(), codes.words(), filterCost);
        final int m = layout.count();
        final long[] c = codes.codes();
        final int words = codes.words();
        final Bits live = leaf.reader().getLiveDocs();
        final TopKSelector nearest = new TopKSelector(k, selector.limit());
        final Pending pending = filterWeight == null ? null : new Pending();
        final int[] radius = new int[m];
        Arrays.fill(radius, -1);
        final int[] round = new int[2]; // the (substring, radius) being probed
        final int[] firstRound = this.firstRound;
        Arrays.fill(firstRound, 0);
        boolean sampled = false;
        // A document comes once per substring it shares with the query's probes. The check that it came before runs
        // only for the few within the limit: one seen farther stays farther, since the limit only falls.
        // The radius-0 round also counts what it finds at every distance, for firstRoundKth.
        final boolean beside = prober.codesBesidePostings();
        final long q0 = query[0];
        SegmentProber.DocConsumer verify = (substring, doc, code) -> {
            int d = beside ? Long.bitCount(code ^ q0) : HammingKernels.distance(c, doc, query, words);
            if (round[1] == 0) {
                firstRound[d]++; // a code met in two substrings counts twice: near codes weigh more, which errs towards probing
            }
            if (d <= nearest.limit() && cameInEarlierRound(codes, doc, beside, code, round[0], round[1]) == false && (live == null || live.get(doc))) {
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
                // After the radius-0 round: what it found says how far the k-th neighbour is (below), at no cost; when
                // proving that distance would cost more than the scan, scan now. Far neighbours (random codes, a large k)
                // are then found out before the free rounds below, which cost a tenth of the scan and up to a third of
                // the scan's real time in a segment of 100k codes.
                if (s == 1 && j == 0 && mode == ProbeCost.Mode.AUTO) {
                    int kth = firstRoundTooFar(k, filterCost, nearest.limit(), codes, prober, budget);
                    if (kth == NOTHING_PROVABLE && SegmentSample.worthSampling(codes)) {
                        // no code found near enough to prove, and too few seen to trust that: the sample decides now,
                        // before free rounds that would mostly read far codes (random codes: ~5 % of the scan at 100k)
                        sampled = true;
                        kth = estimatedKthDistance(codes, k, filterCost, nearest.limit(), prober, budget);
                    }
                    if (kth >= 0) {
                        plan.estimatedTooFar(kth, prober.probes());
                        return scanInstead(nearest, selector);
                    }
                }
                // Before each round: give up if the work so far plus the next round would exceed the scan, the round
                // priced by the query's own buckets (looked up before any is read: a query like the indexed codes lands
                // in buckets far fuller than the segment's mean, which is what made probing lose on a model's codes),
                // once its lookups alone fit. The buckets looked up are kept, so the round reads them without a second
                // lookup.
                long next = layout.probesAt(j, s);
                long collected = -1; // the round's postings, once its buckets are looked up
                double withNext = cost(prober, next, 0, codes);
                if (withNext <= budget && budget != Double.POSITIVE_INFINITY) {
                    collected = prober.collect(j, s);
                    withNext = cost(prober, 0, collected, codes);
                }
                if (withNext > budget) {
                    plan.gaveUp(prober.probes());
                    return scanInstead(nearest, selector);
                }
                // The radius-0 round and the rounds after it that together cost under a tenth of the scan run without
                // asking (they find exact and near duplicates, which no sample would show: a sample scales each near
                // code it holds up to hundreds). Past that, a large segment whose k-th distance is not yet known to be
                // cheap to prove consults a sample once: when the neighbours are far, finding out by probing would cost
                // up to a scan before the scan itself.
                if (sampled == false && s > 0 && withNext > EXPLORE * budget && mode == ProbeCost.Mode.AUTO && SegmentSample.worthSampling(codes)) {
                    sampled = true;
                    int kth = estimatedKthDistance(codes, k, filterCost, nearest.limit(), prober, budget);
                    if (kth >= 0) {
                        plan.estimatedTooFar(kth, prober.probes());
                        return scanInstead(nearest, selector);
                    }
                }
                // Once every substring has been probed to radius 1 and k candidates are in hand, also give up if
                // proving their k-th distance would take more than four times the scan: that distance only falls, so
                // this is an upper bound. Earlier, the k-th distance found is still far above the final one and would
                // stop searches that end cheaply.
                if (s >= 2 && nearest.hasK() && provingFrom(prober, j, s, radius, nearest.limit(), collected, codes) > 4 * budget) {
                    plan.gaveUp(prober.probes());
                    return scanInstead(nearest, selector);
                }
                round[0] = j;
                round[1] = s;
                if (collected >= 0) {
                    prober.readCollected(verify);
                } else {
                    prober.probe(j, s, verify);
                }
                radius[j] = s;
                if (pending != null) {
                    pending.filterInto(filterWeight, leaf, nearest);
                }
            }
        }
    }

    /**
     * Gives the segment to the scan with what probing learnt: k documents it found within some distance bound the k-th
     * distance, so the scan starts from that limit rather than from the shard's (every block beyond it is skipped by
     * its first pass; it finds those k again). That recovers part of the rounds already paid where near codes are many
     * and the scan's own limit falls slowly: model codes top 100 at 1M 1.05x to 0.97x the plain scan's time, clustered
     * top 100 1.09x to 1.01x (docs/BENCHMARKS-MIH.md, seventh session).
     */
    private static boolean scanInstead(TopKSelector nearest, TopKSelector selector) {
        if (nearest.hasK()) {
            selector.lowerLimit(nearest.limit());
        }
        return false;
    }

    /**
     * Expected finds below which the radius-0 round alone is not trusted to have seen the k nearest codes had they been
     * near enough to prove: with this many expected it misses them all with a chance of e^-3 (5 %).
     */
    static final double FIRST_ROUND_EVIDENCE = 3;

    /**
     * The k-th distance that the radius-0 round's finds suggest ({@link #firstRoundKth}), when probing cannot prove it
     * within the budget and that round would most likely have shown k codes as near as the farthest distance probing
     * can prove; -1 otherwise (probing goes on), or {@link #NOTHING_PROVABLE} when the round found no code that near. Without the second condition a few far finds, each standing for many
     * codes, would decide alone: the round sees only 1 in 8 codes 11 bits from a 64-bit query (the farthest a 1M
     * segment's budget proves), so ten of them would all go unseen 30 % of the time, and near neighbours of clustered
     * codes went to the scan. (Asking the sample at once on less evidence saved a little on random codes, 1.17x to
     * 1.12x the scan for a top 10 of 1M 64-bit codes, and cost near neighbours more: top 10 of 10M clustered codes 4.2x
     * to 3.2x faster than the scan; bench/mih/results/planner-first-round-sample-at-once.jsonl.)
     */
    private int firstRoundTooFar(int k, long filterCost, int limit, SegmentCodes codes, SegmentProber prober, double budget) {
        long candidates = filterCost < 0 ? codes.count() : Math.min(filterCost, codes.count());
        double share = (double) candidates / codes.count();
        if (layout.firstRoundChances() == null) {
            return -1;
        }
        int kth = firstRoundKth(k, share, limit);
        if (kth < 0) {
            return NOTHING_PROVABLE; // the round found nothing at all
        }
        int provable = provable(kth, codes, prober, budget);
        if (provable >= kth) {
            return -1;
        }
        if (provable < 0 || k / share * layout.firstRoundChances()[provable] >= FIRST_ROUND_EVIDENCE) {
            return kth;
        }
        for (int d = 0; d <= provable; d++) {
            if (firstRound[d] > 0) {
                return -1;
            }
        }
        return NOTHING_PROVABLE;
    }

    /**
     * What {@link #firstRoundTooFar} says when the radius-0 round found no code within the distance that probing could
     * prove but saw too small a share of such codes to rule them out: the sample is asked at once. Where the round did
     * find one, near neighbours are likely (clustered codes) and the free rounds run first, since the sample scales
     * each near code it holds by ~256 and would send them to the scan.
     */
    static final int NOTHING_PROVABLE = -2;

    /**
     * The k-th distance that the radius-0 round's finds suggest (at most {@code limit}, the k-th found so far): each code
     * it found at distance {@code d} stands for 1 / {@link SubstringLayout#firstRoundChances() chance(d)} codes at that
     * distance (every one within {@code m - 1} bits is found; of those 24 bits from a 64-bit query, 1 in 2,000), scaled by
     * the share of candidates the filter leaves. -1 when the round found nothing. Only for a layout with chances.
     */
    private int firstRoundKth(int k, double share, int limit) {
        double[] chances = layout.firstRoundChances();
        double codesWithin = 0;
        boolean found = false;
        for (int d = 0; d < firstRound.length; d++) {
            if (firstRound[d] > 0) {
                found = true;
                codesWithin += firstRound[d] * share / Math.max(chances[d], 1e-12);
            }
            if (d >= limit || codesWithin >= k) {
                return found ? Math.min(d, limit) : -1;
            }
        }
        return found ? limit : -1;
    }

    /**
     * The k-th distance that a sample of the segment suggests, if proving it by probing would cost more than the scan:
     * then the first distance beyond what probing proves within the budget, at or below the sample's k-th distance
     * (the scan follows either way, and the sample need not count the codes beyond it: where sampling matters, nearly
     * all of them); -1 when probing looks cheaper. Finding that out by probing costs up to a scan when the neighbours
     * are far; the sample costs 1/{@link SegmentSample#FRACTION} of one.
     *
     * @param limit the k-th distance found so far (or the shard's limit)
     */
    private int estimatedKthDistance(SegmentCodes codes, int k, long filterCost, int limit, SegmentProber prober, double budget) {
        int provable = provable(limit, codes, prober, budget);
        if (provable >= limit) {
            return -1; // the first round found k codes near enough: no need to estimate
        }
        SegmentSample sample = new SegmentSample(codes, query);
        long candidates = filterCost < 0 ? codes.count() : Math.min(filterCost, codes.count());
        int kth = sample.kthDistance(k, candidates, provable + 1);
        if (kth > provable) {
            return kth;
        }
        int[] radius = radii(kth);
        // the query's neighbourhood may be denser than the mean: the sample's codes within each substring's radius
        // (postings come from every code, filtered or not)
        double postings = sample.postings(layout, querySubstrings, radius, codes.count());
        return ProbeCost.probe(layout.probesWithin(kth), postings, codes.maxDoc(), codes.words(), prober.codesBesidePostings()) > budget ? kth : -1;
    }

    /** The farthest distance up to {@code upTo} that probing proves within {@code budget}; -1 when not even 0. */
    private int provable(int upTo, SegmentCodes codes, SegmentProber prober, double budget) {
        int provable = -1;
        while (provable < upTo && provingCost(codes, provable + 1, prober) <= budget) {
            provable++;
        }
        return provable;
    }

    /** Cost of probing every code within {@code distance} with the segment's mean postings per lookup; infinite where that enumerates a substring. */
    private double provingCost(SegmentCodes codes, int distance, SegmentProber prober) {
        long lookups = layout.probesWithin(distance);
        if (lookups < 0) {
            return Double.POSITIVE_INFINITY;
        }
        return ProbeCost.probe(lookups, lookups * prober.postingsPerTerm(), codes.maxDoc(), codes.words(), prober.codesBesidePostings());
    }

    /** Estimated cost of the work done so far plus {@code moreLookups}, each with the segment's mean postings. */
    private static double cost(SegmentProber prober, long moreLookups, SegmentCodes codes) {
        return cost(prober, moreLookups, moreLookups * prober.postingsPerTerm(), codes);
    }

    /**
     * Cost of the work done so far plus {@code moreLookups} reading {@code morePostings}, at the rate measured for a top
     * k's rounds ({@link ProbeCost#TOP_K_POSTING_FACTOR}): the planner's free first rounds and its running guard. The
     * estimates of what proving a k-th distance would cost ({@link #provingCost}) keep the radius probe's rate: priced
     * at the top-k rate, they sent near neighbours of clustered codes to the scan (bench/mih/planner.sh).
     */
    private static double cost(SegmentProber prober, long moreLookups, double morePostings, SegmentCodes codes) {
        return ProbeCost.topKProbe(prober.probes() + moreLookups, prober.postingsRead() + morePostings, codes.maxDoc(), codes.words(), prober.codesBesidePostings());
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

    /**
     * Cost of the work so far plus proving {@code limit} from round {@code (j, s)} on, the rounds priced with the
     * segment's mean postings, except round {@code (j, s)} itself when its buckets are already looked up (its lookups
     * are in the work so far and {@code collected} is its postings; -1 when not looked up).
     */
    private double provingFrom(SegmentProber prober, int j, int s, int[] radius, int limit, long collected, SegmentCodes codes) {
        long lookups = lookupsToProve(radius, j, s, limit);
        if (collected < 0) {
            return cost(prober, lookups, codes);
        }
        long later = lookups - layout.probesAt(j, s);
        return cost(prober, later, later * prober.postingsPerTerm() + collected, codes);
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

    /**
     * Whether a code met in the top k's round (substring {@code j}, radius {@code s}) was handed over in an earlier
     * round: the rounds run radius by radius, substrings in order within each, so it was iff another of its substrings
     * is nearer to the query's than {@code s}, or as near and earlier. Read off the code itself, this replaces a
     * visited set (a per-query allocation the size of the segment, and a random access per candidate).
     */
    private boolean cameInEarlierRound(SegmentCodes codes, int doc, boolean beside, long code, int j, int s) {
        for (int i = 0; i < querySubstrings.length; i++) {
            if (i != j) {
                int d = Long.bitCount(substring(codes, doc, beside, code, i) ^ querySubstrings[i]);
                if (d < s || (d == s && i < j)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether a code met while probing substring {@code j} of a radius search was met before: the substrings are probed
     * in order, each to its whole radius, so it was iff an earlier substring is within its own radius.
     */
    private boolean metInEarlierSubstring(SegmentCodes codes, int doc, boolean beside, long code, int j, int[] radius) {
        for (int i = 0; i < j; i++) {
            if (Long.bitCount(substring(codes, doc, beside, code, i) ^ querySubstrings[i]) <= radius[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Substring {@code i} of a candidate: from the code handed with its posting where the segment keeps codes beside
     * its postings, else from the packed codes. In the large segments that keep them, a read of the packed codes is a
     * cache miss per candidate, and a radius query on near-duplicate codes meets each of its hits once per substring.
     */
    private long substring(SegmentCodes codes, int doc, boolean beside, long code, int i) {
        return beside ? layout.substring(code, i) : layout.substring(codes, doc, i);
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

    /**
     * The radius to probe in each substring for {@code maxDistance}; null when a substring would be enumerated whole (the
     * layout's {@link SubstringLayout#probesWithin} says so: one rule for the planner's prices and the probe's radii).
     */
    int[] radii(int maxDistance) {
        if (layout.probesWithin(maxDistance) < 0) {
            return null;
        }
        int m = layout.count();
        int s = maxDistance / m;
        int a = maxDistance % m;
        int[] radius = new int[m];
        for (int j = 0; j < m; j++) {
            radius[j] = j <= a ? s : s - 1;
        }
        return radius;
    }

    /**
     * The documents of a segment within {@code maxDistance}, found by probing to {@code radius}; null when the planner
     * scans the segment instead.
     *
     * <p>The planner looks the query's own buckets up before reading any (their sizes are the probe's real cost, see
     * {@link #topK}) and keeps them, so a probe pays for its lookups once. Those lookups are lost when the scan wins, so
     * it looks them up only when they cost at most half the scan (a radius of 12 on 64-bit codes in a 100k segment
     * counted 1,108 buckets to decide on the scan: 1.7x the scan's own time when counted without that guard). It then
     * probes when twice the lookups and the postings cost less than the scan: charging the lookups once (they are paid
     * already) probed more clustered radius-8 queries at 100k, and lost, 0.88x to 1.32x the scan's time (the model
     * prices a posting below what verifying it costs there; bench/mih/results/planner-100000-collect-marginal-rule.jsonl).
     */
    FoundDocs within(LeafReaderContext leaf, SegmentCodes codes, int[] radius, long lookups, int maxDistance) throws IOException {
        if (radius == null || mode == ProbeCost.Mode.SCAN) {
            return null;
        }
        final boolean forced = mode == ProbeCost.Mode.PROBE; // nothing to decide, and no bound on the lookups to keep
        final double scan = ProbeCost.scan(codes.maxDoc(), codes.words(), -1);
        if (forced == false && ProbeCost.probe(2 * lookups, 0, codes.maxDoc(), codes.words(), false) > scan) {
            return null; // decided before the tables are opened (a cache lookup and a check of the terms per segment)
        }
        SegmentProber prober = SegmentProber.open(leaf, field, layout, querySubstrings, codes, cache);
        if (prober == null) {
            return null;
        }
        if (forced == false) {
            long postings = 0;
            for (int j = 0; j < radius.length; j++) {
                for (int i = 0; i <= radius[j]; i++) {
                    postings += prober.collect(j, i);
                }
            }
            if (ProbeCost.probe(2 * lookups, postings, codes.maxDoc(), codes.words(), prober.codesBesidePostings()) > scan) {
                return null;
            }
        }
        final long[] c = codes.codes();
        final int words = codes.words();
        final long[][] found = { new long[16] };
        final int[] size = { 0 };
        // the check that a document came before runs only for the few within the radius
        final boolean beside = prober.codesBesidePostings();
        final long q0 = query[0];
        SegmentProber.DocConsumer verify = (substring, doc, code) -> {
            int d = beside ? Long.bitCount(code ^ q0) : HammingKernels.distance(c, doc, query, words);
            if (d <= maxDistance && metInEarlierSubstring(codes, doc, beside, code, substring, radius) == false) {
                if (size[0] == found[0].length) {
                    found[0] = ArrayUtil.grow(found[0], size[0] + 1);
                }
                found[0][size[0]++] = ((long) doc << 32) | d;
            }
        };
        if (forced) {
            for (int j = 0; j < radius.length; j++) {
                for (int i = 0; i <= radius[j]; i++) {
                    prober.probe(j, i, verify);
                }
            }
        } else {
            prober.readCollected(verify);
        }
        Arrays.sort(found[0], 0, size[0]);
        return FoundDocs.fromPacked(found[0], size[0]);
    }
}
