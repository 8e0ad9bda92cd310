package org.imagehash.search.query;

/**
 * What a top-k search did in each segment (probed to which radius, or scanned, and whether probing gave up first): the
 * plan that the rewritten query shows in the profile API and in {@code explain}.
 */
final class TopKPlan {

    private static final int MAX_SEGMENTS_SHOWN = 16;

    private final StringBuilder text = new StringBuilder();
    private int probed;
    private int scanned;
    private int shown;
    private int estimatedKth = -1; // why a segment that could be probed was scanned: the sample's k-th distance,
    private boolean gaveUp; // or probing went over its budget

    void probed(int radius, long lookups, long postings) {
        probed++;
        if (next()) {
            text.append("probe(radius:").append(radius).append(" lookups:").append(lookups).append(" postings:").append(postings).append(')');
        }
    }

    /** Probing went over its budget; the segment is scanned next. */
    void gaveUp() {
        gaveUp = true;
    }

    /** The sample put the k-th distance at {@code kth}, too far to probe; the segment is scanned next. */
    void estimatedTooFar(int kth) {
        estimatedKth = kth;
    }

    void scanned(int maxDoc) {
        scanned++;
        if (next()) {
            if (gaveUp) {
                text.append("probe_over_budget->");
            } else if (estimatedKth >= 0) {
                text.append("estimate(kth:").append(estimatedKth).append(")->");
            }
            text.append("scan(docs:").append(maxDoc).append(')');
        }
        gaveUp = false;
        estimatedKth = -1;
    }

    /** Whether the next segment is shown (the separator is then written); only the first few are. */
    private boolean next() {
        if (shown++ < MAX_SEGMENTS_SHOWN) {
            text.append(text.length() == 0 ? "" : ", ");
            return true;
        }
        if (shown == MAX_SEGMENTS_SHOWN + 1) {
            text.append(", ...");
        }
        return false;
    }

    @Override
    public String toString() {
        return "segments probed:" + probed + " scanned:" + scanned + " [" + text + "]";
    }
}
