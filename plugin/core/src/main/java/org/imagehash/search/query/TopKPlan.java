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
    private boolean gaveUp;

    void probed(int radius, long lookups, long postings) {
        probed++;
        add("probe(radius:" + radius + " lookups:" + lookups + " postings:" + postings + ")");
    }

    /** Probing went over its budget; the segment is scanned next. */
    void gaveUp() {
        gaveUp = true;
    }

    void scanned(int maxDoc) {
        scanned++;
        add((gaveUp ? "probe_over_budget->" : "") + "scan(docs:" + maxDoc + ")");
        gaveUp = false;
    }

    private void add(String segment) {
        if (shown++ < MAX_SEGMENTS_SHOWN) {
            text.append(text.length() == 0 ? "" : ", ").append(segment);
        } else if (shown == MAX_SEGMENTS_SHOWN + 1) {
            text.append(", ...");
        }
    }

    @Override
    public String toString() {
        return "segments probed:" + probed + " scanned:" + scanned + " [" + text + "]";
    }
}
