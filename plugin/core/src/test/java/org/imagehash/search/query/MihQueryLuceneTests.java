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
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.index.MemoryAccounting;
import org.imagehash.search.mih.PostingCodes;
import org.imagehash.search.mih.SubstringLayout;
import org.imagehash.search.HashCodeTestCase;
import org.imagehash.search.RandomCodeIndex;
import org.imagehash.search.TotalHits;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;

/**
 * Multi-index hashing gives exactly the linear scan's results: randomized indices (widths, substring counts, clustered
 * codes with many ties, documents without a code, deletions, many segments) searched by k and by radius, with and
 * without a filter, with probing forced, with the scan forced and with the planner choosing, each compared with a
 * brute-force reference and with the scan-only queries.
 */
public class MihQueryLuceneTests extends HashCodeTestCase {

    private static final String FIELD = RandomCodeIndex.FIELD;
    private static final int[] WIDTHS = { 8, 16, 24, 56, 64, 72, 128, 136, 256, 264, 512 };

    private final SegmentCache cache = new SegmentCache();

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

    private static RandomCodeIndex randomIndex(ProbeCost.Mode mode) throws IOException {
        int bits = WIDTHS[randomIntBetween(0, WIDTHS.length - 1)];
        SubstringLayout layout = randomLayout(bits, mode == ProbeCost.Mode.PROBE ? 12 : SubstringLayout.MAX_LENGTH);
        return new RandomCodeIndex(bits, layout, randomIntBetween(0, 800), true, rarely());
    }

