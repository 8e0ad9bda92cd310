package org.imagehash.search;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.Query;

/** Lucene 9 line: a boolean clause's parts are accessors. */
public final class Clauses {

    private Clauses() {}

    public static Query query(BooleanClause clause) {
        return clause.getQuery();
    }

    public static BooleanClause.Occur occur(BooleanClause clause) {
        return clause.getOccur();
    }
}
