// The benchmarks' app: the smallest useful HTTP answer, so that what is measured is what lies in front of it.
require("http").createServer((req, res) => {
  res.setHeader("content-type", "text/plain");
  res.end("hello\n");
}).listen(Number(process.env.PORT), process.env.HOST);
