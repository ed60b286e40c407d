/**
 * Abstract JUnit 5 contract tests that a filter author extends in a few lines, in the style of the Reactive Streams
 * TCK: {@link io.ferry.testkit.contract.FilterProviderContractTest} checks the provider and factory rules (R3.x),
 * {@link io.ferry.testkit.contract.ReadFilterContractTest} adds the read and buffer rules (R1.x, R4.x) and the write
 * rules (R2.x) for the write filters a factory adds. Each test cites its rule of {@code FILTER-CONTRACT.md} in its name
 * and its failure message.
 */
package io.ferry.testkit.contract;
