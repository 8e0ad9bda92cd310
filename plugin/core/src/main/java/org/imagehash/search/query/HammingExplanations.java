package org.imagehash.search.query;

import org.apache.lucene.search.Explanation;

/** The explanations every hamming query gives: the distance and how it became the score, and how a segment was searched. */
final class HammingExplanations {

    private HammingExplanations() {}

    static Explanation distance(String field, int distance, float boost) {
        return Explanation.match(
            HammingScore.score(distance, boost),
            "hamming distance " + distance + " in field [" + field + "], computed as boost / (1 + distance) from:",
            Explanation.match(distance, "hamming distance"),
            Explanation.match(boost, "boost")
        );
    }

    /**
     * Adds how the search ran (null: nothing to add) before the description's trailing "computed as ... from:", which
     * Lucene's checks expect last.
     */
    static Explanation withPlan(Explanation e, String plan) {
        if (plan == null) {
            return e;
        }
        String note = " [plan: " + plan + "]";
        String description = e.getDescription();
        int at = description.indexOf(", computed as");
        description = at < 0 ? description + note : description.substring(0, at) + note + description.substring(at);
        return e.isMatch() ? Explanation.match(e.getValue(), description, e.getDetails()) : Explanation.noMatch(description, e.getDetails());
    }
}
