package org.imagehash.elasticsearch;

import org.apache.lucene.index.BinaryDocValues;
import org.elasticsearch.index.fielddata.SortedBinaryDocValues;

/** Elasticsearch 9 line: field data's binary values are built on the doc-values iterator they walk. */
public abstract class EngineBinaryValues extends SortedBinaryDocValues {

    protected EngineBinaryValues(BinaryDocValues values) {
        super(values);
    }
}
