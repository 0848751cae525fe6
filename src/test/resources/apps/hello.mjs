// An ES module app without TypeScript.
import { createServer } from "node:http";
createServer((req, res) => res.end(JSON.stringify({ app: "hello-mjs", url: req.url })))
  .listen(Number(process.env.PORT), process.env.HOST);
