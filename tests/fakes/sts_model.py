"""sts_model.py: check an STS query-protocol request (its form parameters,
Action and Version aside) against the sts service model of
python3-botocore: unknown parameters, then botocore's own ParamValidator
(required members, types, min) and the stricter walk of nfw_server.py
(max, pattern, enum). Tests only; used by aws_fake.py's sts mode.

problems(action, form) -> a list of strings, empty when valid.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import botocore.session  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402

import nfw_server  # noqa: E402  (its model walk, not its service)

MODEL = botocore.session.get_session().get_service_model("sts")


def params_of(shape, form, problems):
    """The form as the operation's input members, typed."""
    params = {}
    for name, value in form.items():
        if name in ("Action", "Version"):
            continue
        if name not in shape.members:
            problems.append("%s: unknown parameter %s" % (shape.name, name))
            continue
        t = shape.members[name].type_name
        if t in ("integer", "long"):
            try:
                value = int(value)
            except ValueError:
                problems.append("%s: %s is not an integer" % (shape.name,
                                                              name))
                continue
        elif t == "boolean":
            value = value == "true"
        elif t != "string":
            problems.append("%s: %s: a %s is not sent as one form value"
                            % (shape.name, name, t))
            continue
        params[name] = value
    return params


def problems(action, form):
    try:
        op = MODEL.operation_model(action)
    except Exception:
        return ["unknown operation %s" % action]
    found = []
    shape = op.input_shape
    if shape is None:
        extra = [k for k in form if k not in ("Action", "Version")]
        return ["%s takes no parameter: %s" % (action, ", ".join(extra))] \
            if extra else []
    params = params_of(shape, form, found)
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        found.append(report.generate_report())
    nfw_server.check_shape(params, shape, action, found)
    return found
