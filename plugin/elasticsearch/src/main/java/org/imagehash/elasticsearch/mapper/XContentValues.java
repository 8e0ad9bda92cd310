package org.imagehash.elasticsearch.mapper;

import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;

/** Reads what a user sent under the parser's current token as a plain Java value, for the engine-neutral parsers. */
public final class XContentValues {

    private XContentValues() {}

    /** A string, number, boolean, list, map or null. */
    public static Object read(XContentParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_ARRAY -> parser.list();
            case START_OBJECT -> parser.map();
            case VALUE_STRING -> parser.text();
            case VALUE_NUMBER -> parser.numberValue();
            case VALUE_BOOLEAN -> parser.booleanValue();
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("unexpected token [" + parser.currentToken() + "]");
        };
    }
}
