package io.ferry.filter.registry;

/**
 * A config names a filter {@code type} that no loaded provider has. The message has Ferry's config-error format,
 * lists the types available, suggests the closest one, and says where the registry looked.
 */
public class UnknownFilterTypeException extends RegistryException {

    private static final long serialVersionUID = 1L;

    private final String type;

    public UnknownFilterTypeException(String type, String message) {
        super(message);
        this.type = type;
    }

    /** The type that was asked for. */
    public String type() {
        return type;
    }
}
