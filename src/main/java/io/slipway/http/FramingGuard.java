package io.slipway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectDecoder;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between Netty's HTTP/1.x request decoder and Vert.x on every connection, so that a request whose framing is
 * ambiguous or broken gets a prompt {@code 400} problem with {@code Connection: close} and the connection ends, before
 * Vert.x, the API or the proxy (and so an app) see it. Without it, Vert.x passes on whatever the decoder made of such a
 * request, and closes a connection whose chunked body breaks without answering at all.
 *
 * <p>Heads are judged by {@link RequestFraming}. A chunked body's lines are checked by the decoder itself (CRLF line
 * ends, hex sizes, extensions); its verdict arrives as a failed {@link HttpContent}. The head of a chunked request is
 * held until the end of the read that brought it, so that a body broken in those bytes is refused with its head and
 * reaches nobody. A body that breaks later, after the request went on, is answered 400 too when nothing of the answer
 * has been written yet (the exchange with the app is then cut); once the answer has begun, the connection is closed.
 *
 * <p>Refusals keep HTTP/1.1's order: an answer still owed to an earlier pipelined request is written first. Everything
 * read after a refusal is dropped. After a {@code 101 Switching Protocols} the connection is no longer HTTP/1.x and
 * the guard passes bytes untouched. Runs on the connection's event loop; one instance per connection.
 */
