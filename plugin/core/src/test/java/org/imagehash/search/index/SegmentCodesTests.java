package org.imagehash.search.index;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodeTestCase;
import org.imagehash.search.HashCodes;

import java.io.IOException;

/**
 * The packed layout: 64-bit codes in doc order, longer ones in blocks of {@link SegmentCodes#BLOCK} documents word by
 * word; every word of every code is where {@link SegmentCodes#offset} says, across whole and partial blocks, and
 * documents without a code read as zero words.
 */
public class SegmentCodesTests extends HashCodeTestCase {

    public void testEveryWordIsWhereOffsetSaysAcrossBlocks() throws IOException {
        for (int bits : new int[] { 64, 128, 192, 256, 512 }) {
            int docs = randomIntBetween(SegmentCodes.BLOCK + 1, 3 * SegmentCodes.BLOCK + 77); // a partial last block
            byte[][] stored = new byte[docs][];
            try (Directory dir = new ByteBuffersDirectory()) {
                try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
                    for (int i = 0; i < docs; i++) {
                        Document doc = new Document();
                        if (i % 97 != 5) { // some documents without a code
                            stored[i] = randomByteArrayOfLength(bits / 8);
                            doc.add(new BinaryDocValuesField("code", new BytesRef(stored[i])));
                        }
                        writer.addDocument(doc);
                    }
                    writer.forceMerge(1);
                }
                try (DirectoryReader reader = DirectoryReader.open(dir)) {
                    LeafReader leaf = reader.leaves().get(0).reader();
                    SegmentCodes codes = SegmentCodes.load(leaf, "code", bits);
                    int words = bits / 64;
                    assertEquals(words, codes.words());
                    long[] packed = codes.codes();
                    for (int doc = 0; doc < docs; doc++) {
                        long[] expected = stored[doc] == null ? new long[words] : HashCodes.toWords(stored[doc]);
                        assertEquals(stored[doc] != null, codes.hasCode(doc));
                        for (int w = 0; w < words; w++) {
                            assertEquals(bits + " bits, doc " + doc + ", word " + w, expected[w], packed[SegmentCodes.offset(doc, words) + w * SegmentCodes.BLOCK]);
                        }
                    }
                    if (words == 1) {
                        assertEquals("64-bit codes stay in doc order", docs, packed.length);
                    }
                    assertTrue(codes.ramBytesUsed() <= SegmentCodes.estimateBytes(docs, bits) + 64);
                }
            }
        }
    }
}
