package org.imagehash.opensearch.engine;

import org.imagehash.model.PrivilegedAccess;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;

import java.security.AccessController;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

/** OpenSearch 2.x: what differs from 3.x besides the packages of the client (source set {@code src/os2}). */
@SuppressWarnings("removal") // the Java Security Manager: 2.x runs plugins under it
public final class EngineCompat {

    /** OpenSearch 2.x runs plugin code under the Java Security Manager: the plugin's own grants need doPrivileged. */
    public static final PrivilegedAccess PRIVILEGED = new PrivilegedAccess() {
        @Override
        @SuppressWarnings("unchecked") // the action throws only E (or unchecked exceptions, which are not wrapped)
        public <T, E extends Exception> T run(Action<T, E> action) throws E {
            try {
                return AccessController.doPrivileged((PrivilegedExceptionAction<T>) action::run);
            } catch (PrivilegedActionException e) {
                throw (E) e.getException();
            }
        }
    };

    private EngineCompat() {}

    /** A document of a batch, at position {@code slot}. */
    public static IngestDocumentWrapper wrap(int slot, IngestDocument document) {
        return new IngestDocumentWrapper(slot, document, null);
    }
}
