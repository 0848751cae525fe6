# A Flask app from PyPI on its own server, on $HOST:$PORT.
import os

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/")
def root():
    return jsonify(framework="flask")


@app.post("/echo")
def echo():
    return jsonify(received=request.get_json())


app.run(host=os.environ["HOST"], port=int(os.environ["PORT"]))
