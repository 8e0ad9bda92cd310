package org.imagehash.search.query;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.RandomIndexWriter;
import org.apache.lucene.tests.search.QueryUtils;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.HashCodeTestCase;
import org.imagehash.search.RandomCodeIndex;
import org.imagehash.search.TotalHits;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hamming queries against a brute-force reference over random indices: many widths and sizes, clustered codes (so
 * that small distances and ties are common), documents without a code, deletions and many segments.
 */
public class HammingQueryLuceneTests extends HashCodeTestCase {

    private static final String FIELD = RandomCodeIndex.FIELD;
    private static final int[] WIDTHS = { 8, 16, 24, 56, 64, 72, 120, 128, 136, 192, 256, 264, 512, 1024, 4096 };

    private final SegmentCache cache = new SegmentCache();

    private static int randomWidth() {
        return WIDTHS[randomIntBetween(0, WIDTHS.length - 1)];
    }

    private static RandomCodeIndex randomIndex() throws IOException {
        return new RandomCodeIndex(randomWidth(), null, randomIntBetween(0, 600), true, false);
    }

    public void testTopKEqualsBruteForce() throws IOException {
        for (int iter = 0; iter < 12; iter++) {
            try (RandomCodeIndex f = randomIndex()) {
                for (int q = 0; q < 5; q++) {
                    byte[] query = f.randomQuery();
                    int k = randomIntBetween(1, 50);
                    Integer maxDistance = randomBoolean() ? null : randomIntBetween(0, 16);
                    boolean filtered = randomBoolean();
                    Query filter = filtered ? new TermQuery(new Term("even", "true")) : null;
                    Query topK = new HammingTopKQuery(FIELD, query, k, maxDistance == null ? f.bits : maxDistance, filter, cache);

                    List<int[]> expected = f.bruteForce(query, filtered)
                        .stream()
                        .filter(e -> maxDistance == null || e[1] <= maxDistance)
                        .limit(k)
                        .toList();
                    TopDocs top = f.searcher.search(topK, k + 5);
                    assertEquals(expected.size(), top.scoreDocs.length);
                    for (int i = 0; i < expected.size(); i++) {
                        ScoreDoc hit = top.scoreDocs[i];
                        assertEquals("rank " + i, expected.get(i)[0], hit.doc);
                        assertEquals(expected.get(i)[1], HammingScore.distance(hit.score, 1f));
                    }
                }
            }
        }
    }

    public void testMaxDistanceEqualsBruteForce() throws IOException {
        for (int iter = 0; iter < 12; iter++) {
            try (RandomCodeIndex f = randomIndex()) {
                for (int q = 0; q < 5; q++) {
                    byte[] query = f.randomQuery();
                    int maxDistance = randomBoolean() ? f.bits : randomIntBetween(0, 16);
                    Query hamming = new HammingQuery(FIELD, query, maxDistance, cache);
                    List<int[]> expected = f.bruteForce(query, false).stream().filter(e -> e[1] <= maxDistance).toList();
                    TopDocs top = f.searcher.search(hamming, Math.max(1, f.reader.maxDoc()));
                    assertEquals(expected.size(), TotalHits.of(top));
                    for (int i = 0; i < expected.size(); i++) {
                        assertEquals(expected.get(i)[0], top.scoreDocs[i].doc);
                        assertEquals(HammingScore.score(expected.get(i)[1], 1f), top.scoreDocs[i].score, 0f);
                    }
                }
            }
        }
    }

    public void testNestedInBooleanAndConstantScore() throws IOException {
        try (RandomCodeIndex f = new RandomCodeIndex(randomFrom(64, 128, 256), null, 400, true, false)) {
            byte[] query = f.randomQuery();
            int maxDistance = randomIntBetween(0, 12);
            List<int[]> expected = f.bruteForce(query, true).stream().filter(e -> e[1] <= maxDistance).toList();

            Query conjunction = new BooleanQuery.Builder().add(new HammingQuery(FIELD, query, maxDistance, cache), BooleanClause.Occur.FILTER)
                .add(new TermQuery(new Term("even", "true")), BooleanClause.Occur.FILTER)
                .build();
            assertEquals(expected.size(), f.searcher.count(conjunction));

            Query constant = new ConstantScoreQuery(new HammingQuery(FIELD, query, maxDistance, cache));
            TopDocs top = f.searcher.search(constant, 1000);
            for (ScoreDoc hit : top.scoreDocs) {
                assertEquals(1f, hit.score, 0f);
            }

            Query boosted = new org.apache.lucene.search.BoostQuery(new HammingTopKQuery(FIELD, query, 5, f.bits, null, cache), 3f);
            for (ScoreDoc hit : f.searcher.search(boosted, 5).scoreDocs) {
                int distance = HammingScore.distance(hit.score, 3f);
                assertEquals(hit.score, HammingScore.score(distance, 3f), 0f);
            }
        }
    }

