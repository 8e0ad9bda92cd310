package org.imagehash.ingest;

import java.util.HashMap;
import java.util.Map;

/** The tests' ingest document: a flat map, recording why it failed. */
class MapDocument implements ImageHasher.Document {
    final Map<String, Object> source = new HashMap<>();
    volatile Exception failure;

    MapDocument(Map<String, Object> fields) {
        source.putAll(fields);
    }

    @Override
    public Object get(String path) {
        return source.get(path);
    }

    @Override
    public void set(String path, Object value) {
        source.put(path, value);
    }

    @Override
    public void remove(String path) {
        source.remove(path);
    }

    @Override
    public void fail(Exception reason) {
        failure = reason;
    }
}
