// Mentions of local files that are not imports: a comment `import x from './helper'`, and require('../lib') here too.
/* export * from './y' */
const http = require("http");
const text = "import('./x.js') and require('./helper') are only words here";
const template = `from './z'`;
http.createServer((req, res) => res.end(text + "\n" + template + "\n")).listen(Number(process.env.PORT), process.env.HOST);
