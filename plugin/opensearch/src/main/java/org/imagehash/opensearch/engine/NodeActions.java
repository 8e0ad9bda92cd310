package org.imagehash.opensearch.engine;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionType;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.threadpool.ThreadPool;

/**
 * The node's way to run transport actions, as a node component that transport actions and the model index get
 * injected (the client itself lives in different packages on OpenSearch 2.x and 3.x). Set once the node has created
 * its components.
 */
public final class NodeActions implements ActionClient {

    private volatile ActionClient client;
    private volatile ThreadPool threadPool;

    public void set(ActionClient client, ThreadPool threadPool) {
        this.client = client;
        this.threadPool = threadPool;
    }

    public ThreadPool threadPool() {
        check();
        return threadPool;
    }

    @Override
    public <Q extends ActionRequest, R extends ActionResponse> void execute(ActionType<R> action, Q request, ActionListener<R> listener) {
        check();
        client.execute(action, request, listener);
    }

    /** Runs an action and waits for its answer: only from a thread that may block (never a transport thread). */
    public <R extends ActionResponse> R run(ActionType<R> action, ActionRequest request, TimeValue timeout) {
        PlainActionFuture<R> future = new PlainActionFuture<>();
        execute(action, request, future);
        return future.actionGet(timeout);
    }

    private void check() {
        if (client == null) {
            throw new IllegalStateException("the node's client is not available before the node has started");
        }
    }
}
