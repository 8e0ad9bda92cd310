package org.imagehash.search.query;

import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;

/** A supplier of a scorer built up front (what Lucene 10 calls {@code Weight.DefaultScorerSupplier}; Lucene 9 has none). */
final class ScorerSuppliers {

    private ScorerSuppliers() {}

    static ScorerSupplier of(Scorer scorer) {
        return new ScorerSupplier() {
            @Override
            public Scorer get(long leadCost) {
                return scorer;
            }

            @Override
            public long cost() {
                return scorer.iterator().cost();
            }
        };
    }
}
