package org.imagehash.search.mih;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.query.HammingQuery;
import org.imagehash.search.query.HammingTopKQuery;
import org.imagehash.search.HashCodeTestCase;

import java.util.Random;

/**
 * Measures the constants of {@link ProbeCost} on this machine: not a test (skipped unless
 * {@code -Dtests.mih.calibrate=true}). One segment of uniform random 64-bit codes; the linear top-k scan against
 * radius probes of known lookup counts.
 *
 * <pre>mvn -B package -pl plugin/core -am -Dtest=ProbeCostCalibration -Dtests.mih.calibrate=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
public class ProbeCostCalibration extends HashCodeTestCase {

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
        SegmentCache cache = new SegmentCache();
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
                System.out.printf(java.util.Locale.ROOT, "scan top 10: %d ns/query = %.3f ns/doc%n", (long) scan, scan / n);
                for (int r : new int[] { 0, 3, 4, 7, 8, 11, 12 }) {
                    t = System.nanoTime();
                    long hits = 0;
                    for (byte[] q : queries) {
                        hits += searcher.count(new HammingQuery("code", q, r, cache, layout, ProbeCost.Mode.PROBE));
                    }
                    double probe = (System.nanoTime() - t) / (double) queries.length;
                    HammingQuery one = new HammingQuery("code", queries[0], r, cache, layout, ProbeCost.Mode.PROBE);
                    System.out.printf(java.util.Locale.ROOT, "radius %d: %d ns/query, plan %s, hits/query %d%n", r, (long) probe, searcher.rewrite(one), hits / queries.length);
                }
                t = System.nanoTime();
                for (byte[] q : queries) {
                    searcher.count(new HammingQuery("code", q, 8, cache));
                }
                System.out.printf(java.util.Locale.ROOT, "scan radius 8: %d ns/query%n", (System.nanoTime() - t) / queries.length);
            }
        }
    }
}
