"""Runs moto's server handling one request at a time.

moto_server always serves requests on parallel threads, but moto's backends
are not safe for that: a DynamoDB TransactWriteItems that fails restores a
deep copy of the whole table taken when it began, silently undoing writes
made meanwhile by other requests (for example a Step Functions task of a
running execution). Real DynamoDB isolates transactions; serving requests one
after another restores that. Step Functions executions still run on their own
threads and call back over HTTP, so nothing waits on itself.
"""
import argparse
import os

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

parser = argparse.ArgumentParser()
parser.add_argument("-H", "--host", default="127.0.0.1")
parser.add_argument("-p", "--port", type=int, required=True)
args = parser.parse_args()
os.environ.setdefault("MOTO_PORT", str(args.port))

app = DomainDispatcherApplication(create_backend_app)
run_simple(args.host, args.port, app, threaded=False, request_handler=MotoRequestHandler)
