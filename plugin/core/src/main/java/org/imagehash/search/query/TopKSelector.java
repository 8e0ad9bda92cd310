package org.imagehash.search.query;

import org.apache.lucene.util.ArrayUtil;

import java.util.Arrays;

/**
 * Selects the k nearest documents, ties broken by the smaller doc id. Distances are small integers (at most the code's
 * bits), so instead of a heap it keeps a histogram and a distance {@link #limit()}: scans skip every document farther
 * than the limit with one comparison, and the limit only falls, as soon as k documents nearer than it have been seen.
 * The few documents that pass are buffered as {@code doc << 32 | distance}; the work is linear in what is offered.
 *
 * <p>Two ways in. A scan offers documents in increasing doc order ({@link #offer}): a document at the limit loses to
 * the k documents at least as near that came before it. A probe finds documents in no particular order
 * ({@link #add}): ties at the limit are all kept, since any of them may still win on doc id, and the segment's
 * survivors then go to the shard's selector in doc order ({@link #offerTo}), exactly as a scan would offer them.
 */
final class TopKSelector {

    private final int k;
    private final int[] counts; // documents kept at each distance <= limit
    private int limit;
    private int withinLimit; // sum of counts[0..limit]
    private long[] kept = new long[16];
    private int size;

    /**
     * @param k number of documents to select, at least 1
     * @param maxDistance largest distance a selected document may have
     */
    TopKSelector(int k, int maxDistance) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        this.k = k;
        this.limit = maxDistance;
        this.counts = new int[maxDistance + 1];
    }

    int k() {
        return k;
    }

    /** Documents farther than this can no longer be selected; callers skip them without offering. */
    int limit() {
        return limit;
    }

    /** Whether k documents within the limit are in hand (the limit is then the k-th distance so far). */
    boolean hasK() {
        return withinLimit >= k;
    }

    /**
     * Offers a document at a distance of at most {@link #limit()}; documents must come in increasing doc order.
     *
     * @return the new limit
     */
    int offer(int doc, int distance) {
        assert distance <= limit;
        if (distance == limit && withinLimit >= k) {
            return limit; // k documents at least as near came earlier and win the tie
        }
        add(doc, distance);
        return limit;
    }

    /** Adds a document at a distance of at most {@link #limit()}, in any doc order; ties at the limit are kept. */
    void add(int doc, int distance) {
        assert distance <= limit;
        if (size == kept.length) {
            compact();
        }
        kept[size++] = ((long) doc << 32) | distance;
        counts[distance]++;
        withinLimit++;
        while (limit > 0 && withinLimit - counts[limit] >= k) {
            dropLimitByOne();
        }
    }

    /**
     * Lowers the limit to {@code distance}, known to be at least the k-th distance that the documents still to come
     * will give (a probe that found k documents this near in a segment about to be scanned): the scan then skips every
     * block beyond it from the first, as it does once its own limit has fallen. Documents kept beyond it are dropped.
     */
    void lowerLimit(int distance) {
        while (limit > distance && limit > 0) {
            dropLimitByOne();
        }
    }

    /** Forgets the documents counted at the limit and lowers it by one. */
    private void dropLimitByOne() {
        withinLimit -= counts[limit];
        counts[limit] = 0;
        limit--;
    }

    /** Drops buffered documents beyond the limit; grows the buffer if that frees too little. */
    private void compact() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if ((int) kept[i] <= limit) {
                kept[n++] = kept[i];
            }
        }
        size = n;
        if (size > kept.length / 2) {
            kept = ArrayUtil.grow(kept, kept.length + 1);
        }
    }

    /** Offers the documents {@link #add}ed here to another selector in doc order, their doc ids shifted by {@code docBase}. */
    void offerTo(TopKSelector selector, int docBase) {
        compact();
        Arrays.sort(kept, 0, size);
        int selectorLimit = selector.limit();
        for (int i = 0; i < size; i++) {
            int distance = (int) kept[i];
            if (distance <= selectorLimit) {
                selectorLimit = selector.offer(docBase + (int) (kept[i] >>> 32), distance);
            }
        }
    }

    /** The documents {@link #offer}ed and selected, in increasing doc order, with their distances. */
    FoundDocs result() {
        int nearer = withinLimit - counts[limit]; // every document nearer than the limit is selected
        int tiesLeft = Math.min(k - nearer, counts[limit]);
        int n = nearer + tiesLeft;
        int[] docs = new int[n];
        int[] distances = new int[n];
        int j = 0;
        for (int i = 0; i < size; i++) {
            int d = (int) kept[i];
            if (d < limit || (d == limit && tiesLeft-- > 0)) {
                docs[j] = (int) (kept[i] >>> 32);
                distances[j] = d;
                j++;
            }
        }
        assert j == n;
        return new FoundDocs(docs, distances);
    }
}
