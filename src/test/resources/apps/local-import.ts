// Slipway runs one file: this one's helper is not part of the upload.
import { greet } from "./helper";
import { createServer } from "node:http";

createServer((req, res) => res.end(greet())).listen(Number(process.env.PORT), process.env.HOST);
