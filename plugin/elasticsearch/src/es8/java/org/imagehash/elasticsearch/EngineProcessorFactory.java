package org.imagehash.elasticsearch;

import org.elasticsearch.ingest.Processor;

import java.util.Map;

/** Elasticsearch 8 line: processors are created without a project. */
public abstract class EngineProcessorFactory implements Processor.Factory {

    @Override
    public Processor create(Map<String, Processor.Factory> factories, String tag, String description, Map<String, Object> config) {
        return create(tag, description, config);
    }

    protected abstract Processor create(String tag, String description, Map<String, Object> config);
}
