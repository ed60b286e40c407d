package io.ferry.filter.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a type whose source and binary compatibility is kept across minor versions of {@code filter-api}. Breaking
 * it needs a new major version of the API, which the registry reports as "targets filter-api N".
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.PACKAGE})
public @interface Stable {
}
