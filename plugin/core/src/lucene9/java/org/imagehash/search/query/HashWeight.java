package org.imagehash.search.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

import java.io.IOException;

/** Lucene 9 line: {@code Weight.scorer} is abstract; ours come from the scorer supplier, as in Lucene 10. */
abstract class HashWeight extends Weight {

    HashWeight(Query query) {
        super(query);
    }

    @Override
    public Scorer scorer(LeafReaderContext context) throws IOException {
        ScorerSupplier supplier = scorerSupplier(context);
        return supplier == null ? null : supplier.get(Long.MAX_VALUE);
    }
}
