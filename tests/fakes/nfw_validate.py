#!/usr/bin/python3
"""Check a request JSON file against the Network Firewall service model of
python3-botocore: botocore's own ParamValidator (required and unknown
members, types, min) and then the stand-in's stricter walk (max, pattern,
enum) and rule-group checks (unique priorities, one standard action, valid
CIDRs, no empty address list). Tests only.

usage: nfw_validate.py OPERATION FILE   -> "valid", exit 0; problems, exit 1
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from botocore.validate import ParamValidator  # noqa: E402
import nfw_server  # noqa: E402


def main():
    op, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        body = json.load(f)
    problems = []
    report = ParamValidator().validate(
        body, nfw_server.MODEL.operation_model(op).input_shape)
    if report.has_errors():
        problems.append(report.generate_report())
    problems.extend(nfw_server.model_problems(op, body))
    if not problems and op == "UpdateRuleGroup" and "RuleGroup" in body:
        try:
            nfw_server.check_rule_group(body["RuleGroup"], None)
        except nfw_server.Refused as e:
            problems.append(e.message)
    if problems:
        print("\n".join(problems))
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
