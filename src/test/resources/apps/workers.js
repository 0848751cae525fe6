// A Cloudflare Workers-style module: it never listens; its default export's fetch(request, env, ctx) answers.
const encoder = new TextEncoder();
const waiting = [];

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return new Response("hello from a worker\n", { headers: { "content-type": "text/plain; charset=utf-8" } });
      case "/echo":
        // The request's body, streamed back as it comes.
        return new Response(request.body, { headers: { "x-method": request.method, "content-type": "application/octet-stream" } });
      case "/env":
        return Response.json({ greeting: env.GREETING ?? null, url: request.url, query: url.searchParams.get("q") });
      case "/events":
        // One event now, the next only once /release is called: the client has the first while the stream is open.
        return new Response(new ReadableStream({
          async start(controller) {
            controller.enqueue(encoder.encode("data: first\n\n"));
            await new Promise((resolve) => waiting.push(resolve));
            controller.enqueue(encoder.encode("data: second\n\n"));
            controller.close();
          },
        }), { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
      case "/release":
        waiting.splice(0).forEach((resolve) => resolve());
        return new Response("released\n");
      case "/later":
        ctx.waitUntil(Promise.resolve());
        return new Response(null, { status: 204 });
      default:
        return new Response("not found\n", { status: 404 });
    }
  },
};
