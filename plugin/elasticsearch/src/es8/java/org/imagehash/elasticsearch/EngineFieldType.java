package org.imagehash.elasticsearch;

import org.elasticsearch.index.mapper.MappedFieldType;
import org.elasticsearch.index.mapper.TextSearchInfo;

import java.util.Map;

/** Elasticsearch 8 line: a doc-values-only field type is declared with flags. */
public abstract class EngineFieldType extends MappedFieldType {

    protected EngineFieldType(String name, Map<String, String> meta) {
        super(name, false, false, true, TextSearchInfo.NONE, meta);
    }
}
