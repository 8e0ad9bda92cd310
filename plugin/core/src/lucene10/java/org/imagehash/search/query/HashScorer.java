package org.imagehash.search.query;

import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;

/** Lucene 10 line: scorers no longer hold their weight. */
abstract class HashScorer extends Scorer {

    HashScorer(Weight weight) {
        super();
    }
}
