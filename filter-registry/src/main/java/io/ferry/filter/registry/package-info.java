/**
 * Finds network filter providers by their {@code type}: {@link io.ferry.filter.registry.FilterRegistry} scans the
 * class path and a plugin directory of isolated jars with {@link java.util.ServiceLoader}, refuses duplicate and
 * reserved types, and reports broken plugins in one sentence each, with the prefix {@code FILTER-REGISTRY(W|E): }.
 */
package io.ferry.filter.registry;
