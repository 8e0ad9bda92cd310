package org.imagehash.elasticsearch;

import org.apache.lucene.index.BinaryDocValues;
import org.elasticsearch.index.fielddata.SortedBinaryDocValues;

/** Elasticsearch 8 line: field data's binary values take no iterator (9 builds them on the one they walk). */
public abstract class EngineBinaryValues extends SortedBinaryDocValues {

    protected EngineBinaryValues(BinaryDocValues values) {
        super();
    }
}
