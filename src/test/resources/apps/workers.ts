// A Workers-style module in TypeScript: fetch is defined on its own and exported as `export default { fetch }`. The
// type-only import names a file that is not uploaded; it is erased with the types, so it is not a local import.
import type { Greeting } from "./worker-types";

interface Env {
  GREETING?: string;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

async function fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  ctx.passThroughOnException();
  const greeting: Greeting | string = env.GREETING ?? "hello from a typed worker";
  return Response.json({ greeting, method: request.method, path: new URL(request.url).pathname });
}

export default { fetch };
