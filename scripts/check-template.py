#!/usr/bin/env python3
"""Checks template.yaml the way `sam deploy` would see it, without AWS.

1. The SAM translator (aws-sam-translator) expands AWS::Serverless-2016-10-31 into plain
   CloudFormation, which catches wrong event shapes, bad policies, circular references made by
   the S3 event, and so on.
2. cfn-lint, when installed, checks the result against CloudFormation's resource specs.

Either tool missing: prints SKIP with the reason and exits 0 (so CI on a machine without them
still passes, saying so). A problem found: prints it and exits 1.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


def load_template():
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text())


def translate(template):
    from samtranslator.translator.transform import transform
    from samtranslator.public.exceptions import InvalidDocumentException

    class NoManagedPolicies:
        """The template uses inline statements only; nothing needs AWS's managed policy list."""

        def load(self):
            return {}

    import os

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    try:
        return transform(template, parameters, NoManagedPolicies())
    except InvalidDocumentException as error:
        for cause in error.causes:
            print(f"FAIL sam-translator: {cause.message}")
        sys.exit(1)


def main():
    try:
        import samtranslator  # noqa: F401
    except ImportError:
        print("SKIP sam-translator: python3 has no aws-sam-translator (pip install aws-sam-translator to check the template)")
        return
    template = load_template()
    # What `sam package` does: local code directories become S3 locations. Each must exist.
    for name, resource in template["Resources"].items():
        code = resource.get("Properties", {}).get("CodeUri")
        if isinstance(code, str) and not code.startswith("s3://"):
            if not (ROOT / code / "index.ts").is_file():
                print(f"FAIL {name}: CodeUri {code} has no index.ts")
                sys.exit(1)
            resource["Properties"]["CodeUri"] = f"s3://packaged-code/{code}.zip"
    output = translate(template)
    kinds = sorted({r["Type"] for r in output["Resources"].values()})
    print(f"OK sam-translator {samtranslator.__version__}: {len(output['Resources'])} resources ({', '.join(kinds)})")

    lint = shutil.which("cfn-lint")
    if not lint:
        print("SKIP cfn-lint: not installed (pip install cfn-lint)")
        return
    done = subprocess.run([lint, str(TEMPLATE)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"FAIL cfn-lint:\n{done.stdout}{done.stderr}")
        sys.exit(1)
    print("OK cfn-lint: no findings")


if __name__ == "__main__":
    main()
