# A FastAPI app served by uvicorn, both from PyPI, started programmatically on $HOST:$PORT.
import os

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"framework": "fastapi"}


@app.get("/items/{item_id}")
def item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


uvicorn.run(app, host=os.environ["HOST"], port=int(os.environ["PORT"]))
