// Takes 1.5 s before it listens, like an app that loads a model or a cache at start.
const http = require("http");
setTimeout(() => http.createServer((req, res) => res.end("finally")).listen(Number(process.env.PORT), process.env.HOST), 1500);