    public void testExplainShowsTheDistance() throws IOException {
        try (RandomCodeIndex f = new RandomCodeIndex(64, null, 50, true, false)) {
            byte[] query = f.randomQuery();
            for (Query q : List.of(new HammingQuery(FIELD, query, 64, cache), new HammingTopKQuery(FIELD, query, 10, 64, null, cache))) {
                TopDocs top = f.searcher.search(q, 10);
                for (ScoreDoc hit : top.scoreDocs) {
                    Explanation explanation = f.searcher.explain(q, hit.doc);
                    assertTrue(explanation.isMatch());
                    assertEquals(hit.score, explanation.getValue().floatValue(), 0f);
                    int distance = HammingScore.distance(hit.score, 1f);
                    assertTrue(explanation.getDescription(), explanation.getDescription().startsWith("hamming distance " + distance + " "));
                }
            }
        }
    }

    /**
     * Lucene's own consistency checks: equals/hashCode, explain against scores, skipping with advance. They assume an
     * index without deletions (scorers may return deleted documents; collectors drop them).
     */
    public void testPassesLuceneQueryChecks() throws IOException {
        try (RandomCodeIndex f = new RandomCodeIndex(randomWidth(), null, 300, false, false)) {
            byte[] query = f.randomQuery();
            // below the width, so that max_distance + 1 is still another query (larger values are clamped to the bits)
            HammingQuery hamming = new HammingQuery(FIELD, query, randomIntBetween(0, Math.min(20, f.bits - 1)), cache);
            QueryUtils.check(random(), hamming, f.searcher);
            QueryUtils.checkEqual(hamming, new HammingQuery(FIELD, query.clone(), hamming.maxDistance(), cache));
            QueryUtils.checkUnequal(hamming, new HammingQuery(FIELD, query, hamming.maxDistance() + 1, cache));
            QueryUtils.checkUnequal(hamming, new HammingQuery("other", query, hamming.maxDistance(), cache));
            HammingTopKQuery topK = new HammingTopKQuery(FIELD, query, 3, f.bits, null, cache);
            QueryUtils.checkEqual(topK, new HammingTopKQuery(FIELD, query.clone(), 3, f.bits, null, cache));
            QueryUtils.checkUnequal(topK, new HammingTopKQuery(FIELD, query, 4, f.bits, null, cache));
            QueryUtils.checkUnequal(topK, new HammingTopKQuery(FIELD, query, 3, f.bits, new TermQuery(new Term("even", "true")), cache));
        }
    }

    public void testToStringNamesTheParameters() {
        byte[] code = { 0x0a, (byte) 0xff };
        assertEquals("hamming(0aff max_distance:3)", new HammingQuery(FIELD, code, 3, cache).toString(FIELD));
        assertEquals("hamming(code:0aff)", new HammingQuery(FIELD, code, 99, cache).toString("other"));
        assertEquals(
            "hamming_top_k(0aff k:5 filter:even:true)",
            new HammingTopKQuery(FIELD, code, 5, 16, new TermQuery(new Term("even", "true")), cache).toString(FIELD)
        );
    }

    public void testCodesAreCachedPerSegmentAndReleasedOnClose() throws IOException {
        Directory dir = newDirectory();
        RandomIndexWriter writer = new RandomIndexWriter(random(), dir);
        for (int i = 0; i < 20; i++) {
            Document doc = new Document();
            doc.add(new BinaryDocValuesField(FIELD, new BytesRef(randomByteArrayOfLength(8))));
            writer.addDocument(doc);
        }
        writer.forceMerge(1);
        DirectoryReader reader = writer.getReader();
        writer.close();
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.search(new HammingQuery(FIELD, new byte[8], 64, cache), 5);
        assertEquals(1, cache.cachedSegments());
        assertTrue(cache.ramBytesUsed() >= 20 * 8);
        reader.close();
        assertEquals(0, cache.cachedSegments());
        assertEquals(0, cache.ramBytesUsed());
        dir.close();
    }
}
