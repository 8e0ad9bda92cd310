package org.imagehash.opensearch.engine;

import org.imagehash.model.PrivilegedAccess;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;
import org.opensearch.secure_sm.AccessController;

/** OpenSearch 3.x: what differs from 2.x besides the packages of the client (source set {@code src/os3}). */
public final class EngineCompat {

    /** OpenSearch 3.x runs plugin code with its own permissions through its agent's AccessController. */
    public static final PrivilegedAccess PRIVILEGED = new PrivilegedAccess() {
        @Override
        public <T, E extends Exception> T run(Action<T, E> action) throws E {
            return AccessController.doPrivilegedChecked(action::run);
        }
    };

    private EngineCompat() {}

    /** A document of a batch, at position {@code slot} (3.x also numbers the documents of a bulk request). */
    public static IngestDocumentWrapper wrap(int slot, IngestDocument document) {
        return new IngestDocumentWrapper(slot, 0, document, null);
    }
}
