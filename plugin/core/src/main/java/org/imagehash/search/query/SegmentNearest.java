package org.imagehash.search.query;

import org.apache.lucene.util.ArrayUtil;

import java.util.Arrays;

/**
 * The k nearest documents of one segment found by probing, which come in no particular doc order: a histogram of
 * distances gives the k-th distance so far ({@link #limit()}), and every document at most that far is kept, ties
 * included, since a tie may still win on doc id once the segment's documents are offered in doc order.
 */
final class SegmentNearest {

    private final int k;
    private final int[] counts;
    private int limit;
    private int withinLimit; // kept documents at distance <= limit
    private long[] kept = new long[16]; // doc << 32 | distance
    private int size;

    SegmentNearest(int k, int limit) {
        this.k = k;
        this.limit = limit;
        this.counts = new int[limit + 1];
    }

    /** Whether k documents within the limit are in hand (the limit is then the k-th distance found). */
    boolean hasK() {
        return withinLimit >= k;
    }

    /** Documents farther than this cannot be among the k nearest. */
    int limit() {
        return limit;
    }

    /** Adds a document at a distance of at most {@link #limit()}. */
    void add(int doc, int distance) {
        assert distance <= limit;
        if (size == kept.length) {
            compact();
        }
        kept[size++] = ((long) doc << 32) | distance;
        counts[distance]++;
        withinLimit++;
        while (limit > 0 && withinLimit - counts[limit] >= k) {
            withinLimit -= counts[limit];
            counts[limit] = 0;
            limit--;
        }
    }

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

    /** Offers the kept documents to the shard's selector in doc order, as a scan of the segment would. */
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

    int size() {
        return size;
    }
}