    private void checkTopK(ProbeCost.Mode mode) throws IOException {
        for (int iter = 0; iter < 10; iter++) {
            try (RandomCodeIndex f = randomIndex(mode)) {
                for (int q = 0; q < 6; q++) {
                    byte[] query = f.randomQuery();
                    int k = randomFrom(1, 10, 100, randomIntBetween(1, 60));
                    int maxDistance = randomBoolean() ? f.bits : randomIntBetween(0, 16);
                    boolean filtered = randomBoolean();
                    Query filter = filtered ? new TermQuery(new Term("even", "true")) : null;
                    Query mih = new HammingTopKQuery(FIELD, query, k, maxDistance, filter, cache, f.layout, mode);
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
            try (RandomCodeIndex f = randomIndex(mode)) {
                for (int q = 0; q < 6; q++) {
                    byte[] query = f.randomQuery();
                    int maxDistance = rarely() ? f.bits : randomIntBetween(0, 14);
                    Query mih = new HammingQuery(FIELD, query, maxDistance, cache, f.layout, mode);
                    boolean filtered = randomBoolean();
                    if (filtered) {
                        mih = new BooleanQuery.Builder().add(mih, BooleanClause.Occur.MUST)
                            .add(new TermQuery(new Term("even", "true")), BooleanClause.Occur.FILTER)
                            .build();
                    }
                    List<int[]> expected = f.bruteForce(query, filtered).stream().filter(e -> e[1] <= maxDistance).toList();
                    TopDocs top = f.searcher.search(mih, Math.max(1, f.reader.maxDoc()));
                    String message = f.layout + " max_distance:" + maxDistance + " " + mode;
                    assertEquals(message, expected.size(), TotalHits.of(top));
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
            try (RandomCodeIndex f = new RandomCodeIndex(bits, layout, randomIntBetween(50, 600), true, false)) {
                for (int q = 0; q < 5; q++) {
                    byte[] query = f.randomQuery();
                    int maxDistance = randomIntBetween(0, 2 * layout.count() - 1); // radius <= 1 per substring
                    List<int[]> within = f.bruteForce(query, false).stream().filter(e -> e[1] <= maxDistance).toList();
                    TopDocs radius = f.searcher.search(new HammingQuery(FIELD, query, maxDistance, cache, layout, ProbeCost.Mode.PROBE), 1000);
                    assertEquals(layout + " r:" + maxDistance, within.size(), TotalHits.of(radius));
                    int k = randomIntBetween(1, 20);
                    TopDocs top = f.searcher.search(new HammingTopKQuery(FIELD, query, k, maxDistance, null, cache, layout, ProbeCost.Mode.PROBE), k);
                    List<int[]> expected = within.stream().limit(k).toList();
                    assertEquals(expected.size(), top.scoreDocs.length);
                    for (int i = 0; i < expected.size(); i++) {
                        assertEquals(expected.get(i)[0], top.scoreDocs[i].doc);
                    }
                }
            }
        }
    }

    /**
     * The codes (with their substring terms) in one force-merged segment, written with the default codec, not a random
     * one: the planner tests are about its choice on a realistic segment.
     */
    private static Directory oneSegment(SubstringLayout layout, List<byte[]> codes) throws IOException {
        Directory dir = new ByteBuffersDirectory();
        try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(256))) {
            for (byte[] code : codes) {
                Document doc = new Document();
                doc.add(new BinaryDocValuesField(FIELD, new BytesRef(code)));
                layout.termFields(FIELD, code).forEach(doc::add);
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
        }
        return dir;
    }

    /**
     * A field that indexes substrings only from some document on (a mapping from before substrings were on by default,
     * after an upgrade): a segment whose substring terms miss some of its codes is scanned, even where probing is
     * forced, since probing would miss those codes; segments written wholly after are probed. Answers stay exact.
     */
    public void testSegmentsMissingSomeSubstringsAreScanned() throws IOException {
        SubstringLayout layout = new SubstringLayout(64, 4);
        byte[] query = randomByteArrayOfLength(8);
        for (boolean merged : new boolean[] { true, false }) {
            Directory dir = new ByteBuffersDirectory();
            List<byte[]> codes = new ArrayList<>();
            try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(256))) {
                for (int i = 0; i < 2_000; i++) {
                    byte[] code = i % 7 == 0 ? query.clone() : randomByteArrayOfLength(8); // exact matches in both halves
                    codes.add(code);
                    Document doc = new Document();
                    doc.add(new BinaryDocValuesField(FIELD, new BytesRef(code)));
                    if (i >= 1_000) { // only the documents written after the "upgrade" carry substring terms
                        layout.termFields(FIELD, code).forEach(doc::add);
                    }
                    writer.addDocument(doc);
                    if (i == 999) {
                        writer.commit(); // the old documents in a segment of their own
                    }
                }
                if (merged) {
                    writer.forceMerge(1);
                }
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                long exact = codes.stream().filter(c -> java.util.Arrays.equals(c, query)).count();
                for (ProbeCost.Mode mode : new ProbeCost.Mode[] { ProbeCost.Mode.PROBE, ProbeCost.Mode.AUTO }) {
                    HammingQuery radius = new HammingQuery(FIELD, query, 0, cache, layout, mode);
                    if (mode == ProbeCost.Mode.PROBE) { // (the planner scans these small segments anyway)
                        String plan = searcher.rewrite(radius).toString();
                        assertTrue(plan, plan.contains(merged ? "segments probed:0 (1 lookups each) scanned:1" : "segments probed:1 (1 lookups each) scanned:1"));
                    }
                    assertEquals(mode + " merged:" + merged, exact, searcher.count(radius));
                    HammingTopKQuery topK = new HammingTopKQuery(FIELD, query, (int) exact, 64, null, cache, layout, mode);
                    TopDocs top = searcher.search(topK, (int) exact + 1);
                    assertEquals(mode + " merged:" + merged, exact, top.scoreDocs.length);
                    for (ScoreDoc hit : top.scoreDocs) {
                        assertEquals(0, HammingScore.distance(hit.score, 1f));
                    }
                }
            }
            dir.close();
        }
    }

    /** One large segment: the planner probes for near neighbours and falls back to the scan where probing loses. */
    public void testPlannerProbesNearAndScansFar() throws IOException {
        SubstringLayout layout = new SubstringLayout(64, 4);
        List<byte[]> codes = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            codes.add(randomByteArrayOfLength(8));
        }
        Directory dir = oneSegment(layout, codes);
        IndexReader reader = DirectoryReader.open(dir);
        IndexSearcher searcher = new IndexSearcher(reader);
        byte[] stored = codes.get(randomIntBetween(0, codes.size() - 1));

        // an exact-match lookup: one probe
        HammingTopKQuery near = new HammingTopKQuery(FIELD, stored, 1, 64, null, cache, layout, ProbeCost.Mode.AUTO);
        Query rewritten = searcher.rewrite(near);
        assertTrue(rewritten.toString(), rewritten.toString().contains("segments probed:1 scanned:0"));
        TopDocs top = searcher.search(near, 1);
        assertEquals(1, top.scoreDocs.length);
        assertEquals(0, HammingScore.distance(top.scoreDocs[0].score, 1f));
        Explanation explanation = searcher.explain(near, top.scoreDocs[0].doc);
        assertTrue(explanation.getDescription(), explanation.getDescription().contains("plan: segments probed:1"));

        // uniform random codes and a random query: the 100 nearest are ~15 bits away, probing would cost more; the
        // radius-0 round's own finds say so (each ~24 bits away stands for ~2,000 codes), before the planner has spent
        // its budget finding out
        HammingTopKQuery far = new HammingTopKQuery(FIELD, randomByteArrayOfLength(8), 100, 64, null, cache, layout, ProbeCost.Mode.AUTO);
        String farPlan = searcher.rewrite(far).toString();
        assertTrue(farPlan, farPlan.contains("segments probed:0 scanned:1"));
        assertTrue(farPlan, farPlan.contains("estimate(kth:"));
        assertTrue(farPlan, farPlan.contains(")->scan"));
        assertEquals(100, searcher.search(far, 100).scoreDocs.length);
        // a top 10: the round's few finds are too weak evidence on their own (it sees ~1 in 8 codes 11 bits away), but
        // none of them is near enough to prove, so the sample is asked at once: the four radius-0 lookups are all spent
        HammingTopKQuery farTen = new HammingTopKQuery(FIELD, randomByteArrayOfLength(8), 10, 64, null, cache, layout, ProbeCost.Mode.AUTO);
        String farTenPlan = searcher.rewrite(farTen).toString();
        assertTrue(farTenPlan, farTenPlan.contains("segments probed:0 scanned:1"));
        assertTrue(farTenPlan, farTenPlan.contains(" lookups:4)->scan(docs:60000)"));

        // radius: 0 is one lookup; 40 bits would enumerate most of every substring
        HammingQuery exactQuery = new HammingQuery(FIELD, stored, 0, cache, layout, ProbeCost.Mode.AUTO);
        Query exactRewritten = searcher.rewrite(exactQuery);
        String exact = exactRewritten.toString();
        assertTrue(exact, exact.contains("segments probed:1 (1 lookups each) scanned:0"));
        // the rewritten copy holds what probing found (a query cache keeps it): its size counts those documents
        assertTrue(((HammingQuery) exactRewritten).ramBytesUsed() > exactQuery.ramBytesUsed());
        String wide = searcher.rewrite(new HammingQuery(FIELD, stored, 40, cache, layout, ProbeCost.Mode.AUTO)).toString();
        assertTrue(wide, wide.contains("segments probed:0"));
        HammingQuery radius = new HammingQuery(FIELD, stored, 3, cache, layout, ProbeCost.Mode.AUTO);
        for (ScoreDoc hit : searcher.search(radius, 10).scoreDocs) {
            Explanation e = searcher.explain(radius, hit.doc);
            assertTrue(e.getDescription(), e.getDescription().contains("probing 4 substring values"));
        }
        reader.close();
        dir.close();
    }

