package io.ferry.filter.registry;

import java.util.List;

/** The registry could not be built, or a filter type could not be resolved. The message says what and where. */
public class RegistryException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public RegistryException(String message) {
        this(message, List.of());
    }

    /**
     * @param problems the individual diagnostics behind this exception (for {@link FailurePolicy#FAIL}), each a line
     *                 as {@link FilterRegistry#problems()} reports it
     */
    public RegistryException(String message, List<String> problems) {
        super(message);
        this.problems = List.copyOf(problems);
    }

    /** The individual diagnostics behind this exception; empty if the message says it all. */
    public List<String> problems() {
        return problems;
    }
}
