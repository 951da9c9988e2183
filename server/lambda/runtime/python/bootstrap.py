# The Python runtime of one execution environment (python3.9 to python3.13 functions), run on
# the machine's python3 by rekognito's Lambda runner. It speaks the Lambda Runtime API at
# AWS_LAMBDA_RUNTIME_API exactly as AWS's runtime interface client does (runtime-api.ts serves
# it): import the handler once (the init phase; a failure goes to /runtime/init/error), then
# for each event from /runtime/invocation/next call handler(event, context) and post the result
# or the error document ({"errorMessage", "errorType", "requestId", "stackTrace"}).
#
# As AWS's Python runtimes:
#   - the handler is "module.function" (a module path may use slashes: "src/app.handler");
#     its errors are worded as AWS words them (Runtime.ImportModuleError "Unable to import module
#     'app': No module named 'app'", Runtime.HandlerNotFound "Handler 'x' missing on module 'app'");
#   - print() goes to the function's log as it is; the logging module's root logger writes
#     "[LEVEL]\t<time>Z\t<request id>\t<message>", at WARNING unless AWS_LAMBDA_LOG_LEVEL says;
#   - boto3 is the one installed for this python3 (AWS's runtimes ship one).
#
# Written for Python 3.8 and later; only the standard library.
#
# Usage: python3 -u bootstrap.py [--stack <endpoint> --aws-hosts <regex>]
#   --stack/--aws-hosts: boto3 clients that would call AWS itself (an emulated service's
#   *.amazonaws.com endpoint: an old boto3 that ignores AWS_ENDPOINT_URL, a client built with
#   AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) are pointed at the stack instead (see _redirect_botocore).

import decimal
import http.client
import importlib
import importlib.abc
import json
import logging
import os
import re
import sys
import time
import traceback

BOOTSTRAP_DIR = os.path.dirname(os.path.abspath(__file__))
# The script's own folder is sys.path[0]: take it off, so that nothing of the function's is
# shadowed by (or shadows) this file.
if sys.path and os.path.abspath(sys.path[0] or ".") == BOOTSTRAP_DIR:
    sys.path.pop(0)

TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
if TASK_ROOT not in sys.path:
    sys.path.insert(0, TASK_ROOT)

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
HANDLER = os.environ.get("_HANDLER", "")
PREFIX = "/2018-06-01/runtime"

_request_id = None


def _arguments(argv):
    out = {}
    i = 1
    while i < len(argv) - 1:
        if argv[i].startswith("--"):
            out[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            i += 1
    return out


ARGS = _arguments(sys.argv)


# ---------------------------------------------------------------- the Runtime API

class RuntimeClient(object):
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host = host or "127.0.0.1"
        self.port = int(port)
        self.connection = None

    def _request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port)
            try:
                self.connection.request(method, PREFIX + path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
                return response, data
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise

    def next(self):
        response, data = self._request("GET", "/invocation/next")
        if response.status != 200:
            raise RuntimeError("the Runtime API answered %d to invocation/next" % response.status)
        return response, data

    def respond(self, request_id, body):
        return self._request("POST", "/invocation/%s/response" % request_id, body=body, headers={"Content-Type": "application/json"})

    def error(self, request_id, document, error_type):
        headers = {"Content-Type": "application/vnd.aws.lambda.error+json", "Lambda-Runtime-Function-Error-Type": error_type}
        return self._request("POST", "/invocation/%s/error" % request_id, body=json.dumps(document).encode("utf-8"), headers=headers)

    def init_error(self, document, error_type):
        headers = {"Content-Type": "application/vnd.aws.lambda.error+json", "Lambda-Runtime-Function-Error-Type": error_type}
        return self._request("POST", "/init/error", body=json.dumps(document).encode("utf-8"), headers=headers)


# ---------------------------------------------------------------- the function's log

class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


class _StdoutHandler(logging.Handler):
    def emit(self, record):
        try:
            message = self.format(record)
            # One record is one line of the log, as AWS's runtime keeps it (newlines as \r).
            sys.stdout.write(message.replace("\n", "\r") + "\n")
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging._nameToLevel:
        root.setLevel(level)


def _log_error(document):
    lines = ["[ERROR] %s: %s" % (document["errorType"], document["errorMessage"]) if document.get("errorMessage") else "[ERROR] %s" % document["errorType"]]
    trace = document.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            lines.extend(element.splitlines())
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- errors

class Fault(Exception):
    def __init__(self, error_type, message, trace=None):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def _document(message, error_type, trace, request_id):
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id or "", "stackTrace": trace or []}


def _user_frames(tb):
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if not frame.filename.startswith(BOOTSTRAP_DIR):
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


# ---------------------------------------------------------------- the handler

def _missing_boto3_hint(error):
    name = getattr(error, "name", None) or ""
    if name.split(".")[0] in ("boto3", "botocore"):
        return (
            " (rekognito: %s has no %s; AWS's Python runtimes include boto3: install it with "
            "`python3 -m pip install boto3` or `apt-get install python3-boto3`)" % (sys.executable, name.split(".")[0])
        )
    return ""


