package org.imagehash.search.query;

import org.imagehash.search.HashCodeTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

public class TopKSelectorTests extends HashCodeTestCase {

    /** The selector keeps exactly what sorting every (distance, doc) pair and taking the first k would keep. */
    public void testSelectsWhatAFullSortSelects() {
        for (int iter = 0; iter < 200; iter++) {
            int n = randomIntBetween(0, 5000);
            int bits = randomFrom(8, 64, 256);
            int k = randomIntBetween(1, 300);
            int maxDistance = randomBoolean() ? bits : randomIntBetween(0, bits);
            // small spread of distances so that ties are common
            int spread = randomIntBetween(1, bits);
            List<int[]> all = new ArrayList<>();
            TopKSelector selector = new TopKSelector(k, maxDistance);
            int doc = 0;
            for (int i = 0; i < n; i++) {
                doc += randomIntBetween(1, 3);
                int d = randomIntBetween(0, spread);
                if (d <= maxDistance) {
                    all.add(new int[] { doc, d });
                }
                if (d <= selector.limit()) {
                    selector.offer(doc, d);
                }
            }
            all.sort(Comparator.<int[]>comparingInt(e -> e[1]).thenComparingInt(e -> e[0]));
            List<int[]> expected = new ArrayList<>(all.subList(0, Math.min(k, all.size())));
            expected.sort(Comparator.comparingInt(e -> e[0]));

            FoundDocs result = selector.result();
            assertEquals(expected.size(), result.docs().length);
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i)[0], result.docs()[i]);
                assertEquals(expected.get(i)[1], result.distances()[i]);
            }
        }
    }

    /**
     * A limit lowered on the way to any bound at or beyond the k-th distance of what is offered in all (what a probe that
     * found k documents tells the scan that follows it) selects exactly what the selector selects without it.
     */
    public void testLoweringTheLimitToABoundOfTheKthDistanceChangesNothing() {
        for (int iter = 0; iter < 200; iter++) {
            int k = randomIntBetween(1, 50);
            int bits = randomFrom(8, 64);
            int n = randomIntBetween(k, 2000);
            int[] docs = new int[n];
            int[] distances = new int[n];
            for (int i = 0, doc = 0; i < n; i++) {
                docs[i] = doc += randomIntBetween(1, 3);
                distances[i] = randomIntBetween(0, randomIntBetween(0, bits));
            }
            int kth = Arrays.stream(distances).sorted().toArray()[k - 1];
            TopKSelector plain = new TopKSelector(k, bits);
            TopKSelector lowered = new TopKSelector(k, bits);
            int lowerAt = randomIntBetween(0, n);
            for (int i = 0; i < n; i++) {
                if (i == lowerAt) {
                    lowered.lowerLimit(randomIntBetween(kth, bits));
                }
                for (TopKSelector selector : new TopKSelector[] { plain, lowered }) {
                    if (distances[i] <= selector.limit()) {
                        selector.offer(docs[i], distances[i]);
                    }
                }
            }
            assertArrayEquals(plain.result().docs(), lowered.result().docs());
            assertArrayEquals(plain.result().distances(), lowered.result().distances());
        }
    }

    public void testLimitOnlyFallsAndStopsAtTheKthDistance() {
        TopKSelector selector = new TopKSelector(2, 64);
        assertEquals(64, selector.limit());
        selector.offer(1, 10);
        assertEquals(64, selector.limit());
        selector.offer(2, 5);
        assertEquals(10, selector.limit()); // two documents at <= 10: nothing farther can enter
        selector.offer(3, 3);
        assertEquals(5, selector.limit());
        selector.offer(4, 5); // ties with doc 2 at the limit: the earlier doc wins
        assertArrayEquals(new int[] { 2, 3 }, selector.result().docs());
    }

    public void testRejectsKBelowOne() {
        expectThrows(IllegalArgumentException.class, () -> new TopKSelector(0, 8));
    }
}
