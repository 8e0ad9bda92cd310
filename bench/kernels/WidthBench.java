import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The scan kernels through the public Lucene queries, for one plugin build: radius, unfiltered top 10 and top 10 under
 * a dense filter (a quarter of the documents), on one force-merged segment of clustered codes. Built against the
 * queries by reflection so that the same file times the build before and after a change (bench/kernels/run.sh runs
 * both, alternating). Prints one JSON object: median ns per query for each case.
 *
 *   java -cp LUCENE:JAR[:OPENSEARCH_CORE] bench/kernels/WidthBench.java BITS DOCS
 */
public class WidthBench {

    public static void main(String[] args) throws Exception {
        int bits = Integer.parseInt(args[0]);
        int docs = Integer.parseInt(args[1]);
        Random random = new Random(42);
        byte[][] centres = new byte[200][bits / 8];
        for (byte[] c : centres) {
            random.nextBytes(c);
        }
        byte[][] stored = new byte[docs][];
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(512))) {
            for (int i = 0; i < docs; i++) {
                byte[] code = flip(centres[random.nextInt(centres.length)], random.nextInt(16), random, bits);
                stored[i] = code;
                Document doc = new Document();
                doc.add(new BinaryDocValuesField("code", new BytesRef(code)));
                doc.add(new StringField("tag", Integer.toString(i % 4), Field.Store.NO));
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
        }
        byte[][] queries = new byte[64][];
        for (int q = 0; q < queries.length; q++) {
            queries[q] = flip(stored[random.nextInt(docs)], 1, random, bits);
        }

        Class<?> cacheClass = load("org.imagehash.search.index.SegmentCache", "org.imagehash.search.index.SegmentCodesCache");
        Object cache = cacheClass.getConstructor().newInstance();
        Constructor<?> radius = Class.forName("org.imagehash.search.query.HammingQuery")
            .getConstructor(String.class, byte[].class, int.class, cacheClass);
        Constructor<?> topK = Class.forName("org.imagehash.search.query.HammingTopKQuery")
            .getConstructor(String.class, byte[].class, int.class, int.class, Query.class, cacheClass);
        Query dense = new TermQuery(new Term("tag", "0"));

        try (DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setQueryCache(null); // every query does its own work
            StringBuilder json = new StringBuilder("{\"bits\": " + bits + ", \"docs\": " + docs);
            for (String name : new String[] { "radius_8", "top10", "top10_dense_filter" }) {
                long[] rounds = new long[15];
                for (int r = 0; r < rounds.length + 5; r++) { // 5 warm-up rounds
                    long start = System.nanoTime();
                    long sink = 0;
                    for (byte[] q : queries) {
                        Query query = switch (name) {
                            case "radius_8" -> (Query) radius.newInstance("code", q, 8, cache);
                            case "top10" -> (Query) topK.newInstance("code", q, 10, bits, null, cache);
                            default -> (Query) topK.newInstance("code", q, 10, bits, dense, cache);
                        };
                        sink += name.equals("radius_8") ? searcher.count(query) : searcher.search(query, 10).scoreDocs.length;
                    }
                    if (sink < 0) {
                        throw new AssertionError();
                    }
                    if (r >= 5) {
                        rounds[r - 5] = (System.nanoTime() - start) / queries.length;
                    }
                }
                Arrays.sort(rounds);
                json.append(String.format(Locale.ROOT, ", \"%s_ns\": %d", name, rounds[rounds.length / 2]));
            }
            System.out.println(json.append('}'));
        }
    }

    private static byte[] flip(byte[] code, int flips, Random random, int bits) {
        byte[] out = code.clone();
        for (int f = 0; f < flips; f++) {
            int bit = random.nextInt(bits);
            out[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return out;
    }

    private static Class<?> load(String... names) throws ClassNotFoundException {
        for (String name : names) {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException e) {
                // try the next (older builds named it differently)
            }
        }
        throw new ClassNotFoundException(String.join(" or ", names));
    }
}
