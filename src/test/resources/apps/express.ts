// The seed's common case: TypeScript, ES module syntax, express and cors from npm.
import express, { Request, Response } from "express";
import cors from "cors";

interface Greeting { message: string; path: string }

const app = express();
app.use(cors());
app.use(express.json());
app.get("/", (req: Request, res: Response) => {
  const body: Greeting = { message: "hello from express", path: req.path };
  res.json(body);
});
app.post("/echo", (req: Request, res: Response) => res.status(201).json({ received: req.body }));
app.get("/teapot", (_req: Request, res: Response) => res.status(418).send("short and stout"));
const port: number = Number(process.env.PORT ?? 8000);
app.listen(port, () => console.log(`express listening on ${port}`));
