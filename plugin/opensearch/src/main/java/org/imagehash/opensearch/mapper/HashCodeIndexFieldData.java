package org.imagehash.opensearch.mapper;

import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.SortField;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodes;
import org.opensearch.common.util.BigArrays;
import org.opensearch.index.fielddata.IndexFieldData;
import org.opensearch.index.fielddata.LeafFieldData;
import org.opensearch.index.fielddata.ScriptDocValues;
import org.opensearch.index.fielddata.SortedBinaryDocValues;
import org.opensearch.search.DocValueFormat;
import org.opensearch.search.MultiValueMode;
import org.opensearch.search.aggregations.support.CoreValuesSourceType;
import org.opensearch.search.aggregations.support.ValuesSourceType;
import org.opensearch.search.sort.BucketedSort;
import org.opensearch.search.sort.SortOrder;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Field data of a {@code hash_code} field: each document's code as its lowercase hex string. This is what
 * {@code docvalue_fields}, scripts ({@code doc['code'].value}) and {@code terms} aggregations see.
 */
final class HashCodeIndexFieldData implements IndexFieldData<LeafFieldData> {

    private final String field;

    HashCodeIndexFieldData(String field) {
        this.field = field;
    }

    @Override
    public String getFieldName() {
        return field;
    }

    @Override
    public ValuesSourceType getValuesSourceType() {
        return CoreValuesSourceType.BYTES;
    }

    @Override
    public LeafFieldData load(LeafReaderContext context) {
        try {
            return loadDirect(context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public LeafFieldData loadDirect(LeafReaderContext context) throws IOException {
        BinaryDocValues values = DocValues.getBinary(context.reader(), field);
        return new LeafFieldData() {
            @Override
            public ScriptDocValues<?> getScriptValues() {
                return new ScriptDocValues.Strings(getBytesValues());
            }

            @Override
            public SortedBinaryDocValues getBytesValues() {
                return new HexValues(values);
            }

            @Override
            public long ramBytesUsed() {
                return 0; // reads doc values in place
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public SortField sortField(Object missingValue, MultiValueMode sortMode, XFieldComparatorSource.Nested nested, boolean reverse) {
        throw new IllegalArgumentException("field [" + field + "] of type [hash_code] does not support sorting; use the hamming query");
    }

    @Override
    public BucketedSort newBucketedSort(
        BigArrays bigArrays,
        Object missingValue,
        MultiValueMode sortMode,
        XFieldComparatorSource.Nested nested,
        SortOrder sortOrder,
        DocValueFormat format,
        int bucketSize,
        BucketedSort.ExtraData extra
    ) {
        throw new IllegalArgumentException("field [" + field + "] of type [hash_code] does not support sorting; use the hamming query");
    }

    /** One value per document: the code's hex string, as UTF-8 bytes. */
    private static final class HexValues extends SortedBinaryDocValues {
        private final BinaryDocValues values;
        private final BytesRef hex = new BytesRef();

        HexValues(BinaryDocValues values) {
            this.values = values;
        }

        @Override
        public boolean advanceExact(int doc) throws IOException {
            return values.advanceExact(doc);
        }

        @Override
        public int docValueCount() {
            return 1;
        }

        @Override
        public BytesRef nextValue() throws IOException {
            BytesRef code = values.binaryValue();
            hex.bytes = HashCodes.toHex(code).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            hex.offset = 0;
            hex.length = hex.bytes.length;
            return hex;
        }
    }
}
