package org.imagehash.search;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.RandomIndexWriter;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.mih.SubstringLayout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.imagehash.search.HashCodeTestCase.flipBit;
import static org.imagehash.search.HashCodeTestCase.randomBoolean;
import static org.imagehash.search.HashCodeTestCase.randomByteArrayOfLength;
import static org.imagehash.search.HashCodeTestCase.randomIntBetween;
import static org.apache.lucene.tests.util.LuceneTestCase.newDirectory;
import static org.apache.lucene.tests.util.LuceneTestCase.newIndexWriterConfig;
import static org.apache.lucene.tests.util.LuceneTestCase.newSearcher;
import static org.apache.lucene.tests.util.LuceneTestCase.random;
import static org.apache.lucene.tests.util.LuceneTestCase.rarely;

/**
 * The one random index the search tests compare against a brute-force reference: codes in field {@value #FIELD}
 * clustered around a few centres (so small distances and ties are common) or uniform, their substring terms when a
 * layout is given, a few documents without a code, deletions, many segments, and an {@code even} keyword for filters.
 */
public final class RandomCodeIndex implements AutoCloseable {

    public static final String FIELD = "code";

    public final int bits;
    public final SubstringLayout layout; // null: substrings not indexed
    public final IndexReader reader;
    public final IndexSearcher searcher;
    private final Directory dir;
    private final Map<String, byte[]> codes = new HashMap<>();
    private final List<byte[]> centers = new ArrayList<>();

    /**
     * @param layout indexes the codes' substrings too; null for none
     * @param uniform uniform random codes instead of clustered ones
     */
    public RandomCodeIndex(int bits, SubstringLayout layout, int docs, boolean deletions, boolean uniform) throws IOException {
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
                byte[] code = uniform ? randomByteArrayOfLength(bits / 8) : near(randomCenter(), randomIntBetween(0, Math.min(bits, 12)));
                codes.put(id, code);
                doc.add(new BinaryDocValuesField(FIELD, new BytesRef(code)));
                if (layout != null) {
                    layout.termFields(FIELD, code).forEach(doc::add);
                }
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

    private byte[] randomCenter() {
        return centers.get(random().nextInt(centers.size()));
    }

    /** A code {@code flips} random bit flips away from {@code center}. */
    private byte[] near(byte[] center, int flips) {
        byte[] code = center.clone();
        for (int f = 0; f < flips; f++) {
            int bit = randomIntBetween(0, bits - 1);
            flipBit(code, bit);
        }
        return code;
    }

    /** Usually a code near a centre (many neighbours, ties), rarely a uniform random one (far from everything). */
    public byte[] randomQuery() {
        return rarely() ? randomByteArrayOfLength(bits / 8) : near(randomCenter(), randomIntBetween(0, 8));
    }

    /** Every live document with a code, as (global doc, distance), nearest first, ties by doc. */
    public List<int[]> bruteForce(byte[] query, boolean evenOnly) throws IOException {
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
                all.add(new int[] { leaf.docBase + doc, ClusteredCodes.distance(query, code) });
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
