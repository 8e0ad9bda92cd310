package org.imagehash.search;

import org.apache.lucene.search.TopDocs;

/** Lucene 9 line: the total hit count is a field. */
public final class TotalHits {

    private TotalHits() {}

    public static long of(TopDocs top) {
        return of(top.totalHits);
    }

    public static long of(org.apache.lucene.search.TotalHits totalHits) {
        return totalHits.value;
    }
}
