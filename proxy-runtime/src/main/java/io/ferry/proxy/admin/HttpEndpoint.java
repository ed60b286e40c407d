package io.ferry.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server for Ferry's operator endpoints (the admin API and the Prometheus endpoint) that slow
 * clients cannot starve.
 *
 * <h2>Threads</h2>
 * One I/O thread of its own ({@code <name>-io}), never a proxy event loop, reads requests without blocking, so a
 * client that sends half a request holds no thread. Complete requests are answered by a pool of two daemon threads
 * ({@code <name>-N}, 64 requests waiting at most, beyond which a request gets {@code 503}), so a slow handler or stats
 * source never stalls the I/O thread either.
 *
 * <h2>Limits ({@link HttpLimits})</h2>
 * A request line and headers not complete within {@link HttpLimits#headerTimeout()} of the accept (or of the end of
 * the previous response on a keep-alive connection), or a body not complete within {@link HttpLimits#bodyTimeout()}
 * of its headers, get {@code 408} and the connection is closed. Beyond {@link HttpLimits#maxConnections()} open
 * connections, a new one gets {@code 503} and is closed. A body over 1 MiB gets {@code 413}; a request line over
 * 8 KiB or headers over 16 KiB, or a malformed request, get {@code 400}/{@code 431}; each of these closes the
 * connection. One request per connection is handled at a time (pipelined requests wait, in order).
 */
public final class HttpEndpoint implements AutoCloseable {

    /** A request, fully read. Header names are lower case. */
    public record Request(String method, String path, String rawQuery, Map<String, String> headers, String body) {
    }

    /** An answer: status, content type, extra headers, body. */
    public record Response(int status, String contentType, Map<String, String> headers, byte[] body) {

        public static Response text(int status, String contentType, String body) {
            return new Response(status, contentType, Map.of(), body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Answers requests on a pool thread; may block briefly, must be thread-safe. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Request request) throws Exception;
    }

    static final int MAX_BODY = 1 << 20;
    private static final io.netty.util.AttributeKey<Boolean> REFUSED = io.netty.util.AttributeKey.valueOf("ferry.refused");

    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);

    private final String name;
    private final HttpLimits limits;
    private final Handler handler;
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup("ferry-http", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private ThreadPoolExecutor pool;
    private Channel server;

    /** A server named {@code name} (its threads' prefix) answering with {@code handler}; call {@link #start}. */
    public HttpEndpoint(String name, HttpLimits limits, Handler handler) {
        this.name = Objects.requireNonNull(name, "name");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException if the address cannot be bound (nothing is left running then)
     */
    public synchronized InetSocketAddress start(InetSocketAddress address) throws IOException {
        if (server != null) {
            throw new IllegalStateException(name + " already started on " + server.localAddress());
        }
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-io", true),
                NioIoHandler.newFactory());
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (open.incrementAndGet() > limits.maxConnections()) {
                            ch.pipeline().addLast("refuse", new io.netty.channel.ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    refuse(ctx.channel());
                                }

                                @Override
                                public void handlerAdded(ChannelHandlerContext ctx) {
                                    if (ctx.channel().isActive()) {
                                        refuse(ctx.channel());
                                    }
                                }
                            });
                            return;
                        }
                        ch.pipeline()
                                .addLast("codec", new HttpServerCodec(8192, 16384, 8192))
                                .addLast("deadlines", new Deadlines())
                                .addLast("aggregator", new HttpObjectAggregator(MAX_BODY, true))
                                .addLast("dispatch", new Dispatch());
                    }
                });
        ChannelFuture f = b.bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            pool.shutdownNow();
            group = null;
            pool = null;
            Throwable cause = f.cause();
            throw new IOException(cause == null ? "bind failed" : String.valueOf(cause.getMessage()), cause);
        }
        server = f.channel();
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops serving and closes every connection; idempotent. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        pool.shutdownNow();
        server = null;
    }

    /** The connections open now (for tests and stats). */
    int openConnections() {
        return open.get();
    }

    private static FullHttpResponse error(HttpResponseStatus status, String message) {
        byte[] body = ("{\"error\": \"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    /** Over the connection cap: a raw 503 (no codec installed), then close. */
    private void refuse(Channel ch) {
        if (!ch.isOpen() || ch.attr(REFUSED).getAndSet(Boolean.TRUE) != null) {
            return;
        }
        String body = "{\"error\": \"too many connections (at most " + limits.maxConnections() + ")\"}";
        String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n";
        ch.writeAndFlush(Unpooled.copiedBuffer(head + body, StandardCharsets.UTF_8))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The header and body deadlines: armed at accept, re-armed when a response is written on a keep-alive
     * connection; reading stops while a request is being answered.
     */
    private final class Deadlines extends ChannelDuplexHandler {
        private ScheduledFuture<?> timer;
        private boolean inRequest;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (ctx.channel().isActive()) {
                arm(ctx, limits.headerTimeout().toNanos(), "request header");
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (timer == null) {
                arm(ctx, limits.headerTimeout().toNanos(), "request header");
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                inRequest = true;
                cancel();
                if (!(msg instanceof LastHttpContent)) {
                    arm(ctx, limits.bodyTimeout().toNanos(), "request body");
                }
            }
            if (msg instanceof LastHttpContent) {
                cancel();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof LastHttpContent && inRequest) {
                inRequest = false;
                promise.addListener(f -> {
                    if (f.isSuccess() && ctx.channel().isActive()) {
                        arm(ctx, limits.headerTimeout().toNanos(), "request header");
                    }
                });
            }
            ctx.write(msg, promise);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        private void arm(ChannelHandlerContext ctx, long nanos, String what) {
            cancel();
            timer = ctx.executor().schedule(() -> {
                timer = null;
                if (ctx.channel().isActive()) {
                    ctx.channel().config().setAutoRead(false);
                    ctx.writeAndFlush(error(HttpResponseStatus.REQUEST_TIMEOUT, what + " not received within "
                            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms")).addListener(ChannelFutureListener.CLOSE);
                }
            }, nanos, TimeUnit.NANOSECONDS);
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /** Hands a complete request to the pool; one at a time per connection. */
    private final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            if (!msg.decoderResult().isSuccess()) {
                Throwable cause = msg.decoderResult().cause();
                boolean tooLarge = cause instanceof io.netty.handler.codec.TooLongFrameException;
                ctx.writeAndFlush(error(tooLarge ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                                : HttpResponseStatus.BAD_REQUEST,
                        "malformed request: " + (cause == null ? "?" : cause.getMessage())))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(msg);
            Request request = request(msg);
            ctx.channel().config().setAutoRead(false); // answer this one before reading the next
            try {
                pool.execute(() -> answer(ctx, request, keepAlive));
            } catch (RejectedExecutionException e) {
                ctx.writeAndFlush(error(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy: too many requests waiting"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void answer(ChannelHandlerContext ctx, Request request, boolean keepAlive) {
            Response response;
            try {
                response = handler.handle(request);
            } catch (Exception | LinkageError e) {
                log.warn("{} {} {} failed: {}", name, request.method(), request.path(), e.toString());
                response = Response.text(500, "application/json; charset=utf-8", "{\"error\": \"internal error\"}");
            }
            boolean head = request.method().equals("HEAD");
            ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body());
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(response.status()), body);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
            response.headers().forEach((k, v) -> r.headers().set(k, v));
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ChannelFuture done = ctx.writeAndFlush(r);
            if (keepAlive) {
                done.addListener(f -> {
                    if (f.isSuccess()) {
                        ctx.channel().config().setAutoRead(true);
                    } else {
                        ctx.close();
                    }
                });
            } else {
                done.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: connection from {} failed: {}", name, ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        private Request request(FullHttpRequest msg) {
            String uri = msg.uri();
            int q = uri.indexOf('?');
            String rawPath = q < 0 ? uri : uri.substring(0, q);
            String rawQuery = q < 0 ? null : uri.substring(q + 1);
            int hash = rawQuery == null ? -1 : rawQuery.indexOf('#');
            if (hash >= 0) {
                rawQuery = rawQuery.substring(0, hash);
            }
            if (rawPath.startsWith("http://") || rawPath.startsWith("https://")) { // absolute-form
                int slash = rawPath.indexOf('/', rawPath.indexOf("//") + 2);
                rawPath = slash < 0 ? "/" : rawPath.substring(slash);
            }
            String path = java.net.URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
            Map<String, String> headers = new LinkedHashMap<>();
            msg.headers().forEach(e -> headers.merge(e.getKey().toLowerCase(Locale.ROOT), e.getValue(),
                    (a, b) -> a + ", " + b));
            return new Request(msg.method().name().toUpperCase(Locale.ROOT), path, rawQuery, headers,
                    msg.content().toString(StandardCharsets.UTF_8));
        }
    }
}
