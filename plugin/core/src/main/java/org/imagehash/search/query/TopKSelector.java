package org.imagehash.search.query;

import org.apache.lucene.util.ArrayUtil;

/**
 * Selects the k nearest documents from a stream of (doc, distance) offered in increasing doc order, breaking ties by
 * the smaller doc id. Distances are small integers (at most the code's bits), so instead of a heap over all documents
 * it keeps a histogram and a distance {@link #limit()}: the scan skips every document farther than the limit with a
 * single comparison, and the limit only falls, as soon as k documents closer than it have been seen. The few
 * documents that pass are buffered; the work is linear in the number of documents scanned.
 */
final class TopKSelector {

    private final int k;
    private final int[] counts; // documents accepted so far at each distance <= limit
    private int limit;
    private int acceptedWithinLimit; // sum of counts[0..limit]

    private int[] docs;
    private int[] distances;
    private int size;

    /**
     * @param k number of documents to keep, at least 1
     * @param maxDistance largest distance a kept document may have
     */
    TopKSelector(int k, int maxDistance) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        this.k = k;
        this.limit = maxDistance;
        this.counts = new int[maxDistance + 1];
        int capacity = Math.min(ArrayUtil.oversize(k, Integer.BYTES), 1 << 16);
        this.docs = new int[Math.max(capacity, 16)];
        this.distances = new int[docs.length];
    }

    /** Documents farther than this can no longer be selected; scanners skip them without calling {@link #offer}. */
    int limit() {
        return limit;
    }

    /**
     * Offers a document at a distance of at most {@link #limit()}; docs must come in increasing order.
     *
     * @return the new limit
     */
    int offer(int doc, int distance) {
        assert distance <= limit;
        if (distance == limit && acceptedWithinLimit >= k) {
            return limit; // k documents at least as near came earlier and win the tie
        }
        if (size == docs.length) {
            compact();
        }
        docs[size] = doc;
        distances[size] = distance;
        size++;
        counts[distance]++;
        acceptedWithinLimit++;
        while (limit > 0 && acceptedWithinLimit - counts[limit] >= k) {
            acceptedWithinLimit -= counts[limit];
            counts[limit] = 0;
            limit--;
        }
        return limit;
    }

    /** Drops buffered documents beyond the limit; grows the buffer if that frees too little. */
    private void compact() {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (distances[i] <= limit) {
                docs[kept] = docs[i];
                distances[kept] = distances[i];
                kept++;
            }
        }
        size = kept;
        if (size > docs.length / 2) {
            docs = ArrayUtil.grow(docs, docs.length + 1);
            distances = ArrayUtil.growExact(distances, docs.length);
        }
    }

    /** The selected documents, in increasing doc order, with their distances. */
    Result result() {
        int nearer = acceptedWithinLimit - counts[limit]; // all documents nearer than the limit are kept
        int tiesLeft = Math.min(k - nearer, counts[limit]);
        int n = nearer + tiesLeft;
        int[] outDocs = new int[n];
        int[] outDistances = new int[n];
        int j = 0;
        for (int i = 0; i < size; i++) {
            int d = distances[i];
            if (d < limit || (d == limit && tiesLeft-- > 0)) {
                outDocs[j] = docs[i];
                outDistances[j] = d;
                j++;
            }
        }
        assert j == n;
        return new Result(outDocs, outDistances);
    }

    record Result(int[] docs, int[] distances) {}
}
