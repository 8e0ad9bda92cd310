package org.imagehash.model;

/**
 * Runs the model loader's file reads and native-library work with the plugin's own permissions. Each engine supplies
 * its mechanism (OpenSearch 3.x: its {@code AccessController}; a Java Security Manager's {@code doPrivileged}; none
 * where entitlements are checked per plugin), so that this module imports no engine.
 */
public interface PrivilegedAccess {

    /** Runs the action as it is: for tests, tools, and engines that check permissions per plugin. */
    PrivilegedAccess DIRECT = new PrivilegedAccess() {
        @Override
        public <T, E extends Exception> T run(Action<T, E> action) throws E {
            return action.run();
        }
    };

    <T, E extends Exception> T run(Action<T, E> action) throws E;

    @FunctionalInterface
    interface Action<T, E extends Exception> {
        T run() throws E;
    }
}
