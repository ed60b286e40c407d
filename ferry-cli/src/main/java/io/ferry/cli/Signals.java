package io.ferry.cli;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * SIGINT and SIGTERM handled by the CLI itself rather than by JVM shutdown hooks, so that a second signal during a
 * graceful drain can still be acted on (once the JVM runs its shutdown hooks, it ignores further signals). Uses the
 * JDK's {@code sun.misc.Signal} (module {@code jdk.unsupported}), looked up reflectively; where it is unavailable
 * (another JVM, or {@code -Xrs}), {@link #install} returns false and the CLI falls back to a shutdown hook.
 */
final class Signals {

    private Signals() {
    }

    /** Calls {@code onSignal} on the JVM's signal thread for every SIGINT and SIGTERM; true if installed. */
    static boolean install(Runnable onSignal) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            onSignal.run();
                            return null;
                        }
                        return switch (method.getName()) {
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            case "toString" -> "ferry signal handler";
                            default -> null;
                        };
                    });
            Method handle = signal.getMethod("handle", signal, handlerType);
            for (String name : new String[] {"INT", "TERM"}) {
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
