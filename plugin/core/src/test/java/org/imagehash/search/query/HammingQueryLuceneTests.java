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
import org.imagehash.search.index.SegmentCodesCache;
import org.opensearch.test.OpenSearchTestCase;

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
public class HammingQueryLuceneTests extends OpenSearchTestCase {

    private static final String FIELD = "code";
    private static final int[] WIDTHS = { 8, 16, 24, 56, 64, 72, 120, 128, 136, 192, 256, 264, 512, 1024, 4096 };

    private final SegmentCodesCache cache = new SegmentCodesCache();

    /** A random index and the codes it holds, by id. */
    private final class Fixture implements AutoCloseable {
        final int bits;
        final Directory dir;
        final IndexReader reader;
        final IndexSearcher searcher;
        final Map<String, byte[]> codes = new HashMap<>();
        final List<byte[]> centers = new ArrayList<>();

        Fixture(int bits, int docs) throws IOException {
            this(bits, docs, true);
        }

        Fixture(int bits, int docs, boolean deletions) throws IOException {
            this.bits = bits;
            dir = newDirectory();
            IndexWriterConfig config = newIndexWriterConfig();
            config.setMaxBufferedDocs(randomIntBetween(5, 100)); // many segments
            RandomIndexWriter writer = new RandomIndexWriter(random(), dir, config);
            for (int c = 0; c < randomIntBetween(1, 8); c++) {
                centers.add(randomByteArrayOfLength(bits / 8));
            }
            for (int i = 0; i < docs; i++) {
                Document doc = new Document();
                String id = Integer.toString(i);
                doc.add(new StringField("id", id, Field.Store.YES));
                doc.add(new StringField("even", Boolean.toString(i % 2 == 0), Field.Store.NO));
                if (rarely() == false) {
                    byte[] code = near(randomFrom(centers), randomIntBetween(0, Math.min(bits, 12)));
                    codes.put(id, code);
                    doc.add(new BinaryDocValuesField(FIELD, new BytesRef(code)));
                }
                writer.addDocument(doc);
                if (deletions && docs > 10 && rarely()) {
                    String victim = Integer.toString(randomIntBetween(0, i));
                    writer.deleteDocuments(new Term("id", victim));
                    codes.remove(victim);
                }
            }
            if (randomBoolean()) {
                writer.forceMerge(randomIntBetween(1, 3));
            }
            reader = writer.getReader();
            writer.close();
            searcher = newSearcher(reader);
        }

        /** A code {@code flips} random bit flips away from {@code center}. */
        byte[] near(byte[] center, int flips) {
            byte[] code = center.clone();
            for (int f = 0; f < flips; f++) {
                int bit = randomIntBetween(0, bits - 1);
                code[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            return code;
        }

        byte[] randomQuery() {
            return near(randomFrom(centers), randomIntBetween(0, 8));
        }

        /** Every live document with a code, as (global doc, distance), nearest first, ties by doc. */
        List<int[]> bruteForce(byte[] query, boolean evenOnly) throws IOException {
            List<int[]> all = new ArrayList<>();
            for (LeafReaderContext leaf : reader.leaves()) {
                Bits live = leaf.reader().getLiveDocs();
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if (live != null && live.get(doc) == false) {
                        continue;
                    }
                    String id = leaf.reader().storedFields().document(doc).get("id");
                    byte[] code = codes.get(id);
                    if (code == null || (evenOnly && Integer.parseInt(id) % 2 != 0)) {
                        continue;
                    }
                    all.add(new int[] { leaf.docBase + doc, distance(query, code) });
                }
            }
            all.sort(Comparator.<int[]>comparingInt(e -> e[1]).thenComparingInt(e -> e[0]));
            return all;
        }

        @Override
        public void close() throws IOException {
            reader.close();
            dir.close();
        }
    }

    static int distance(byte[] a, byte[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
        }
        return d;
    }

    private static int randomWidth() {
        return WIDTHS[randomIntBetween(0, WIDTHS.length - 1)];
    }

    private Fixture randomFixture() throws IOException {
        return new Fixture(randomWidth(), randomIntBetween(0, 600));
    }

    public void testTopKEqualsBruteForce() throws IOException {
        for (int iter = 0; iter < 12; iter++) {
            try (Fixture f = randomFixture()) {
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
            try (Fixture f = randomFixture()) {
                for (int q = 0; q < 5; q++) {
                    byte[] query = f.randomQuery();
                    int maxDistance = randomBoolean() ? f.bits : randomIntBetween(0, 16);
                    Query hamming = new HammingQuery(FIELD, query, maxDistance, cache);
                    List<int[]> expected = f.bruteForce(query, false).stream().filter(e -> e[1] <= maxDistance).toList();
                    TopDocs top = f.searcher.search(hamming, Math.max(1, f.reader.maxDoc()));
                    assertEquals(expected.size(), top.totalHits.value());
                    for (int i = 0; i < expected.size(); i++) {
                        assertEquals(expected.get(i)[0], top.scoreDocs[i].doc);
                        assertEquals(HammingScore.score(expected.get(i)[1], 1f), top.scoreDocs[i].score, 0f);
                    }
                }
            }
        }
    }

    public void testNestedInBooleanAndConstantScore() throws IOException {
        try (Fixture f = new Fixture(randomFrom(64, 128, 256), 400)) {
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
        try (Fixture f = new Fixture(64, 50)) {
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
        try (Fixture f = new Fixture(randomWidth(), 300, false)) {
            byte[] query = f.randomQuery();
            HammingQuery hamming = new HammingQuery(FIELD, query, randomIntBetween(0, 20), cache);
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
