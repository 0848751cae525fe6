// TypeScript written in CommonJS style must run too.
const http = require("http");
const greeting: string = "hello from commonjs ts";
http.createServer((_req: any, res: any) => res.end(greeting)).listen(Number(process.env.PORT));
