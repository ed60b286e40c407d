/**
 * The socket-free chain engine, with MOSN's filter-manager semantics, used by the proxy runtime and the test kit
 * alike.
 *
 * <ul>
 *   <li>{@link io.ferry.filter.chain.ChainConnection}: one connection and its read and write filters; its javadoc is
 *       the engine's specification. MOSN: {@code connection} plus {@code filterManager}.</li>
 *   <li>{@link io.ferry.filter.chain.Transport}: what carries the bytes (a Netty channel, an in-memory queue).</li>
 *   <li>{@link io.ferry.filter.chain.ByteBufIoBuffer}: the {@code IoBuffer} filters see, backed by a Netty
 *       {@code ByteBuf}.</li>
 *   <li>{@link io.ferry.filter.chain.ChainObserver} and {@link io.ferry.filter.chain.TrackingByteBufAllocator}: hooks
 *       for harnesses and tests.</li>
 * </ul>
 *
 * <p>Rule numbers in the javadoc (R1.3, R4.6, ...) refer to {@code FILTER-CONTRACT.md} at the repository root.
 */
package io.ferry.filter.chain;
