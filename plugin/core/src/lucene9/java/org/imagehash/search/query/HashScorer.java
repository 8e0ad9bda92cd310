package org.imagehash.search.query;

import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;

/** Lucene 9 line: a scorer holds its weight. */
abstract class HashScorer extends Scorer {

    HashScorer(Weight weight) {
        super(weight);
    }
}