def load_handler(spec):
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as error:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, error))
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault("Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % module_name)
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise Fault("Runtime.ImportModuleError", "Unable to import module '%s': %s%s" % (module_name, error, _missing_boto3_hint(error)))
    except SyntaxError as error:
        trace = ['  File "%s" Line %s\n    %s' % (error.filename, error.lineno, error.text)]
        raise Fault("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, error), trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))


class CognitoIdentity(object):
    def __init__(self, value):
        value = value or {}
        self.cognito_identity_id = value.get("cognitoIdentityId")
        self.cognito_identity_pool_id = value.get("cognitoIdentityPoolId")


class Client(object):
    def __init__(self, value):
        value = value or {}
        self.installation_id = value.get("installation_id")
        self.app_title = value.get("app_title")
        self.app_version_name = value.get("app_version_name")
        self.app_version_code = value.get("app_version_code")
        self.app_package_name = value.get("app_package_name")


class ClientContext(object):
    def __init__(self, value):
        self.client = Client(value.get("client")) if value.get("client") else None
        self.custom = value.get("custom")
        self.env = value.get("env")


class LambdaContext(object):
    """AWS's context object: the same attribute names and method."""

    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context, cognito_identity):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(cognito_identity)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,function_name=%s,function_version=%s,invoked_function_arn=%s])" % (
            self.aws_request_id,
            self.function_name,
            self.function_version,
            self.invoked_function_arn,
        )


class _Encoder(json.JSONEncoder):
    # As AWS's runtime: Decimals (DynamoDB's numbers through boto3) become JSON numbers.
    def default(self, value):
        if isinstance(value, decimal.Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return json.JSONEncoder.default(self, value)


def _json_header(value, what):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as error:
        raise Fault("Runtime.LambdaContextUnmarshalError", "Unable to parse %s JSON: %s" % (what, error))


def handle(client, handler, response, body):
    global _request_id
    request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
    _request_id = request_id
    trace_id = response.getheader("Lambda-Runtime-Trace-Id")
    # As AWS's runtime: boto3 sends it back as X-Amzn-Trace-Id with every call the handler makes.
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        context = LambdaContext(
            request_id,
            int(response.getheader("Lambda-Runtime-Deadline-Ms") or 0),
            response.getheader("Lambda-Runtime-Invoked-Function-Arn"),
            _json_header(response.getheader("Lambda-Runtime-Client-Context"), "Client Context"),
            _json_header(response.getheader("Lambda-Runtime-Cognito-Identity"), "Cognito Identity"),
        )
        try:
            event = json.loads(body.decode("utf-8")) if body else {}
        except ValueError as error:
            raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % error)
        result = handler(event, context)
        try:
            payload = json.dumps(result, cls=_Encoder).encode("utf-8")
        except (TypeError, ValueError) as error:
            raise Fault("Runtime.MarshalError", "Unable to marshal response: %s" % error)
    except Fault as fault:
        document = _document(fault.message, fault.error_type, fault.trace, request_id)
        _log_error(document)
        client.error(request_id, document, fault.error_type)
        return
    except Exception as error:
        document = _document(str(error), type(error).__name__, _user_frames(sys.exc_info()[2]), request_id)
        _log_error(document)
        client.error(request_id, document, type(error).__name__)
        return
    finally:
        _request_id = None
    client.respond(request_id, payload)


# ---------------------------------------------------------------- AWS endpoints to the stack

def _redirect_botocore(stack, pattern):
    """Points boto3 clients that would call an emulated service on AWS at the stack.

    The client is made as botocore makes it; when its endpoint is one of the emulated services'
    *.amazonaws.com hosts (the client ignored AWS_ENDPOINT_URL), it is made again with the
    stack's endpoint, before anything is signed: the signature covers the stack's host.
    """
    hosts = re.compile(pattern)

    def patch(module):
        session = getattr(module, "Session", None)
        original = getattr(session, "create_client", None)
        if original is None or getattr(original, "_rekognito", False):
            return

        def create_client(self, service_name, *args, **kwargs):
            client = original(self, service_name, *args, **kwargs)
            try:
                from urllib.parse import urlsplit

                host = urlsplit(client.meta.endpoint_url).hostname or ""
            except Exception:
                return client
            if not hosts.match(host):
                return client
            if len(args) >= 5:
                args = args[:4] + (stack,) + args[5:]
            else:
                kwargs["endpoint_url"] = stack
            return original(self, service_name, *args, **kwargs)

        create_client._rekognito = True
        session.create_client = create_client

    class Loader(importlib.abc.Loader):
        def __init__(self, inner):
            self.inner = inner

        def create_module(self, spec):
            return self.inner.create_module(spec) if hasattr(self.inner, "create_module") else None

        def exec_module(self, module):
            self.inner.exec_module(module)
            patch(module)

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "botocore.session":
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None and spec.loader is not None:
                    spec.loader = Loader(spec.loader)
                    return spec
            return None

    if "botocore.session" in sys.modules:
        patch(sys.modules["botocore.session"])
    else:
        sys.meta_path.insert(0, Finder())


# ---------------------------------------------------------------- main

def main():
    if not API:
        sys.stderr.write("AWS_LAMBDA_RUNTIME_API is not set\n")
        return 2
    client = RuntimeClient(API)
    _setup_logging()
    if ARGS.get("stack") and ARGS.get("aws-hosts"):
        _redirect_botocore(ARGS["stack"], ARGS["aws-hosts"])
    try:
        handler = load_handler(HANDLER)
    except Fault as fault:
        document = _document(fault.message, fault.error_type, fault.trace, None)
        _log_error(document)
        client.init_error(document, fault.error_type)
        return 1
    except Exception as error:
        document = _document(str(error), type(error).__name__, _user_frames(sys.exc_info()[2]), None)
        _log_error(document)
        client.init_error(document, type(error).__name__)
        return 1
    while True:
        response, body = client.next()
        handle(client, handler, response, body)


if __name__ == "__main__":
    sys.exit(main())