public final class FramingGuard extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FramingGuard.class);
    /** Vert.x's names for the handlers of its HTTP/1.x pipeline. */
    private static final String DECODER = "httpDecoder";
    private static final String VERTX_HANDLER = "handler";
    /**
     * Netty's decoder removes the {@code Content-Length} of an HTTP/1.1 request that also says {@code Transfer-Encoding:
     * chunked}, leaving no trace in the message, and sets its own {@code contentLength} to {@code Long.MIN_VALUE}; the
     * field is otherwise -1 or the length once a head is decoded. It is read, never written, right after the decoder
     * hands over the head and before it decodes anything else (netty/netty#16721 asks for a public way).
     */
    private static final VarHandle DECODED_LENGTH = decodedLength();

    private final HttpObjectDecoder decoder;
    /** The head and body of the chunked request being read, until the read ends or the request does. */
    private final List<Object> held = new ArrayList<>(4);
    /** Requests Vert.x has been given whose answers have not ended. */
    private int open;
    /** Whether the answer to the oldest open request has begun. */
    private boolean answering;
    /** The answer decided for a refused request, written once no earlier answer is owed. */
    private FullHttpResponse refusal;
    /** Set once the refusal is written: nothing more is read or written. */
    private boolean refused;
    /** After {@code 101}: no more HTTP/1.x on this connection. */
    private boolean upgraded;

    private FramingGuard(HttpObjectDecoder decoder) {
        this.decoder = decoder;
    }

    /**
     * Puts a guard into {@code connection}'s pipeline, right before Vert.x's own handler, for HTTP/1.x connections; HTTP/2
     * frames its messages itself. For {@link io.vertx.core.http.HttpServer#connectionHandler}, which Vert.x calls on the
     * connection's event loop before it hands the connection its first request.
     */
    public static void install(HttpConnection connection) {
        if (!(connection instanceof io.vertx.core.http.impl.Http1xServerConnection http1)) return;
        ChannelPipeline pipeline = http1.channelHandlerContext().pipeline();
        if (pipeline.get(FramingGuard.class) != null || pipeline.get(VERTX_HANDLER) == null) return;
        HttpObjectDecoder decoder = pipeline.get(DECODER) instanceof HttpObjectDecoder d ? d : null;
        pipeline.addBefore(VERTX_HANDLER, "slipwayFraming", new FramingGuard(decoder));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused || refusal != null) {
            ReferenceCountUtil.release(msg);
        } else if (upgraded || !(msg instanceof HttpObject)) {
            passHeld(ctx);
            ctx.fireChannelRead(msg);
        } else if (msg instanceof HttpRequest head) {
            readHead(ctx, head);
        } else if (msg instanceof HttpContent content) {
            readContent(ctx, content);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void readHead(ChannelHandlerContext ctx, HttpRequest head) {
        // A head that did not even parse goes on: Vert.x answers it (InvalidRequests) and closes. Most heads have no
        // Transfer-Encoding, and for them one lookup is all the checking there is.
        boolean transferEncoded = head.decoderResult().isSuccess() && head.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
        if (transferEncoded) {
            Problem problem = RequestFraming.check(head, contentLengthDropped(head));
            if (problem != null) {
                ReferenceCountUtil.release(head);
                refuse(ctx, head.protocolVersion(), problem);
                return;
            }
        }
        open++;
        if (transferEncoded) {
            // Passed the check: its Transfer-Encoding is exactly chunked.
            held.add(head);
        } else {
            ctx.fireChannelRead(head);
        }
    }

    private void readContent(ChannelHandlerContext ctx, HttpContent content) {
        if (content.decoderResult().isSuccess()) {
            if (held.isEmpty()) {
                ctx.fireChannelRead(content);
            } else {
                held.add(content);
                if (content instanceof LastHttpContent) passHeld(ctx);
            }
            return;
        }
        Problem problem = RequestFraming.badRequest("the chunked body is malformed: " + describe(content.decoderResult().cause()));
        if (!held.isEmpty()) {
            // Vert.x never saw this request: it is refused whole.
            dropHeld();
            open--;
            ReferenceCountUtil.release(content);
            refuse(ctx, HttpVersion.HTTP_1_1, problem);
        } else if (open == 1 && !answering) {
            // The request went on but nothing of its answer was written: this answer replaces it, and closing the
            // connection makes Vert.x cut the exchange with the app.
            open = 0;
            ReferenceCountUtil.release(content);
            refuse(ctx, HttpVersion.HTTP_1_1, problem);
        } else {
            // An answer is under way: nothing can be said in it any more. Vert.x closes the connection.
            ctx.fireChannelRead(content);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        passHeld(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // A request cut off by the end of the connection is incomplete: no use to anyone.
        dropHeld();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropHeld();
        if (refusal != null) {
            refusal.release();
            refusal = null;
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (refused) {
            // The connection is closing after Slipway's own answer: whatever Vert.x still writes for the request it replaced goes nowhere.
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        boolean ends = false;
        if (!upgraded && msg instanceof HttpObject) {
            int status = msg instanceof HttpResponse response ? response.status().code() : 0;
            if (status == 101) {
                upgraded = true;
            } else if (status == 0 || status >= 200) {
                // 1xx interim answers (100 Continue, 103 Early Hints) come as whole messages but end nothing.
                answering |= status != 0;
                ends = msg instanceof LastHttpContent;
            }
        }
        ctx.write(msg, promise);
        if (ends) {
            open = Math.max(0, open - 1);
            answering = false;
            if (open == 0 && refusal != null) sendRefusal(ctx);
        }
    }

    private void refuse(ChannelHandlerContext ctx, HttpVersion version, Problem problem) {
        passHeld(ctx);
        LOG.debug("refused a request from {}: {}", ctx.channel().remoteAddress(), problem.detail());
        refusal = response(version, problem);
        if (open == 0) sendRefusal(ctx);
    }

    private void sendRefusal(ChannelHandlerContext ctx) {
        FullHttpResponse response = refusal;
        refusal = null;
        refused = true;
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(HttpVersion version, Problem problem) {
        ByteBuf body = Unpooled.wrappedBuffer(problem.body().getBytes());
        FullHttpResponse response = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(problem.status()), body);
        problem.forEachHeader(response.headers()::set);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    private void passHeld(ChannelHandlerContext ctx) {
        if (held.isEmpty()) return;
        Object[] messages = held.toArray();
        held.clear();
        for (Object message : messages) ctx.fireChannelRead(message);
    }

    private void dropHeld() {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }

    private boolean contentLengthDropped(HttpRequest head) {
        return DECODED_LENGTH != null && decoder != null && head.protocolVersion().equals(HttpVersion.HTTP_1_1)
                && HttpUtil.isTransferEncodingChunked(head) && (long) DECODED_LENGTH.get(decoder) == Long.MIN_VALUE;
    }

    /** The decoder's finding, in words for the client (its exception messages are written for Netty's users). */
    private static String describe(Throwable cause) {
        return switch (cause) {
            case io.netty.handler.codec.http.InvalidChunkExtensionException e ->
                    "a chunk-size line does not end in CRLF, or its extension is not ;name or ;name=value";
            case io.netty.handler.codec.http.InvalidLineSeparatorException e -> "a line ends in a bare LF, not CRLF";
            case io.netty.handler.codec.http.InvalidChunkTerminationException e -> "a chunk's data is not followed by CRLF";
            case NumberFormatException e -> "a chunk size is not a hexadecimal number";
            case TooLongFrameException e -> "a chunk-size line or trailer field is too long";
            case null, default -> "it cannot be decoded";
        };
    }

    private static VarHandle decodedLength() {
        try {
            return MethodHandles.privateLookupIn(HttpObjectDecoder.class, MethodHandles.lookup())
                    .findVarHandle(HttpObjectDecoder.class, "contentLength", long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("this Netty hides whether it dropped the Content-Length of a chunked request ({}): such requests are "
                    + "decoded as chunked instead of refused", e.toString());
            return null;
        }
    }
}