    /**
     * A segment too large for its codes to stay in the caches keeps each posting's code beside it (probing then reads
     * codes in sequence), unless the memory accounting refuses that copy (then it verifies from the packed codes); top
     * k and radius answers, probed or planned, stay the brute force's either way. Clustered 64-bit codes so that
     * queries have near neighbours to probe for.
     */
    public void testLargeSegmentsKeepCodesBesidePostingsAndStayExact() throws IOException {
        int docs = 2_100_000;
        assertTrue(PostingCodes.worthKeeping(docs, 1));
        assertFalse(PostingCodes.worthKeeping(docs / 2, 1));
        assertFalse("longer codes are never copied", PostingCodes.worthKeeping(docs, 2));
        // a second cache whose breaker refuses the copy of the codes (and only that)
        SegmentCache refusing = new SegmentCache();
        java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
        refusing.setMemoryAccounting(new MemoryAccounting() {
            @Override
            public void reserve(long bytes, String label) {
                if (label.contains("substring-codes")) {
                    refusals.incrementAndGet();
                    throw new IllegalStateException("breaker: " + label);
                }
            }

            @Override
            public void release(long bytes) {}
        });
        SubstringLayout layout = new SubstringLayout(64, SubstringLayout.defaultCount(64));
        long[] centres = new long[docs / 100];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = random().nextLong();
        }
        long[] stored = new long[docs];
        List<byte[]> codes = new ArrayList<>(docs);
        for (int i = 0; i < docs; i++) {
            stored[i] = flip(centres[random().nextInt(centres.length)], randomIntBetween(0, 8));
            codes.add(bytes(stored[i]));
        }
        Directory dir = oneSegment(layout, codes);
        codes = null;
        try (IndexReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            for (int q = 0; q < 8; q++) {
                long query = flip(stored[random().nextInt(docs)], randomIntBetween(0, 4));
                byte[] queryBytes = bytes(query);
                List<int[]> nearest = new ArrayList<>();
                for (int doc = 0; doc < docs; doc++) { // one segment, documents in the order written
                    int d = Long.bitCount(stored[doc] ^ query);
                    if (d <= 12) {
                        nearest.add(new int[] { doc, d });
                    }
                }
                nearest.sort(Comparator.<int[]>comparingInt(e -> e[1]).thenComparingInt(e -> e[0]));
                int k = randomFrom(1, 10, 50);
                for (int variant = 0; variant < 4; variant++) {
                    ProbeCost.Mode mode = variant % 2 == 0 ? ProbeCost.Mode.PROBE : ProbeCost.Mode.AUTO;
                    SegmentCache cache = variant < 2 ? this.cache : refusing;
                    TopDocs top = searcher.search(new HammingTopKQuery(FIELD, queryBytes, k, 12, null, cache, layout, mode), k);
                    List<int[]> expected = nearest.stream().limit(k).toList();
                    assertEquals(mode + " k:" + k, expected.size(), top.scoreDocs.length);
                    for (int i = 0; i < expected.size(); i++) {
                        assertEquals(mode + " k:" + k + " rank " + i, expected.get(i)[0], top.scoreDocs[i].doc);
                        assertEquals(expected.get(i)[1], HammingScore.distance(top.scoreDocs[i].score, 1f));
                    }
                    int r = randomIntBetween(0, 8);
                    TopDocs within = searcher.search(new HammingQuery(FIELD, queryBytes, r, cache, layout, mode), 100_000);
                    List<int[]> inside = nearest.stream().filter(e -> e[1] <= r).toList();
                    assertEquals(mode + " r:" + r, inside.size(), TotalHits.of(within));
                    for (int i = 0; i < inside.size(); i++) {
                        assertEquals(mode + " r:" + r + " rank " + i, inside.get(i)[0], within.scoreDocs[i].doc);
                    }
                }
            }
            // while the segment is open: the refusing cache holds the codes and tables, not the copy beside the postings
            long copy = 8L * docs * layout.count();
            assertEquals(cache.ramBytesUsed() - copy, refusing.ramBytesUsed(), copy / 100);
        }
        assertEquals("refused once, then remembered for the segment", 1, refusals.get());
        dir.close();
    }

    private static byte[] bytes(long code) {
        return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(code).array();
    }

    private static long flip(long code, int flips) {
        for (int f = 0; f < flips; f++) {
            code ^= 1L << random().nextInt(64);
        }
        return code;
    }

    /**
     * A query with a few near neighbours in a large segment of random codes: a sample of 1/256 of the segment would
     * most likely hold none of them and put the 10th nearest far away, but the first rounds, which cost little, find
     * them before the sample is asked, so the segment is probed (and the answer is the scan's).
     */
    public void testPlannerFindsRareNearNeighboursBeforeAskingTheSample() throws IOException {
        SubstringLayout layout = new SubstringLayout(64, 4);
        byte[] query = randomByteArrayOfLength(8);
        List<byte[]> codes = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            byte[] code = randomByteArrayOfLength(8);
            if (i % 2_000 == 0) { // 30 codes 1-3 bits from the query
                code = query.clone();
                for (int flip = randomIntBetween(1, 3); flip > 0; flip--) {
                    int bit = randomIntBetween(0, 63);
                    flipBit(code, bit);
                }
            }
            codes.add(code);
        }
        Directory dir = oneSegment(layout, codes);
        try (IndexReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            HammingTopKQuery near = new HammingTopKQuery(FIELD, query, 10, 64, null, cache, layout, ProbeCost.Mode.AUTO);
            String plan = searcher.rewrite(near).toString();
            assertTrue(plan, plan.contains("segments probed:1 scanned:0"));
            TopDocs probed = searcher.search(near, 10);
            TopDocs scanned = searcher.search(new HammingTopKQuery(FIELD, query, 10, 64, null, cache), 10);
            assertEquals(10, probed.scoreDocs.length);
            for (int i = 0; i < 10; i++) {
                assertEquals(scanned.scoreDocs[i].doc, probed.scoreDocs[i].doc);
                assertEquals(scanned.scoreDocs[i].score, probed.scoreDocs[i].score, 0f);
                assertThat(HammingScore.distance(probed.scoreDocs[i].score, 1f), lessThan(4));
            }
        }
        dir.close();
    }

    /**
     * The sample that the planner consults before probing a large segment: a quarter of the codes are 2 bits from the
     * query and the rest random (~32 bits away), so the 100th nearest is 2 bits away and the 40,000th far; probing
     * the first substring to radius 0 reads the near codes whose two flips fall outside it (48/64 * 47/63 of 20,000).
     */
    public void testSampleEstimatesTheKthDistanceAndTheBuckets() throws IOException {
        SubstringLayout layout = new SubstringLayout(64, 4);
        byte[] query = randomByteArrayOfLength(8);
        List<byte[]> codes = new ArrayList<>();
        for (int i = 0; i < 80_000; i++) {
            byte[] code = randomByteArrayOfLength(8);
            if (i % 4 == 0) {
                code = query.clone();
                int a = randomIntBetween(0, 63);
                int b = (a + randomIntBetween(1, 63)) % 64;
                flipBit(code, a);
                flipBit(code, b);
            }
            codes.add(code);
        }
        Directory dir = oneSegment(layout, codes);
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
            SegmentCodes segment = SegmentCodes.load(reader.leaves().get(0).reader(), FIELD, 64);
            assertTrue(SegmentSample.worthSampling(segment));
            long[] words = HashCodes.toWords(query);
            SegmentSample sample = new SegmentSample(segment, words);
            assertEquals(2, sample.kthDistance(100, segment.count(), 64));
            assertEquals(2, sample.kthDistance(12_000, segment.count(), 64));
            assertThat(sample.kthDistance(40_000, segment.count(), 64), greaterThan(16));
            assertEquals("never beyond the limit", 10, sample.kthDistance(40_000, segment.count(), 10));
            double postings = sample.postings(layout, layout.substrings(words), new int[] { 0, -1, -1, -1 }, segment.count());
            assertThat(postings, allOf(greaterThan(7_000.0), lessThan(15_500.0)));
        }
        dir.close();
    }

    /**
     * The planner prices a probe by the query's own buckets, not the segment's mean: a query whose substring lands in a
     * bucket holding half the segment (as a model's codes do for a query like them) is scanned, though the mean
     * bucket holds two documents; a query whose buckets are sparse is still probed.
     */
    public void testPlannerCountsTheQuerysOwnBuckets() throws IOException {
        SubstringLayout layout = new SubstringLayout(64, 4);
        byte[] dense = randomByteArrayOfLength(8);
        List<byte[]> codes = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            byte[] code = randomByteArrayOfLength(8);
            if (i % 2 == 0) { // the dense query's first 16 bits, then one bit flipped among the other 48
                code = dense.clone();
                int bit = 16 + randomIntBetween(0, 47);
                flipBit(code, bit);
            }
            codes.add(code);
        }
        byte[] sparse = codes.get(1);
        Directory dir = oneSegment(layout, codes);
        try (IndexReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            HammingTopKQuery crowded = new HammingTopKQuery(FIELD, dense, 10, 64, null, cache, layout, ProbeCost.Mode.AUTO);
            String plan = searcher.rewrite(crowded).toString();
            assertTrue(plan, plan.contains("segments probed:0 scanned:1"));
            assertTrue(plan, plan.contains("probe_over_budget(lookups:"));
            assertTrue(plan, plan.contains(")->scan"));
            TopDocs top = searcher.search(crowded, 10);
            TopDocs scanned = searcher.search(new HammingTopKQuery(FIELD, dense, 10, 64, null, cache), 10);
            assertEquals(10, top.scoreDocs.length);
            for (int i = 0; i < 10; i++) {
                assertEquals(scanned.scoreDocs[i].doc, top.scoreDocs[i].doc);
                assertEquals(1, HammingScore.distance(top.scoreDocs[i].score, 1f));
            }
            String radius = searcher.rewrite(new HammingQuery(FIELD, dense, 1, cache, layout, ProbeCost.Mode.AUTO)).toString();
            assertTrue(radius, radius.contains("segments probed:0"));

            String lone = searcher.rewrite(new HammingTopKQuery(FIELD, sparse, 1, 64, null, cache, layout, ProbeCost.Mode.AUTO)).toString();
            assertTrue(lone, lone.contains("segments probed:1 scanned:0"));
            String exact = searcher.rewrite(new HammingQuery(FIELD, sparse, 0, cache, layout, ProbeCost.Mode.AUTO)).toString();
            assertTrue(exact, exact.contains("segments probed:1"));
        }
        dir.close();
    }

    public void testPassesLuceneQueryChecks() throws IOException {
        int bits = randomFrom(64, 128);
        try (RandomCodeIndex f = new RandomCodeIndex(bits, randomLayout(bits, 12), 300, false, false)) {
            byte[] query = f.randomQuery();
            int r = randomIntBetween(0, 12);
            HammingQuery radius = new HammingQuery(FIELD, query, r, cache, f.layout, ProbeCost.Mode.PROBE);
            QueryUtils.check(random(), radius, f.searcher);
            QueryUtils.checkEqual(radius, new HammingQuery(FIELD, query.clone(), r, cache, f.layout, ProbeCost.Mode.PROBE));
            QueryUtils.checkUnequal(radius, new HammingQuery(FIELD, query, r + 1, cache, f.layout, ProbeCost.Mode.PROBE));
            HammingTopKQuery topK = new HammingTopKQuery(FIELD, query, 3, bits, null, cache, f.layout, ProbeCost.Mode.AUTO);
            QueryUtils.checkEqual(topK, new HammingTopKQuery(FIELD, query.clone(), 3, bits, null, cache, f.layout, ProbeCost.Mode.AUTO));
            QueryUtils.checkUnequal(topK, new HammingTopKQuery(FIELD, query, 4, bits, null, cache, f.layout, ProbeCost.Mode.AUTO));
            QueryUtils.checkUnequal(topK, new HammingTopKQuery(FIELD, query, 3, bits, null, cache, f.layout, ProbeCost.Mode.SCAN));
        }
    }
}
