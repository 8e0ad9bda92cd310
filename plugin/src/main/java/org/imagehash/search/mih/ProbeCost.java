package org.imagehash.search.mih;

/**
 * The planner's cost model, in nanoseconds on one core, for choosing per segment between probing substrings and the
 * linear scan. Measured on the benchmark machine (docs/BENCHMARKS-MIH.md): the scan streams the packed codes at about
 * memory bandwidth; a probe is one terms-dictionary lookup; each posting costs its decoding, a visited-set check and
 * a random access to the packed codes for the full popcount.
 */
public final class ProbeCost {

    /** Which search a segment gets; {@link #AUTO} is the planner, the others force one path (tests, benchmarks). */
    public enum Mode {
        AUTO,
        PROBE,
        SCAN
    }

    static final double SCAN_NS_PER_WORD = 0.8;
    static final double FILTERED_SCAN_NS_PER_DOC = 6;
    static final double PROBE_NS = 250;
    static final double POSTING_NS = 15;

    private ProbeCost() {}

    /** Cost of the linear scan of a segment: every code, or every document of the filter. */
    public static double scan(int maxDoc, int words, long filterCost) {
        double all = (double) maxDoc * words * SCAN_NS_PER_WORD;
        if (filterCost < 0) {
            return all;
        }
        return Math.min(all, filterCost * (FILTERED_SCAN_NS_PER_DOC + words * SCAN_NS_PER_WORD));
    }

    /** Cost of {@code probes} term lookups that read {@code postings} postings in all. */
    public static double probe(double probes, double postings) {
        return probes * PROBE_NS + postings * POSTING_NS;
    }
}
