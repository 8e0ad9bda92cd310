package org.imagehash.elasticsearch.mapper;

import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.SortField;
import org.apache.lucene.util.BytesRef;
import org.imagehash.elasticsearch.EngineBinaryValues;
import org.imagehash.search.HashCodes;
import org.elasticsearch.common.util.BigArrays;
import org.elasticsearch.index.fielddata.IndexFieldData;
import org.elasticsearch.index.fielddata.LeafFieldData;
import org.elasticsearch.index.fielddata.SortedBinaryDocValues;
import org.elasticsearch.script.field.DocValuesScriptFieldFactory;
import org.elasticsearch.script.field.KeywordDocValuesField;
import org.elasticsearch.search.DocValueFormat;
import org.elasticsearch.search.MultiValueMode;
import org.elasticsearch.search.aggregations.support.CoreValuesSourceType;
import org.elasticsearch.search.aggregations.support.ValuesSourceType;
import org.elasticsearch.search.sort.BucketedSort;
import org.elasticsearch.search.sort.SortOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Field data of a {@code hash_code} field: each document's code as its lowercase hex string, read in place from the
 * doc values. This is what {@code docvalue_fields}, scripts ({@code doc['code'].value}) and {@code terms}
 * aggregations see, as in the OpenSearch flavour.
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
        return CoreValuesSourceType.KEYWORD;
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
            public DocValuesScriptFieldFactory getScriptFieldFactory(String name) {
                return new KeywordDocValuesField(getBytesValues(), name);
            }

            @Override
            public SortedBinaryDocValues getBytesValues() {
                return new HexValues(values);
            }

            @Override
            public long ramBytesUsed() {
                return 0; // reads doc values in place
            }
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
    private static final class HexValues extends EngineBinaryValues {
        private final BinaryDocValues values;
        private final BytesRef hex = new BytesRef();

        HexValues(BinaryDocValues values) {
            super(values);
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
            hex.bytes = HashCodes.toHex(values.binaryValue()).getBytes(StandardCharsets.US_ASCII);
            hex.offset = 0;
            hex.length = hex.bytes.length;
            return hex;
        }
    }
}
