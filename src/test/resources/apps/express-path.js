// An express app that says which node runs it: the image's, where its packages were installed.
const express = require('express');
const app = express();
app.get('/', (req, res) => res.json({ message: 'hello from express', node: process.execPath }));
app.listen(Number(process.env.PORT), process.env.HOST);
