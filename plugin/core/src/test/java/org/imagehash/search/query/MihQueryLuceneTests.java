package org.imagehash.search.query;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.RandomIndexWriter;
import org.apache.lucene.tests.search.QueryUtils;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.index.SegmentCodesCache;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SubstringLayout;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Multi-index hashing gives exactly the linear scan's results: randomized indices (widths, substring counts, clustered
 * codes with many ties, documents without a code, deletions, many segments) searched by k and by radius, with and
 * without a filter, with probing forced, with the scan forced and with the planner choosing, each compared with a
 * brute-force reference and with {@link HammingTopKQuery} / {@link HammingQuery}.
 */
public class MihQueryLuceneTests extends OpenSearchTestCase {

    private static final String FIELD = "code";
    private static final int[] WIDTHS = { 8, 16, 24, 56, 64, 72, 128, 136, 256, 264, 512 };

    private final SegmentCodesCache cache = new SegmentCodesCache();

    private final class Fixture implements AutoCloseable {
        final int bits;
        final SubstringLayout layout;
        final Directory dir;
        final IndexReader reader;
        final IndexSearcher searcher;
        final Map<String, byte[]> codes = new HashMap<>();
        final List<byte[]> centers = new ArrayList<>();

        Fixture(int bits, SubstringLayout layout, int docs, boolean deletions, boolean uniform) throws IOException {
            this.bits = bits;
            this.layout = layout;
            dir = newDirectory();
            IndexWriterConfig config = newIndexWriterConfig();
            config.setMaxBufferedDocs(randomIntBetween(5, 200)); // many segments
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
                    byte[] code = uniform ? randomByteArrayOfLength(bits / 8) : near(randomFrom(centers), randomIntBetween(0, Math.min(bits, 12)));
                    codes.put(id, code);
                    doc.add(new BinaryDocValuesField(FIELD, new BytesRef(code)));
                    layout.termFields(FIELD, code).forEach(doc::add);
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

        byte[] near(byte[] center, int flips) {
            byte[] code = center.clone();
            for (int f = 0; f < flips; f++) {
                int bit = randomIntBetween(0, bits - 1);
                code[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            return code;
        }

        byte[] randomQuery() {
            return rarely() ? randomByteArrayOfLength(bits / 8) : near(randomFrom(centers), randomIntBetween(0, 8));
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
                    all.add(new int[] { leaf.docBase + doc, HammingQueryLuceneTests.distance(query, code) });
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

    /**
     * A random layout. Forced probing enumerates whole substrings when it has to look far (few documents, a distant
     * query), so those tests keep substrings short; the planner's own budget stops that in real use.
     */
    private static SubstringLayout randomLayout(int bits, int maxLength) {
        int min = Math.max(SubstringLayout.minCount(bits), (bits + maxLength - 1) / maxLength);
        int max = SubstringLayout.maxCount(bits);
        int count = randomBoolean() && SubstringLayout.defaultCount(bits) >= min ? SubstringLayout.defaultCount(bits) : randomIntBetween(min, Math.min(max, min + 6));
        return new SubstringLayout(bits, count);
    }

    private Fixture randomFixture(ProbeCost.Mode mode) throws IOException {
        int bits = WIDTHS[randomIntBetween(0, WIDTHS.length - 1)];
        SubstringLayout layout = randomLayout(bits, mode == ProbeCost.Mode.PROBE ? 12 : SubstringLayout.MAX_LENGTH);
        return new Fixture(bits, layout, randomIntBetween(0, 800), true, rarely());
    }

    private void checkTopK(ProbeCost.Mode mode) throws IOException {
        for (int iter = 0; iter < 10; iter++) {
            try (Fixture f = randomFixture(mode)) {
                for (int q = 0; q < 6; q++) {
                    byte[] query = f.randomQuery();
                    int k = randomFrom(1, 10, 100, randomIntBetween(1, 60));
                    int maxDistance = randomBoolean() ? f.bits : randomIntBetween(0, 16);
                    boolean filtered = randomBoolean();
                    Query filter = filtered ? new TermQuery(new Term("even", "true")) : null;
                    Query mih = new MihTopKQuery(FIELD, query, k, maxDistance, filter, cache, f.layout, mode);
                    Query scan = new HammingTopKQuery(FIELD, query, k, maxDistance, filter, cache);

                    List<int[]> expected = f.bruteForce(query, filtered).stream().filter(e -> e[1] <= maxDistance).limit(k).toList();
                    TopDocs top = f.searcher.search(mih, k + 5);
                    TopDocs linear = f.searcher.search(scan, k + 5);
                    String message = f.layout + " k:" + k + " max_distance:" + maxDistance + " filtered:" + filtered + " " + mode;
                    assertEquals(message, expected.size(), top.scoreDocs.length);
                    assertEquals(message, linear.scoreDocs.length, top.scoreDocs.length);
                    for (int i = 0; i < expected.size(); i++) {
                        ScoreDoc hit = top.scoreDocs[i];
                        assertEquals(message + " rank " + i, expected.get(i)[0], hit.doc);
                        assertEquals(message, expected.get(i)[1], HammingScore.distance(hit.score, 1f));
                        assertEquals(message, linear.scoreDocs[i].doc, hit.doc);
                        assertEquals(message, linear.scoreDocs[i].score, hit.score, 0f);
                    }
                }
            }
        }
    }

    public void testTopKByProbingEqualsBruteForce() throws IOException {
        checkTopK(ProbeCost.Mode.PROBE);
    }

    public void testTopKByPlannerEqualsBruteForce() throws IOException {
        checkTopK(ProbeCost.Mode.AUTO);
    }

    public void testTopKByForcedScanEqualsBruteForce() throws IOException {
        checkTopK(ProbeCost.Mode.SCAN);
    }

    private void checkRadius(ProbeCost.Mode mode) throws IOException {
        for (int iter = 0; iter < 10; iter++) {
            try (Fixture f = randomFixture(mode)) {
                for (int q = 0; q < 6; q++) {
                    byte[] query = f.randomQuery();
                    int maxDistance = rarely() ? f.bits : randomIntBetween(0, 14);
                    Query mih = new MihHammingQuery(FIELD, query, maxDistance, cache, f.layout, mode);
                    boolean filtered = randomBoolean();
                    if (filtered) {
                        mih = new BooleanQuery.Builder().add(mih, BooleanClause.Occur.MUST)
                            .add(new TermQuery(new Term("even", "true")), BooleanClause.Occur.FILTER)
                            .build();
                    }
                    List<int[]> expected = f.bruteForce(query, filtered).stream().filter(e -> e[1] <= maxDistance).toList();
                    TopDocs top = f.searcher.search(mih, Math.max(1, f.reader.maxDoc()));
                    String message = f.layout + " max_distance:" + maxDistance + " " + mode;
                    assertEquals(message, expected.size(), top.totalHits.value());
                    for (int i = 0; i < expected.size(); i++) {
                        assertEquals(message, expected.get(i)[0], top.scoreDocs[i].doc);
                        assertEquals(message, HammingScore.score(expected.get(i)[1], 1f), top.scoreDocs[i].score, 0f);
                    }
                }
            }
        }
    }

    public void testRadiusByProbingEqualsBruteForce() throws IOException {
        checkRadius(ProbeCost.Mode.PROBE);
    }

    public void testRadiusByPlannerEqualsBruteForce() throws IOException {
        checkRadius(ProbeCost.Mode.AUTO);
    }

    /** Substrings over 20 bits keep sorted values instead of a direct table; probing stays exact. */
    public void testLongSubstringsByProbingEqualBruteForce() throws IOException {
        for (int iter = 0; iter < 4; iter++) {
            int bits = randomFrom(64, 128);
            SubstringLayout layout = new SubstringLayout(bits, randomIntBetween(SubstringLayout.minCount(bits), bits / 21));
            try (Fixture f = new Fixture(bits, layout, randomIntBetween(50, 600), true, false)) {
                for (int q = 0; q < 5; q++) {
                    byte[] query = f.randomQuery();
                    int maxDistance = randomIntBetween(0, 2 * layout.count() - 1); // radius <= 1 per substring
                    List<int[]> within = f.bruteForce(query, false).stream().filter(e -> e[1] <= maxDistance).toList();
                    TopDocs radius = f.searcher.search(new MihHammingQuery(FIELD, query, maxDistance, cache, layout, ProbeCost.Mode.PROBE), 1000);
                    assertEquals(layout + " r:" + maxDistance, within.size(), radius.totalHits.value());
                    int k = randomIntBetween(1, 20);
                    TopDocs top = f.searcher.search(new MihTopKQuery(FIELD, query, k, maxDistance, null, cache, layout, ProbeCost.Mode.PROBE), k);
                    List<int[]> expected = within.stream().limit(k).toList();
                    assertEquals(expected.size(), top.scoreDocs.length);
                    for (int i = 0; i < expected.size(); i++) {
                        assertEquals(expected.get(i)[0], top.scoreDocs[i].doc);
                    }
                }
            }
        }
    }

    /** One large segment: the planner probes for near neighbours and falls back to the scan where probing loses. */
    public void testPlannerProbesNearAndScansFar() throws IOException {
        SubstringLayout layout = new SubstringLayout(64, 4);
        // the default codec, not a random one: this test is about the planner's choice on a realistic segment
        Directory dir = new ByteBuffersDirectory();
        IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(256));
        List<byte[]> codes = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            byte[] code = randomByteArrayOfLength(8);
            codes.add(code);
            Document doc = new Document();
            doc.add(new BinaryDocValuesField(FIELD, new BytesRef(code)));
            layout.termFields(FIELD, code).forEach(doc::add);
            writer.addDocument(doc);
        }
        writer.forceMerge(1);
        writer.close();
        IndexReader reader = DirectoryReader.open(dir);
        IndexSearcher searcher = new IndexSearcher(reader);
        byte[] stored = codes.get(randomIntBetween(0, codes.size() - 1));

        // an exact-match lookup: one probe
        MihTopKQuery near = new MihTopKQuery(FIELD, stored, 1, 64, null, cache, layout, ProbeCost.Mode.AUTO);
        Query rewritten = searcher.rewrite(near);
        assertTrue(rewritten.toString(), rewritten.toString().contains("segments probed:1 scanned:0"));
        TopDocs top = searcher.search(near, 1);
        assertEquals(1, top.scoreDocs.length);
        assertEquals(0, HammingScore.distance(top.scoreDocs[0].score, 1f));
        Explanation explanation = searcher.explain(near, top.scoreDocs[0].doc);
        assertTrue(explanation.getDescription(), explanation.getDescription().contains("plan: segments probed:1"));

        // uniform random codes and a random query: the 100 nearest are ~15 bits away, probing would cost more
        MihTopKQuery far = new MihTopKQuery(FIELD, randomByteArrayOfLength(8), 100, 64, null, cache, layout, ProbeCost.Mode.AUTO);
        String farPlan = searcher.rewrite(far).toString();
        assertTrue(farPlan, farPlan.contains("segments probed:0 scanned:1"));
        assertTrue(farPlan, farPlan.contains("probe_over_budget->scan"));
        assertEquals(100, searcher.search(far, 100).scoreDocs.length);

        // radius: 0 is one lookup; 40 bits would enumerate most of every substring
        String exact = searcher.rewrite(new MihHammingQuery(FIELD, stored, 0, cache, layout, ProbeCost.Mode.AUTO)).toString();
        assertTrue(exact, exact.contains("segments probed:1 (1 lookups each) scanned:0"));
        String wide = searcher.rewrite(new MihHammingQuery(FIELD, stored, 40, cache, layout, ProbeCost.Mode.AUTO)).toString();
        assertTrue(wide, wide.contains("segments probed:0"));
        MihHammingQuery radius = new MihHammingQuery(FIELD, stored, 3, cache, layout, ProbeCost.Mode.AUTO);
        for (ScoreDoc hit : searcher.search(radius, 10).scoreDocs) {
            Explanation e = searcher.explain(radius, hit.doc);
            assertTrue(e.getDescription(), e.getDescription().contains("probing 4 substring values"));
        }
        reader.close();
        dir.close();
    }

    public void testPassesLuceneQueryChecks() throws IOException {
        int bits = randomFrom(64, 128);
        try (Fixture f = new Fixture(bits, randomLayout(bits, 12), 300, false, false)) {
            byte[] query = f.randomQuery();
            int r = randomIntBetween(0, 12);
            MihHammingQuery radius = new MihHammingQuery(FIELD, query, r, cache, f.layout, ProbeCost.Mode.PROBE);
            QueryUtils.check(random(), radius, f.searcher);
            QueryUtils.checkEqual(radius, new MihHammingQuery(FIELD, query.clone(), r, cache, f.layout, ProbeCost.Mode.PROBE));
            QueryUtils.checkUnequal(radius, new MihHammingQuery(FIELD, query, r + 1, cache, f.layout, ProbeCost.Mode.PROBE));
            MihTopKQuery topK = new MihTopKQuery(FIELD, query, 3, bits, null, cache, f.layout, ProbeCost.Mode.AUTO);
            QueryUtils.checkEqual(topK, new MihTopKQuery(FIELD, query.clone(), 3, bits, null, cache, f.layout, ProbeCost.Mode.AUTO));
            QueryUtils.checkUnequal(topK, new MihTopKQuery(FIELD, query, 4, bits, null, cache, f.layout, ProbeCost.Mode.AUTO));
            QueryUtils.checkUnequal(topK, new MihTopKQuery(FIELD, query, 3, bits, null, cache, f.layout, ProbeCost.Mode.SCAN));
        }
    }
}
