package org.imagehash.model;

import org.opensearch.test.OpenSearchTestCase;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.containsString;

public class InferenceSlotsTests extends OpenSearchTestCase {

    /** With every slot busy and the wait queue full, the next call is refused at once, naming both settings. */
    public void testRefusesWhenTheQueueIsFull() throws Exception {
        InferenceSlots slots = new InferenceSlots(1, 1, InferenceRejectedException::new);
        slots.acquire(); // the one slot
        CountDownLatch waiting = new CountDownLatch(1);
        CountDownLatch acquired = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            waiting.countDown();
            slots.acquire();
            acquired.countDown();
            slots.release();
        });
        waiter.start();
        waiting.await();
        assertBusy(() -> assertEquals(1, slots.waiting()));
        InferenceRejectedException e = expectThrows(InferenceRejectedException.class, slots::acquire);
        assertThat(e.getMessage(), containsString("image_hash.inference.max_waiting [1]"));
        assertThat(e.getMessage(), containsString("image_hash.inference.max_concurrency [1]"));
        assertThat(e.getMessage(), containsString("too many requests"));
        assertEquals(1, slots.waiting()); // a refused call does not count as waiting
        slots.release();
        assertTrue(acquired.await(10, TimeUnit.SECONDS));
        waiter.join();
        assertEquals(0, slots.waiting());
        slots.acquire(); // free again
        slots.release();
    }

    /** max_waiting 0: nothing waits; the engine's own exception type comes out. */
    public void testZeroWaitingRefusesEveryCallBeyondTheSlots() {
        InferenceSlots slots = new InferenceSlots(2, 0, IllegalStateException::new);
        slots.acquire();
        slots.acquire();
        expectThrows(IllegalStateException.class, slots::acquire);
        slots.release();
        slots.acquire();
    }
}
