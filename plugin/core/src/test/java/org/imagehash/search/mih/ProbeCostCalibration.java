package org.imagehash.search.mih;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.index.SegmentCodesCache;
import org.imagehash.search.query.HammingQuery;
import org.imagehash.search.query.MihHammingQuery;
import org.imagehash.search.query.HammingTopKQuery;
import org.opensearch.test.OpenSearchTestCase;

import java.util.Random;

/**
 * Measures the constants of {@link ProbeCost} on this machine: not a test (skipped unless
 * {@code -Dtests.mih.calibrate=true}). One segment of uniform random 64-bit codes; the linear top-k scan against
 * radius probes of known lookup counts.
 *
 * <pre>mvn -B package -pl plugin -am -Dtest=ProbeCostCalibration -Dtests.mih.calibrate=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
public class ProbeCostCalibration extends OpenSearchTestCase {

    public void testCalibrate() throws Exception {
        assumeTrue("calibration runs only on request", Boolean.getBoolean("tests.mih.calibrate"));
        int n = Integer.getInteger("tests.mih.docs", 1_000_000);
        SubstringLayout layout = new SubstringLayout(64, 4);
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        Random random = new Random(1);
        try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(512))) {
            for (int i = 0; i < n; i++) {
                byte[] code = new byte[8];
                random.nextBytes(code);
                Document doc = new Document();
                doc.add(new BinaryDocValuesField("code", new BytesRef(code)));
                layout.termFields("code", code).forEach(doc::add);
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
        }
        SegmentCodesCache cache = new SegmentCodesCache();
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            byte[][] queries = new byte[200][8];
            for (byte[] q : queries) {
                random.nextBytes(q);
            }
            for (int round = 0; round < 3; round++) {
                long t = System.nanoTime();
                for (byte[] q : queries) {
                    searcher.rewrite(new HammingTopKQuery("code", q, 10, 64, null, cache));
                }
                double scan = (System.nanoTime() - t) / (double) queries.length;
                logger.info("scan top 10: {} ns/query = {} ns/doc", (long) scan, scan / n);
                for (int r : new int[] { 0, 3, 4, 7, 8, 11, 12 }) {
                    t = System.nanoTime();
                    long hits = 0;
                    for (byte[] q : queries) {
                        hits += searcher.count(new MihHammingQuery("code", q, r, cache, layout, ProbeCost.Mode.PROBE));
                    }
                    double probe = (System.nanoTime() - t) / (double) queries.length;
                    MihHammingQuery one = new MihHammingQuery("code", queries[0], r, cache, layout, ProbeCost.Mode.PROBE);
                    logger.info("radius {}: {} ns/query, plan {}, hits/query {}", r, (long) probe, searcher.rewrite(one), hits / queries.length);
                }
                t = System.nanoTime();
                for (byte[] q : queries) {
                    searcher.count(new HammingQuery("code", q, 8, cache));
                }
                logger.info("scan radius 8: {} ns/query", (System.nanoTime() - t) / queries.length);
            }
        }
    }
}
