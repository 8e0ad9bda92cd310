package org.imagehash.search.mih;

/**
 * The planner's cost model, in nanoseconds on one core, for choosing per segment between probing substrings and the
 * linear scan. Measured on the benchmark machine (a shared 2-core VM; {@code ProbeCostCalibration} in the tests, and
 * docs/BENCHMARKS-MIH.md): the scan streams the packed codes at about memory bandwidth (1-1.7 ns per 64-bit code);
 * a probe is a table lookup plus the enumeration step; each posting is a random access to the packed codes for the
 * full popcount (30-60 ns: a cache miss on a large segment). Only the ratios matter (the planner compares costs): on
 * the same machine when quiet (2026-12-02, 1M codes) every figure was lower, the scan 0.12-0.15 ns per 64-bit code and
 * a radius probe about 4.5 ns per lookup or posting, in about the same proportion.
 */
public final class ProbeCost {

    /** Which search a segment gets; {@link #AUTO} is the planner, the others force one path (tests, benchmarks). */
    public enum Mode {
        AUTO,
        PROBE,
        SCAN
    }

    static final double SCAN_NS_PER_WORD = 1.0;
    static final double FILTERED_SCAN_NS_PER_DOC = 6;
    static final double PROBE_NS = 60;
    static final double POSTING_NS = 35;
    /** Beyond this many bytes of packed codes a segment's random accesses miss the caches (and the TLB). */
    static final long CACHED_CODE_BYTES = 16L << 20;
    /** Lookup and posting costs when they miss: measured on 10M-code segments (80 MB of codes). */
    static final double PROBE_NS_UNCACHED = 100;
    static final double POSTING_NS_UNCACHED = 120;
    /**
     * A posting read with its code beside it ({@link PostingCodes}: large segments of one-word codes):
     * a sequential read and a popcount, no miss. {@code ProbeCostCalibration} on 10M uniform codes (2026-12-03,
     * bench/mih/results/probe-cost-calibration-10000000-codes-beside.txt): radius 8-12 probes cost 300-400 ns per lookup
     * with its ~152 postings against 0.37 ns per code scanned, i.e. at most 2-2.6 ns per posting, 5-7 in these units;
     * 10 errs towards the scan.
     */
    static final double POSTING_NS_WITH_CODE = 10;

    private ProbeCost() {}

    /** Cost of the linear scan of a segment: every code, or every document of the filter. */
    public static double scan(int maxDoc, int words, long filterCost) {
        double all = (double) maxDoc * words * SCAN_NS_PER_WORD;
        if (filterCost < 0) {
            return all;
        }
        return Math.min(all, filterCost * (FILTERED_SCAN_NS_PER_DOC + words * SCAN_NS_PER_WORD));
    }

    /**
     * A top-k search's postings, as they are read in its rounds, cost this many times a radius probe's. Measured on 1M
     * uniform 64-bit codes (an instrumented copy of the planner): 20-35 ns per posting in a top 10's first rounds, of
     * which only 1 in 25 passed the k-th distance found, against about 4.5 ns in a radius probe and 0.12-0.15 ns per
     * code for the scan; the cause of the difference was not isolated. Priced at the radius rate, the planner's free
     * first rounds spent up to a quarter of the scan's real time on far neighbours before it asked the sample. Only
     * where the codes fit the caches: beyond, every posting is a cache miss either way ({@link #POSTING_NS_UNCACHED}),
     * and there the factor halved the speed-up of top 10 on 10M clustered codes (4.7x to 2.3-2.5x the scan's speed)
     * while saving 5 % on far top k over 1M 256-bit codes (bench/mih/results/planner-10000000-uncached.jsonl).
     */
    public static final double TOP_K_POSTING_FACTOR = 4;

    /**
     * Cost of a top k's {@code probes} lookups that read {@code postings} postings in all.
     *
     * @param codesBeside whether the segment's postings come with their codes ({@link PostingCodes})
     */
    public static double topKProbe(double probes, double postings, int maxDoc, int words, boolean codesBeside) {
        return probe(probes, cached(maxDoc, words) ? postings * TOP_K_POSTING_FACTOR : postings, maxDoc, words, codesBeside);
    }

    static boolean cached(long maxDoc, int words) {
        return (long) maxDoc * words * Long.BYTES <= CACHED_CODE_BYTES;
    }

    /**
     * Cost of {@code probes} lookups that read {@code postings} postings in all, in a segment of that many documents.
     *
     * @param codesBeside whether the segment's postings come with their codes ({@link PostingCodes})
     */
    public static double probe(double probes, double postings, int maxDoc, int words, boolean codesBeside) {
        if (cached(maxDoc, words) == false) {
            return probes * PROBE_NS_UNCACHED + postings * (codesBeside ? POSTING_NS_WITH_CODE : POSTING_NS_UNCACHED);
        }
        return probes * PROBE_NS + postings * POSTING_NS;
    }
}
