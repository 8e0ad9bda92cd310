package org.imagehash.opensearch.mapper;

import org.opensearch.core.xcontent.XContentParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads what a user sent under the parser's current token as a plain Java value, for the engine-neutral parsers. */
public final class XContentValues {

    private XContentValues() {}

    /**
     * A string, number, boolean, list, map or null. Arrays and objects are walked token by token: the parsers that
     * document parsing hands to field mappers may not implement {@code list()} or {@code map()}.
     */
    public static Object read(XContentParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
                    list.add(read(parser));
                }
                yield list;
            }
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == XContentParser.Token.FIELD_NAME) {
                    String key = parser.currentName();
                    parser.nextToken();
                    map.put(key, read(parser));
                }
                yield map;
            }
            case VALUE_STRING -> parser.text();
            case VALUE_NUMBER -> parser.numberValue();
            case VALUE_BOOLEAN -> parser.booleanValue();
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("unexpected token [" + parser.currentToken() + "]");
        };
    }
}
