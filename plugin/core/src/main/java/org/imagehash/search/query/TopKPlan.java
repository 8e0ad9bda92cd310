package org.imagehash.search.query;

/**
 * What a top-k search did in each segment (probed to which radius, or scanned, and whether probing gave up first): the
 * plan that the rewritten query shows in the profile API and in {@code explain}. Every search records one, and few are
 * ever printed, so it keeps numbers and writes its text only when asked.
 */
final class TopKPlan {

    private static final int MAX_SEGMENTS_SHOWN = 16;
    private static final int PROBED = 0, SCANNED = 1, OVER_BUDGET = 2, ESTIMATED = 3;

    private final int[] kind = new int[MAX_SEGMENTS_SHOWN];
    private final int[] radius = new int[MAX_SEGMENTS_SHOWN]; // probed: the radius; estimated: the sample's k-th distance
    private final long[] lookups = new long[MAX_SEGMENTS_SHOWN]; // probed: lookups; scanned: the segment's documents
    private final long[] postings = new long[MAX_SEGMENTS_SHOWN];
    private final long[] spent = new long[MAX_SEGMENTS_SHOWN]; // scanned after probing: the lookups probing spent first
    private int segments;
    private int probed;
    private int scanned;
    private int estimatedKth = -1; // why a segment that could be probed was scanned: the sample's k-th distance,
    private boolean gaveUp; // or probing went over its budget
    private long spentLookups; // lookups made before either

    void probed(int radius, long lookups, long postings) {
        probed++;
        record(PROBED, radius, lookups, postings, 0);
    }

    /** Probing went over its budget after {@code lookups} lookups; the segment is scanned next. */
    void gaveUp(long lookups) {
        gaveUp = true;
        spentLookups = lookups;
    }

    /**
     * The first round's finds or the sample put the k-th distance at {@code kth} or beyond, too far to probe, after
     * {@code lookups} lookups; the segment is scanned next.
     */
    void estimatedTooFar(int kth, long lookups) {
        estimatedKth = kth;
        spentLookups = lookups;
    }

    void scanned(int maxDoc) {
        scanned++;
        record(gaveUp ? OVER_BUDGET : estimatedKth >= 0 ? ESTIMATED : SCANNED, estimatedKth, maxDoc, 0, spentLookups);
        gaveUp = false;
        estimatedKth = -1;
        spentLookups = 0;
    }

    private void record(int what, int r, long l, long p, long s) {
        if (segments < MAX_SEGMENTS_SHOWN) {
            kind[segments] = what;
            radius[segments] = r;
            lookups[segments] = l;
            postings[segments] = p;
            spent[segments] = s;
        }
        segments++;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(segments, MAX_SEGMENTS_SHOWN); i++) {
            text.append(i == 0 ? "" : ", ");
            switch (kind[i]) {
                case PROBED -> text.append("probe(radius:").append(radius[i]).append(" lookups:").append(lookups[i])
                    .append(" postings:").append(postings[i]).append(')');
                case OVER_BUDGET -> text.append("probe_over_budget(lookups:").append(spent[i]).append(")->");
                case ESTIMATED -> text.append("estimate(kth:").append(radius[i]).append(" lookups:").append(spent[i]).append(")->");
                default -> {}
            }
            if (kind[i] != PROBED) {
                text.append("scan(docs:").append(lookups[i]).append(')');
            }
        }
        if (segments > MAX_SEGMENTS_SHOWN) {
            text.append(", ...");
        }
        return "segments probed:" + probed + " scanned:" + scanned + " [" + text + "]";
    }
}
