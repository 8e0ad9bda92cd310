package org.imagehash.search.query;

import org.apache.lucene.search.Query;
import org.apache.lucene.search.Weight;

/** Lucene 10 line: a weight only supplies scorers ({@code Weight.scorer} is final and built on the supplier). */
abstract class HashWeight extends Weight {

    HashWeight(Query query) {
        super(query);
    }
}
