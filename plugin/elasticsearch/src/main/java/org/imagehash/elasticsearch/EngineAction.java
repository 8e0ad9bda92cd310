package org.imagehash.elasticsearch;

import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.TransportAction;

/** A transport action of the plugin and its implementation (registered by the per-line {@link EnginePlugin}). */
public record EngineAction(ActionType<?> type, Class<? extends TransportAction<?, ?>> transport) {}
