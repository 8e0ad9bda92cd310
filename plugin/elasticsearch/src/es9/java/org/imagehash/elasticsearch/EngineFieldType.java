package org.imagehash.elasticsearch;

import org.elasticsearch.index.mapper.IndexType;
import org.elasticsearch.index.mapper.MappedFieldType;

import java.util.Map;

/** Elasticsearch 9 line: a doc-values-only field type is declared with an {@link IndexType}. */
public abstract class EngineFieldType extends MappedFieldType {

    protected EngineFieldType(String name, Map<String, String> meta) {
        super(name, IndexType.docValuesOnly(), false, meta);
    }
}
