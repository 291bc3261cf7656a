"""The ceiling for bench/load.py: a Flask app whose one route returns a small JSON body,
served by gunicorn with the same settings as TechMarket."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return {"status": "ok"}
