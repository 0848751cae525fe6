// Its only module syntax is a top-level await: loaded as CommonJS it would not even parse.
const { createServer } = await import("node:http");
createServer((req, res) => res.end("top-level await ran\n")).listen(Number(process.env.PORT), process.env.HOST);
