package org.imagehash.search;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.Query;

/** Lucene 10 line: a boolean clause's parts are record components. */
public final class Clauses {

    private Clauses() {}

    public static Query query(BooleanClause clause) {
        return clause.query();
    }

    public static BooleanClause.Occur occur(BooleanClause clause) {
        return clause.occur();
    }
}
