"""Drives a Sluice server with ksql-python-ng, a ksqlDB client library from
PyPI, and prints what the server answered as one JSON object. The Rust test
`ksql_python_client` runs this and checks the answers."""

import json
import sys
import time

from ksql import KSQLAPI

url = sys.argv[1]
client = KSQLAPI(url)
answers = {"version": client.get_ksql_version()}

created = client.ksql(
    "CREATE STREAM riders (id INT KEY, name STRING, km DOUBLE) "
    "WITH (kafka_topic='riders', value_format='JSON', partitions=1); "
    "CREATE TABLE distance AS SELECT name, SUM(km) AS total, COUNT(*) AS rides FROM riders GROUP BY name;"
)
answers["created"] = [entity["commandStatus"]["status"] for entity in created]

acks = client.inserts_stream(
    "riders",
    [
        {"ID": 1, "NAME": "ann", "KM": 2.5},
        {"ID": 2, "NAME": "bob", "KM": 4.0},
        {"ID": 3, "NAME": "ann", "KM": 1.5},
    ],
)
answers["acks"] = [ack["status"] for ack in acks]

# A push query over HTTP/2 (/query-stream), from the start of the stream,
# ending at its LIMIT.
answers["push"] = list(
    client.query(
        "SELECT id, name, km FROM riders EMIT CHANGES LIMIT 3;",
        use_http2=True,
        parse=True,
        stream_properties={"auto.offset.reset": "earliest"},
    )
)

# A pull query over HTTP/1.1 (/query); the table is computed in the
# background, so ask until it has seen every ride.
deadline = time.time() + 30
while True:
    chunks = list(client.query("SELECT name, total, rides FROM distance WHERE name = 'ann';"))
    pull = json.loads("".join(chunks))
    rows = [item["row"]["columns"] for item in pull if "row" in item]
    if rows and rows[0][2] == 2 or time.time() > deadline:
        break
    time.sleep(0.2)
answers["pull_header"] = pull[0]["header"]["schema"]
answers["pull"] = rows

print(json.dumps(answers))
